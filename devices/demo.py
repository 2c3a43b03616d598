"""The demo hall's terminals: a browser kiosk at the entrance, a fingerprint terminal that
pushes over /iclock/ and the first window's evaluator tablet, registered like any device."""

from __future__ import annotations

import datetime as dt

from devices.registry import register_device
from devices.schemas import DeviceCreate
from devices.tables import Device, DeviceKind
from hall.demo import TOWN_CODE
from hall.tables import Hall, Window

KIOSK_NAME = "大厅入口人脸考勤机"
PUSH_TERMINAL_NAME = "大厅指纹考勤机"
# Point a real terminal's ADMS setting at the demo with this SN, or play one with curl
# (devices/README.md).
PUSH_TERMINAL_SN = "DEMO0000000001"
EVALUATOR_NAME = "1号窗口评价器"


async def load_demo_devices() -> dict[str, str]:
    """Register the demo hall's terminals unless present. Returns the secrets of those
    registered now, by the page that pairs them (to print once, as a real admin would read
    them off the registration page)."""
    town = await Hall.select(Hall.id).where(Hall.code == TOWN_CODE).first()
    if town is None or await Device.exists().where(Device.hall == town["id"]):
        return {}
    window = await Window.select(Window.id).where(Window.hall == town["id"]).order_by(Window.number).first()
    now = dt.datetime.now(dt.UTC)

    async def register(name: str, kind: DeviceKind, **fields: object) -> str | None:
        data = DeviceCreate(hall_id=town["id"], name=name, kind=kind, **fields)
        return (await register_device(data=data, scope=None, actor_id=None, now=now)).secret

    secrets = {"/kiosk/pair": await register(KIOSK_NAME, DeviceKind.FACE_KIOSK)}
    await register(PUSH_TERMINAL_NAME, DeviceKind.PUSH_TERMINAL, serial_number=PUSH_TERMINAL_SN)
    if window is not None:
        secrets["/evaluate/pair"] = await register(
            EVALUATOR_NAME, DeviceKind.EVALUATOR, window_id=window["id"]
        )
    return secrets
