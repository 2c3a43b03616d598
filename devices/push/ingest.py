"""What push terminals upload: attendance lines (ATTLOG) become punches, user and
fingerprint records (OPERLOG) tell who is enrolled on the terminal, photos (ATTPHOTO) are
kept with the punch they were taken with.

Terminals re-send whole batches after a reset, so every write skips what is stored already
and the answer is OK all the same; a malformed line is logged and skipped, never failing
the batch. Lines that cannot become punches (an unknown PIN, a person who had left, a time
ahead of ours) are held, not dropped."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from attendance.punches import CLOCK_SKEW, TerminalPunch, store_terminal_punches
from attendance.tables import Punch
from devices.push import commands, protocol
from devices.push.protocol import AttLogLine, BadLine
from devices.push.terminals import Terminal
from devices.tables import Device, DevicePhoto, HeldReason, HeldRecord
from hall import db
from hall.photos import ImageRefused, verify
from hall.tables import Staff, StaffStatus

log = logging.getLogger(__name__)

# Beyond this the terminal's clock is flagged on the health page and sent the time.
CLOCK_TOLERANCE = dt.timedelta(minutes=5)
HELD_COLUMNS = ("device", "hall", "pin", "punched_at", "status", "verify", "reason", "received_at")


@dataclass(frozen=True)
class Received:
    accepted: int  # well-formed lines or records: what the answer's OK counts
    stored: int = 0
    repeated: int = 0
    held: int = 0
    malformed: int = 0


@dataclass(frozen=True)
class Person:
    staff_id: int
    left_on: dt.date | None


async def people_by_pin(*, hall_id: int, pins: set[str]) -> dict[str, Person]:
    """The hall's people a terminal knows by their 工号."""
    if not pins:
        return {}
    rows = await Staff.select(Staff.id, Staff.staff_number, Staff.status, Staff.left_on).where(
        (Staff.hall == hall_id) & db.any_of(Staff.staff_number, sorted(pins))
    )
    return {
        row["staff_number"]: Person(
            staff_id=row["id"], left_on=row["left_on"] if row["status"] == StaffStatus.LEFT else None
        )
        for row in rows
    }


def sort_lines(
    lines: list[AttLogLine], people: dict[str, Person], local_now: dt.datetime
) -> tuple[list[TerminalPunch], list[tuple[AttLogLine, HeldReason]]]:
    """Each line becomes a punch or is held with its reason."""
    punches, held = [], []
    for line in lines:
        person = people.get(line.pin)
        if person is None:
            held.append((line, HeldReason.UNKNOWN_PIN))
        elif person.left_on is not None and line.punched_at.date() > person.left_on:
            held.append((line, HeldReason.LEFT))
        elif line.punched_at > local_now + CLOCK_SKEW:
            held.append((line, HeldReason.FUTURE))
        else:
            punches.append(
                TerminalPunch(
                    staff_id=person.staff_id,
                    punched_at=line.punched_at,
                    source=protocol.source_of(line.verify),
                    verify_mode=line.verify,
                )
            )
    return punches, held


def _log_bad(terminal: Terminal, table: str, bad: list[BadLine]) -> None:
    for line in bad:
        log.warning(
            "%s %s line %d skipped (%s): %r",
            terminal.serial_number,
            table,
            line.number,
            line.reason,
            line.text,
        )


async def _count(device_id: int, day: dt.date, received: Received) -> None:
    """Add a batch to the terminal's traffic of the day (one row per device and day)."""
    await Device.raw(
        "INSERT INTO device_day (device, day, received, stored, repeated, malformed, held) "
        "VALUES ({}, {}, {}, {}, {}, {}, {}) "
        "ON CONFLICT (device, day) DO UPDATE SET "
        "received = device_day.received + excluded.received, "
        "stored = device_day.stored + excluded.stored, "
        "repeated = device_day.repeated + excluded.repeated, "
        "malformed = device_day.malformed + excluded.malformed, "
        "held = device_day.held + excluded.held",
        device_id,
        day,
        received.accepted + received.malformed,
        received.stored,
        received.repeated,
        received.malformed,
        received.held,
    )


async def receive_attlog(
    *, terminal: Terminal, body: bytes, stamp: str, now: dt.datetime, local_now: dt.datetime
) -> Received:
    """Store a batch of ATTLOG lines in one transaction."""
    lines, bad = protocol.parse_attlog(protocol.decode(body))
    _log_bad(terminal, "ATTLOG", bad)
    people = await people_by_pin(hall_id=terminal.hall_id, pins={line.pin for line in lines})
    punches, held = sort_lines(lines, people, local_now)
    offset = protocol.clock_offset(lines, local_now)
    async with db.transaction():
        stored = await store_terminal_punches(hall_id=terminal.hall_id, device=terminal.name, punches=punches)
        await db.insert_new(
            HeldRecord,
            HELD_COLUMNS,
            [
                (
                    terminal.id,
                    terminal.hall_id,
                    line.pin,
                    line.punched_at,
                    line.status,
                    line.verify,
                    reason,
                    now,
                )
                for line, reason in held
            ],
        )
        received = Received(
            accepted=len(lines),
            stored=stored,
            repeated=len(punches) - stored,
            held=len(held),
            malformed=len(bad),
        )
        await _count(terminal.id, local_now.date(), received)
        changes = {}
        if stamp:
            changes[Device.attlog_stamp] = stamp[:20]
        if offset is not None:
            changes[Device.clock_offset] = offset
            changes[Device.clock_checked_at] = now
            if abs(offset) > CLOCK_TOLERANCE.total_seconds():
                await commands.queue_set_time(device_id=terminal.id, now=now)
        if changes:
            await Device.update(changes).where(Device.id == terminal.id)
        if stored and punches:
            await _link_photos(terminal, punches)
    return received


async def release_held(*, hall_id: int, local_now: dt.datetime) -> int:
    """Held lines whose PIN now belongs to a person of the hall (entered after the terminal
    enrolled them) become punches, or stay held for the reason that now applies. Returns
    how many became punches."""
    held = await HeldRecord.select(
        HeldRecord.id, HeldRecord.device.name, HeldRecord.pin, HeldRecord.punched_at, HeldRecord.verify
    ).where((HeldRecord.hall == hall_id) & (HeldRecord.reason == HeldReason.UNKNOWN_PIN))
    people = await people_by_pin(hall_id=hall_id, pins={row["pin"] for row in held})
    released = 0
    for device_name in sorted({row["device.name"] for row in held}):
        rows = {
            (row["pin"], row["punched_at"]): row
            for row in held
            if row["device.name"] == device_name and row["pin"] in people
        }
        lines = [AttLogLine(pin, at, "", row["verify"], "") for (pin, at), row in rows.items()]
        punches, still_held = sort_lines(lines, people, local_now)
        async with db.transaction():
            await store_terminal_punches(hall_id=hall_id, device=device_name, punches=punches)
            for line, reason in still_held:
                await HeldRecord.update({HeldRecord.reason: reason}).where(
                    HeldRecord.id == rows.pop((line.pin, line.punched_at))["id"]
                )
            if rows:
                await HeldRecord.delete().where(HeldRecord.id.is_in([row["id"] for row in rows.values()]))
        released += len(punches)
    return released


async def receive_operlog(*, terminal: Terminal, body: bytes, stamp: str, now: dt.datetime) -> Received:
    """Users (USER) and fingerprint enrolments (FP) as the terminal has them; operation log
    lines (OPLOG) and other records are acknowledged and not kept."""
    records, bad = protocol.parse_operlog(protocol.decode(body))
    _log_bad(terminal, "OPERLOG", bad)
    kinds = Counter(record.kind for record in records)
    async with db.transaction():
        for record in records:
            fields = record.fields
            if record.kind == "USER":
                await commands.enrolled(
                    device_id=terminal.id,
                    pin=fields["PIN"],
                    now=now,
                    name=fields.get("Name", ""),
                    privilege=int(fields["Pri"]) if fields.get("Pri", "").isdigit() else 0,
                    card=bool(fields.get("Card", "").strip("[]0")),
                )
            elif record.kind == "FP" and fields.get("FID", "").isdigit() and int(fields["FID"]) < 10:
                await commands.enrolled(
                    device_id=terminal.id, pin=fields["PIN"], now=now, finger=int(fields["FID"])
                )
        if stamp:
            await Device.update({Device.operlog_stamp: stamp[:20]}).where(Device.id == terminal.id)
    log.info("%s OPERLOG: %s", terminal.serial_number, dict(kinds))
    return Received(accepted=len(records), malformed=len(bad))


async def receive_attphoto(
    *, terminal: Terminal, body: bytes, stamp: str, now: dt.datetime, media_dir: Path, max_pixels: int
) -> Received:
    """A photo taken with a punch: checked by content, kept once, linked to its punch."""
    upload = protocol.parse_attphoto(body)
    if upload is None:
        log.warning("%s ATTPHOTO skipped: not a photo upload", terminal.serial_number)
        return Received(accepted=0, malformed=1)
    try:
        # Decoded in full, as it is kept as sent: the SN is all that vouches for the sender.
        header = verify(upload.content, max_pixels=max_pixels)
    except ImageRefused as refused:
        log.warning("%s ATTPHOTO skipped: %s", terminal.serial_number, refused.message)
        return Received(accepted=0, malformed=1)
    relative = (
        Path("attphoto")
        / str(terminal.id)
        / f"{upload.taken_at:%Y%m%d%H%M%S}-{upload.pin}-{uuid.uuid4().hex[:8]}.{header.format.lower()}"
    )
    async with db.transaction():
        if not await DevicePhoto.exists().where(
            (DevicePhoto.device == terminal.id)
            & (DevicePhoto.pin == upload.pin)
            & (DevicePhoto.taken_at == upload.taken_at)
        ):
            path = media_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(upload.content)
            await db.insert_new(
                DevicePhoto,
                ("device", "pin", "taken_at", "photo", "received_at"),
                [(terminal.id, upload.pin, upload.taken_at, str(relative), now)],
            )
            people = await people_by_pin(hall_id=terminal.hall_id, pins={upload.pin})
            if upload.pin in people:
                await _set_photo(terminal.name, people[upload.pin].staff_id, upload.taken_at, str(relative))
        if stamp:
            await Device.update({Device.attphoto_stamp: stamp[:20]}).where(Device.id == terminal.id)
    return Received(accepted=1)


async def _set_photo(device_name: str, staff_id: int, at: dt.datetime, photo: str) -> None:
    await Punch.update({Punch.photo: photo}).where(
        (Punch.staff == staff_id) & (Punch.punched_at == at) & (Punch.device == device_name)
    )


async def _link_photos(terminal: Terminal, punches: list[TerminalPunch]) -> None:
    """Photos that arrived before their punch (terminals usually send them after)."""
    photos = await DevicePhoto.select(DevicePhoto.pin, DevicePhoto.taken_at, DevicePhoto.photo).where(
        (DevicePhoto.device == terminal.id)
        & (DevicePhoto.taken_at >= min(punch.punched_at for punch in punches))
        & (DevicePhoto.taken_at <= max(punch.punched_at for punch in punches))
    )
    if not photos:
        return
    people = await people_by_pin(hall_id=terminal.hall_id, pins={photo["pin"] for photo in photos})
    for photo in photos:
        if photo["pin"] in people:
            await _set_photo(terminal.name, people[photo["pin"]].staff_id, photo["taken_at"], photo["photo"])
