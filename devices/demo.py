"""The demo hall's terminals: a browser kiosk at the entrance and a fingerprint terminal
that pushes over /iclock/, registered like any device."""

from __future__ import annotations

import datetime as dt

from devices.registry import register_device
from devices.schemas import DeviceCreate
from devices.tables import Device, DeviceKind
from hall.demo import TOWN_CODE
from hall.tables import Hall

KIOSK_NAME = "大厅入口人脸考勤机"
PUSH_TERMINAL_NAME = "大厅指纹考勤机"
# Point a real terminal's ADMS setting at the demo with this SN, or play one with curl
# (devices/README.md).
PUSH_TERMINAL_SN = "DEMO0000000001"


async def load_demo_devices() -> str | None:
    """Register the demo kiosk unless present; returns its secret when it was registered
    now (to print once, as a real admin would read it off the registration page)."""
    town = await Hall.select(Hall.id).where(Hall.code == TOWN_CODE).first()
    if town is None or await Device.exists().where(Device.hall == town["id"]):
        return None
    now = dt.datetime.now(dt.UTC)
    issued = await register_device(
        data=DeviceCreate(hall_id=town["id"], name=KIOSK_NAME, kind=DeviceKind.FACE_KIOSK),
        scope=None,
        actor_id=None,
        now=now,
    )
    await register_device(
        data=DeviceCreate(
            hall_id=town["id"],
            name=PUSH_TERMINAL_NAME,
            kind=DeviceKind.PUSH_TERMINAL,
            serial_number=PUSH_TERMINAL_SN,
        ),
        scope=None,
        actor_id=None,
        now=now,
    )
    return issued.secret
