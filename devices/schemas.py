"""Input and output schemas of the device registry."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from devices.tables import DeviceKind
from hall.schemas import Schema

DeviceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=64)]
# What ZKTeco-style terminals report as SN: letters and digits.
SerialNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=4, max_length=32, pattern=r"^[A-Za-z0-9]+$")
]


class DeviceCreate(Schema):
    hall_id: int = Field(title="所属中心")
    name: DeviceName = Field(title="设备名称")
    kind: DeviceKind = Field(title="设备类型")
    serial_number: SerialNumber | None = Field(default=None, title="序列号（SN）")  # push terminals
    window_id: int | None = Field(default=None, title="窗口")  # evaluators


class DeviceRead(BaseModel):
    id: int
    hall_id: int
    hall_name: str
    name: str
    kind: DeviceKind
    kind_label: str
    account_id: int
    active: bool
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None  # when its secret was last seen, to the token-touch interval
    serial_number: str | None = None
    window_id: int | None = None
    window_name: str | None = None
    last_contact_at: dt.datetime | None = None  # a push terminal's last request
    clock_offset: int | None = None  # seconds its clock is ahead (+) or behind (-) ours
    info: str = ""


class DeviceSecret(BaseModel):
    """Shown once, when a device is registered or its secret replaced. A push terminal has
    none: the protocol knows it by its SN."""

    device: DeviceRead
    secret: str | None
