"""Input and output schemas of the device registry."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from devices.tables import DeviceKind
from hall.schemas import Schema

DeviceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=64)]


class DeviceCreate(Schema):
    hall_id: int = Field(title="所属中心")
    name: DeviceName = Field(title="设备名称")
    kind: DeviceKind = Field(title="设备类型")


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


class DeviceSecret(BaseModel):
    """Shown once, when a device is registered or its secret replaced."""

    device: DeviceRead
    secret: str
