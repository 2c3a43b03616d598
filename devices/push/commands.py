"""Commands for push terminals: queued here, handed out on the terminal's heartbeat as
`C:<id>:<command>`, closed by its result. Staff changes reach the terminals by reconciling:
each active person of the hall enrolled under their PIN (工号) with their name, each person
who has left deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from devices.push import protocol
from devices.push.protocol import CommandResult
from devices.tables import CommandKind, CommandState, Device, DeviceCommand, DeviceKind, DeviceUser
from hall import db
from hall.tables import Staff, StaffStatus

# Commands handed out per heartbeat: a terminal works through them between calls.
PER_HEARTBEAT = 10
# A command handed out without a result by then is handed out again: the terminal may have
# rebooted before running it. Every command here is safe to run twice.
RESEND_AFTER = dt.timedelta(minutes=10)
OPEN_STATES = (CommandState.PENDING, CommandState.SENT)


async def queue(
    *,
    device_id: int,
    kind: CommandKind,
    now: dt.datetime,
    pin: str = "",
    name: str = "",
    actor_id: int | None = None,
) -> int:
    command = DeviceCommand(
        device=device_id, kind=kind, pin=pin, name=name, created_by=actor_id, created_at=now
    )
    await command.save()
    return command.id


async def queue_set_time(*, device_id: int, now: dt.datetime, actor_id: int | None = None) -> bool:
    """A time command unless one is still open (the clock is set when it is handed out)."""
    if await DeviceCommand.exists().where(
        (DeviceCommand.device == device_id)
        & (DeviceCommand.kind == CommandKind.SET_TIME)
        & DeviceCommand.state.is_in(list(OPEN_STATES))
    ):
        return False
    await queue(device_id=device_id, kind=CommandKind.SET_TIME, now=now, actor_id=actor_id)
    return True


def _text(command: dict, local_now: dt.datetime) -> str:
    kind = CommandKind(command["kind"])
    if kind == CommandKind.SET_TIME:
        return protocol.set_time_command(local_now)
    if kind == CommandKind.UPDATE_USER:
        return protocol.update_user_command(pin=command["pin"], name=command["name"])
    return protocol.delete_user_command(command["pin"])


async def hand_out(*, device_id: int, now: dt.datetime, local_now: dt.datetime) -> list[tuple[int, str]]:
    """The commands for this heartbeat, marked sent. `local_now` is the hall's wall clock:
    what a time command sets."""
    async with db.transaction():
        due = (
            await DeviceCommand.select(
                DeviceCommand.id, DeviceCommand.kind, DeviceCommand.pin, DeviceCommand.name
            )
            .where(
                (DeviceCommand.device == device_id)
                & (
                    (DeviceCommand.state == CommandState.PENDING)
                    | (
                        (DeviceCommand.state == CommandState.SENT)
                        & (DeviceCommand.sent_at < now - RESEND_AFTER)
                    )
                )
            )
            .order_by(DeviceCommand.id)
            .limit(PER_HEARTBEAT)
        )
        lines = []
        for command in due:
            text = _text(command, local_now)
            await DeviceCommand.update(
                {DeviceCommand.state: CommandState.SENT, DeviceCommand.sent_at: now, DeviceCommand.text: text}
            ).where(DeviceCommand.id == command["id"])
            lines.append((command["id"], text))
    return lines


async def record_results(*, device_id: int, results: Iterable[CommandResult], now: dt.datetime) -> int:
    """Close the commands a terminal reports on; what a user command did is written to the
    terminal's enrolled users. A result for another terminal's command is ignored."""
    closed = 0
    async with db.transaction():
        for result in results:
            command = (
                await DeviceCommand.select(DeviceCommand.kind, DeviceCommand.pin, DeviceCommand.name)
                .where(
                    (DeviceCommand.id == result.command_id)
                    & (DeviceCommand.device == device_id)
                    & DeviceCommand.state.is_in(list(OPEN_STATES))
                )
                .first()
            )
            if command is None:
                continue
            done = result.return_code >= 0
            await DeviceCommand.update(
                {
                    DeviceCommand.state: CommandState.DONE if done else CommandState.FAILED,
                    DeviceCommand.return_code: result.return_code,
                    DeviceCommand.done_at: now,
                }
            ).where(DeviceCommand.id == result.command_id)
            closed += 1
            if done and command["kind"] == CommandKind.UPDATE_USER:
                await enrolled(device_id=device_id, pin=command["pin"], now=now, name=command["name"])
            elif done and command["kind"] == CommandKind.DELETE_USER:
                await DeviceUser.delete().where(
                    (DeviceUser.device == device_id) & (DeviceUser.pin == command["pin"])
                )
    return closed


async def enrolled(
    *,
    device_id: int,
    pin: str,
    now: dt.datetime,
    name: str | None = None,
    privilege: int | None = None,
    card: bool | None = None,
    finger: int | None = None,
) -> None:
    """Note what a terminal holds for a PIN; only the facts given change."""
    changes = {}
    if name is not None:
        changes[DeviceUser.name] = name[:64]
    if privilege is not None:
        changes[DeviceUser.privilege] = privilege
    if card is not None:
        changes[DeviceUser.card] = card
    existing = (
        await DeviceUser.select(DeviceUser.id, DeviceUser.fingerprints)
        .where((DeviceUser.device == device_id) & (DeviceUser.pin == pin))
        .first()
    )
    # Fingerprints are a bit per finger (0-9), so that a record sent twice counts once.
    fingers = (existing["fingerprints"] if existing else 0) | (1 << finger if finger is not None else 0)
    changes[DeviceUser.fingerprints] = fingers
    changes[DeviceUser.updated_at] = now
    if existing is None:
        await db.insert_new(
            DeviceUser,
            ("device", "pin", "name", "privilege", "card", "fingerprints", "updated_at"),
            [(device_id, pin, (name or "")[:64], privilege or 0, bool(card), fingers, now)],
        )
    else:
        await DeviceUser.update(changes).where(DeviceUser.id == existing["id"])


async def sync_users(*, device_id: int, hall_id: int, today: dt.date, now: dt.datetime) -> int:
    """Queue what the terminal lacks: each person working in the hall under their PIN and
    name, and the deletion of each person who has left. Users the product does not know
    (the terminal's own administrators, PINs not yet entered) are left alone. Returns the
    commands queued."""
    people = await Staff.select(Staff.name, Staff.staff_number, Staff.status, Staff.left_on).where(
        Staff.hall == hall_id
    )
    on_device = {
        row["pin"]: row
        for row in await DeviceUser.select(DeviceUser.pin, DeviceUser.name, DeviceUser.privilege).where(
            DeviceUser.device == device_id
        )
    }
    open_commands = {
        (row["kind"], row["pin"], row["name"])
        for row in await DeviceCommand.select(
            DeviceCommand.kind, DeviceCommand.pin, DeviceCommand.name
        ).where(
            (DeviceCommand.device == device_id)
            & DeviceCommand.kind.is_in([CommandKind.UPDATE_USER, CommandKind.DELETE_USER])
            & DeviceCommand.state.is_in(list(OPEN_STATES))
        )
    }
    wanted: list[tuple[CommandKind, str, str]] = []
    for person in people:
        pin = person["staff_number"]
        if not protocol.PIN_PATTERN.match(pin):
            continue  # a 工号 the terminals cannot hold; the health page lists none of it
        gone = (
            person["status"] == StaffStatus.LEFT
            and person["left_on"] is not None
            and person["left_on"] < today
        )
        held = on_device.get(pin)
        if gone:
            if held is not None and held["privilege"] == 0:
                wanted.append((CommandKind.DELETE_USER, pin, ""))
        elif held is None or held["name"] != person["name"][:24]:
            wanted.append((CommandKind.UPDATE_USER, pin, person["name"][:24]))
    queued = 0
    async with db.transaction():
        for kind, pin, name in wanted:
            if (kind, pin, name) not in open_commands:
                await queue(device_id=device_id, kind=kind, pin=pin, name=name, now=now)
                queued += 1
    return queued


async def hall_terminals(hall_id: int | None = None) -> list[dict]:
    """The active push terminals, of one hall or all."""
    query = Device.select(Device.id, Device.hall).where(
        (Device.kind == DeviceKind.PUSH_TERMINAL) & (Device.active == True)  # noqa: E712
    )
    if hall_id is not None:
        query = query.where(Device.hall == hall_id)
    return await query
