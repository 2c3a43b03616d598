"""The registry of terminals and what the push terminals tell us: each device belongs to one
hall; face terminals and evaluators sign in with a secret of their own, push terminals are
known by their serial number (SN)."""

from enum import StrEnum

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamp,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from hall.tables import Account, Hall, Window


class DeviceKind(StrEnum):
    FACE_KIOSK = "face_kiosk"  # a browser page on a tablet or PC with a camera
    FACE_TERMINAL = "face_terminal"  # `python -m devices.face_terminal` on a PC with a USB camera
    PUSH_TERMINAL = "push_terminal"  # a ZKTeco-style terminal pushing to /iclock/ (fingerprint, face, card)
    EVALUATOR = "evaluator"  # a window's 满意/不满意 evaluator: a hardware box or the tablet page

    @property
    def label(self) -> str:
        return DEVICE_KIND_LABELS[self]


DEVICE_KIND_LABELS = {
    DeviceKind.FACE_KIOSK: "人脸考勤网页终端",
    DeviceKind.FACE_TERMINAL: "人脸考勤终端程序",
    DeviceKind.PUSH_TERMINAL: "考勤机（推送协议）",
    DeviceKind.EVALUATOR: "窗口评价器",
}


class Device(Table):
    """A registered terminal. It acts through an account of role `device` (one per device,
    made with it), so that its secret is an API token: revoking the device deactivates that
    account and its tokens, refused from the next request on. A push terminal has no secret
    (the protocol knows only its SN) and an evaluator belongs to one window. Unique (hall,
    name) by an index in the migration: the name is what the punch records show."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=64)
    kind = Varchar(length=16, choices=DeviceKind)
    account = ForeignKey(references=Account, null=False, unique=True, on_delete=OnDelete.restrict)
    active = Boolean(default=True)
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    serial_number = Varchar(length=32, null=True, default=None)  # unique: index in the migration
    window = ForeignKey(references=Window, null=True, on_delete=OnDelete.restrict)
    # What a push terminal last told us: when, its clock against ours (seconds, + ahead),
    # its INFO line, and the stamps it reported so that the handshake can hand them back.
    last_contact_at = Timestamptz(null=True, default=None)
    clock_offset = Integer(null=True, default=None)
    clock_checked_at = Timestamptz(null=True, default=None)
    info = Varchar(length=300, default="")
    attlog_stamp = Varchar(length=20, default="")
    operlog_stamp = Varchar(length=20, default="")
    attphoto_stamp = Varchar(length=20, default="")


class ParkedDevice(Table):
    """A push terminal with an SN nobody registered, kept for the admin to approve when the
    server parks unknown terminals (PUSH_UNKNOWN_DEVICES=park) rather than refusing them.
    Nothing it sends is stored: it keeps its records until approved, then pushes them."""

    id = Serial(primary_key=True)
    serial_number = Varchar(length=32, unique=True)
    address = Varchar(length=64, default="")
    info = Varchar(length=300, default="")
    requests = Integer(default=0)
    first_seen_at = Timestamptz()
    last_seen_at = Timestamptz()


class DeviceDay(Table):
    """A push terminal's traffic of one day, for the health page: ATTLOG lines received,
    stored as new punches, already stored (re-sends), malformed, and held back. Unique
    (device, day) by an index in the migration."""

    id = Serial(primary_key=True)
    device = ForeignKey(references=Device, null=False, on_delete=OnDelete.cascade)
    day = Date()
    received = Integer(default=0)
    stored = Integer(default=0)
    repeated = Integer(default=0)
    malformed = Integer(default=0)
    held = Integer(default=0)


class HeldReason(StrEnum):
    UNKNOWN_PIN = "unknown_pin"  # no person of the hall has this PIN (工号)
    LEFT = "left"  # the person had left by then
    FUTURE = "future"  # later than our clock: the terminal's clock is wrong


HELD_REASON_LABELS = {
    HeldReason.UNKNOWN_PIN: "工号未录入",
    HeldReason.LEFT: "已离岗",
    HeldReason.FUTURE: "时间晚于服务器",
}


class HeldRecord(Table):
    """An ATTLOG line that could not become a punch. Kept so that nothing a terminal sends is
    lost: a PIN enrolled before the person was entered becomes a punch once they are.
    Unique (device, pin, punched_at) by an index in the migration."""

    id = Serial(primary_key=True)
    device = ForeignKey(references=Device, null=False, on_delete=OnDelete.cascade)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    pin = Varchar(length=24)
    punched_at = Timestamp()  # the terminal's wall-clock time, taken as hall-local
    status = Varchar(length=8, default="")
    verify = Varchar(length=8, default="")
    reason = Varchar(length=16, choices=HeldReason)
    received_at = Timestamptz()


class DeviceUser(Table):
    """A user as a push terminal has them enrolled (from its OPERLOG USER and FP records and
    from the user commands it acknowledged). Fingerprint templates themselves are not kept:
    they are biometric data we do not need, only the fact of enrolment. Unique (device, pin)
    by an index in the migration."""

    id = Serial(primary_key=True)
    device = ForeignKey(references=Device, null=False, on_delete=OnDelete.cascade)
    pin = Varchar(length=24)
    name = Varchar(length=64, default="")
    privilege = Integer(default=0)
    card = Boolean(default=False)
    fingerprints = Integer(default=0)
    updated_at = Timestamptz()


class CommandKind(StrEnum):
    SET_TIME = "set_time"
    UPDATE_USER = "update_user"
    DELETE_USER = "delete_user"


class CommandState(StrEnum):
    PENDING = "pending"  # waiting for the terminal's next heartbeat
    SENT = "sent"  # handed to the terminal, no result yet
    DONE = "done"
    FAILED = "failed"


COMMAND_LABELS = {
    CommandKind.SET_TIME: "校时",
    CommandKind.UPDATE_USER: "录入或更新人员",
    CommandKind.DELETE_USER: "删除人员",
}
COMMAND_STATE_LABELS = {
    CommandState.PENDING: "待下发",
    CommandState.SENT: "已下发",
    CommandState.DONE: "已完成",
    CommandState.FAILED: "执行失败",
}


class DeviceCommand(Table):
    """A command for a push terminal, sent as `C:<id>:<command>` on its heartbeat and closed
    by its result on /iclock/devicecmd."""

    id = Serial(primary_key=True)
    device = ForeignKey(references=Device, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=16, choices=CommandKind)
    pin = Varchar(length=24, default="")
    name = Varchar(length=64, default="")
    text = Text(default="")  # the command line as sent (set at sending: the time is then)
    state = Varchar(length=8, choices=CommandState, default=CommandState.PENDING)
    return_code = Integer(null=True, default=None)
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)


class DevicePhoto(Table):
    """A photo a terminal took with a punch (ATTPHOTO), kept as a file under the media
    directory and linked from the punch where one matches. Unique (device, pin, taken_at)
    by an index in the migration."""

    id = Serial(primary_key=True)
    device = ForeignKey(references=Device, null=False, on_delete=OnDelete.cascade)
    pin = Varchar(length=24)
    taken_at = Timestamp()
    photo = Varchar(length=200)  # relative to the media directory
    received_at = Timestamptz()
