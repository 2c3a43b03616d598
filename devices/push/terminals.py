"""Which push terminal is calling: known by its serial number (SN), the only identity the
protocol carries. An unknown SN is refused, or parked for the admin to approve; a stopped
device is refused. Nothing an unregistered terminal sends is stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from devices.tables import Device, DeviceKind, ParkedDevice
from hall import db
from hall.errors import NotAllowed

UNKNOWN_MESSAGE = "序列号为 {sn} 的考勤机未登记"
PARKED_MESSAGE = "序列号为 {sn} 的考勤机等待管理员批准"
CONTACT_EVERY = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class Terminal:
    id: int
    hall_id: int
    name: str
    serial_number: str
    stamps: dict[str, str]


async def terminal_for(
    *, serial_number: str, address: str, info: str = "", park_unknown: bool, now: dt.datetime
) -> Terminal:
    """The registered, active push terminal with this SN, its last contact noted; else
    NotAllowed, after parking an unknown SN when the server parks them."""
    serial = serial_number.strip().upper()
    row = (
        await Device.select(
            Device.id,
            Device.hall,
            Device.name,
            Device.active,
            Device.last_contact_at,
            Device.attlog_stamp,
            Device.operlog_stamp,
            Device.attphoto_stamp,
        )
        .where((Device.serial_number == serial) & (Device.kind == DeviceKind.PUSH_TERMINAL))
        .first()
        if serial
        else None
    )
    if row is None:
        if park_unknown and serial.isalnum() and len(serial) <= 32:
            await _park(serial=serial, address=address, info=info, now=now)
            raise NotAllowed(PARKED_MESSAGE, sn=serial)
        raise NotAllowed(UNKNOWN_MESSAGE, sn=serial or "—")
    if not row["active"]:
        raise NotAllowed("考勤机 {name} 已停用", name=row["name"])
    # The contact is noted at most every CONTACT_EVERY: a busy terminal's every request
    # would otherwise be one more write.
    last = row["last_contact_at"]
    if info or last is None or now - last >= CONTACT_EVERY:
        changes = {Device.last_contact_at: now}
        if info:
            changes[Device.info] = info[:300]
        await Device.update(changes).where(Device.id == row["id"])
    return Terminal(
        id=row["id"],
        hall_id=row["hall"],
        name=row["name"],
        serial_number=serial,
        stamps={
            "ATTLOG": row["attlog_stamp"],
            "OPERLOG": row["operlog_stamp"],
            "ATTPHOTO": row["attphoto_stamp"],
        },
    )


async def _park(*, serial: str, address: str, info: str, now: dt.datetime) -> None:
    async with db.transaction():
        parked = (
            await ParkedDevice.select(ParkedDevice.id).where(ParkedDevice.serial_number == serial).first()
        )
        if parked is None:
            await db.insert_new(
                ParkedDevice,
                ("serial_number", "address", "info", "requests", "first_seen_at", "last_seen_at"),
                [(serial, address[:64], info[:300], 1, now, now)],
            )
            return
        changes = {
            ParkedDevice.address: address[:64],
            ParkedDevice.requests: ParkedDevice.requests + 1,
            ParkedDevice.last_seen_at: now,
        }
        if info:
            changes[ParkedDevice.info] = info[:300]
        await ParkedDevice.update(changes).where(ParkedDevice.id == parked["id"])


async def list_parked() -> list[dict]:
    return await ParkedDevice.select().order_by(ParkedDevice.last_seen_at, ascending=False)


async def forget_parked(*, parked_id: int) -> None:
    """The admin turns a parked terminal away: it is parked again if it calls again."""
    await ParkedDevice.delete().where(ParkedDevice.id == parked_id)
