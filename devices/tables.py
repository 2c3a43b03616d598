"""The registry of terminals: each belongs to one hall and signs in with a secret of its own."""

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from hall.tables import Account, Hall


class DeviceKind(StrEnum):
    FACE_KIOSK = "face_kiosk"  # a browser page on a tablet or PC with a camera
    FACE_TERMINAL = "face_terminal"  # `python -m devices.face_terminal` on a PC with a USB camera

    @property
    def label(self) -> str:
        return DEVICE_KIND_LABELS[self]


DEVICE_KIND_LABELS = {
    DeviceKind.FACE_KIOSK: "人脸考勤网页终端",
    DeviceKind.FACE_TERMINAL: "人脸考勤终端程序",
}


class Device(Table):
    """A registered terminal. It acts through an account of role `device` (one per device,
    made with it), so that its secret is an API token: revoking the device deactivates that
    account and its tokens, refused from the next request on. Unique (hall, name) by an
    index in the migration: the name is what the punch records show."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=64)
    kind = Varchar(length=16, choices=DeviceKind)
    account = ForeignKey(references=Account, null=False, unique=True, on_delete=OnDelete.restrict)
    active = Boolean(default=True)
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
