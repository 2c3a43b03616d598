"""How the push terminals are doing, for the admin's page: last contact, today's traffic,
the clock against ours, commands waiting, lines held back, users enrolled."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from pydantic import BaseModel

from devices.push.commands import OPEN_STATES
from devices.push.ingest import CLOCK_TOLERANCE
from devices.registry import get_device, list_devices
from devices.schemas import DeviceRead
from devices.tables import DeviceCommand, DeviceDay, DeviceKind, DeviceUser, HeldRecord
from hall.services import HallScope

# A terminal calls every few seconds; silent for longer than this, it is shown as offline.
OFFLINE_AFTER = dt.timedelta(minutes=5)


class TerminalHealth(BaseModel):
    device: DeviceRead
    online: bool
    clock_off: bool  # more than 5 minutes off ours at the last realtime push
    received_today: int
    stored_today: int
    repeated_today: int
    malformed_today: int
    held_today: int
    pending_commands: int
    held: int
    users: int


def _count_by_device(rows: list[dict]) -> Counter[int]:
    return Counter(row["device"] for row in rows)


async def terminals_health(*, scope: HallScope, today: dt.date, now: dt.datetime) -> list[TerminalHealth]:
    terminals = [
        device for device in await list_devices(scope=scope) if device.kind == DeviceKind.PUSH_TERMINAL
    ]
    return await _health(terminals, today=today, now=now)


async def terminal_health(
    *, device_id: int, scope: HallScope, today: dt.date, now: dt.datetime
) -> TerminalHealth:
    return (await _health([await get_device(device_id=device_id, scope=scope)], today=today, now=now))[0]


async def _health(terminals: list[DeviceRead], *, today: dt.date, now: dt.datetime) -> list[TerminalHealth]:
    ids = [device.id for device in terminals] or [-1]
    traffic = {
        row["device"]: row
        for row in await DeviceDay.select().where(DeviceDay.device.is_in(ids) & (DeviceDay.day == today))
    }
    pending = _count_by_device(
        await DeviceCommand.select(DeviceCommand.device).where(
            DeviceCommand.device.is_in(ids) & DeviceCommand.state.is_in(list(OPEN_STATES))
        )
    )
    held = _count_by_device(await HeldRecord.select(HeldRecord.device).where(HeldRecord.device.is_in(ids)))
    users = _count_by_device(await DeviceUser.select(DeviceUser.device).where(DeviceUser.device.is_in(ids)))
    health = []
    for device in terminals:
        day = traffic.get(device.id, {})
        health.append(
            TerminalHealth(
                device=device,
                online=device.last_contact_at is not None and now - device.last_contact_at < OFFLINE_AFTER,
                clock_off=device.clock_offset is not None
                and abs(device.clock_offset) > CLOCK_TOLERANCE.total_seconds(),
                received_today=day.get("received", 0),
                stored_today=day.get("stored", 0),
                repeated_today=day.get("repeated", 0),
                malformed_today=day.get("malformed", 0),
                held_today=day.get("held", 0),
                pending_commands=pending[device.id],
                held=held[device.id],
                users=users[device.id],
            )
        )
    return health


async def recent_commands(*, device_id: int, limit: int = 50) -> list[dict]:
    return await (
        DeviceCommand.select(DeviceCommand.all_columns(), DeviceCommand.created_by.display_name)
        .where(DeviceCommand.device == device_id)
        .order_by(DeviceCommand.id, ascending=False)
        .limit(limit)
    )


async def held_records(*, device_id: int, limit: int = 200) -> list[dict]:
    return await (
        HeldRecord.select()
        .where(HeldRecord.device == device_id)
        .order_by(HeldRecord.punched_at, ascending=False)
        .limit(limit)
    )


async def enrolled_users(*, device_id: int) -> list[dict]:
    return await DeviceUser.select().where(DeviceUser.device == device_id).order_by(DeviceUser.pin)
