"""Attendance tables: raw punches, the verdicts computed from them, leave and 补卡 requests
with their history, and the log of month closes."""

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

from attendance.rules import LeaveType, Mark, Session, Slot, Status
from hall.tables import Account, Hall, Staff, Window


class PunchSource(StrEnum):
    FACE = "face"
    FINGERPRINT = "fingerprint"
    CARD = "card"
    PASSWORD = "password"
    WEB = "web"
    MANUAL = "manual"  # entered by the clerk, with a reason


class Punch(Table):
    """One raw clock-in record, append-only. Unique (staff, punched_at, device) by an index
    in the migration, so that a device retrying a record stores it once."""

    id = Serial(primary_key=True)
    staff = ForeignKey(references=Staff, null=False, on_delete=OnDelete.restrict)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    # Hall-local wall-clock time, to the second: what the terminal showed the person.
    punched_at = Timestamp()
    source = Varchar(length=16, choices=PunchSource)
    device = Varchar(length=64, default="")
    verify_mode = Varchar(length=32, default="")
    photo = Varchar(length=200, default="")
    reason = Text(default="")
    entered_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    received_at = Timestamptz()


class Verdict(Table):
    """The verdict on one person's session of one working day; recomputed, never edited.
    Unique (staff, day, session) by an index in the migration."""

    id = Serial(primary_key=True)
    staff = ForeignKey(references=Staff, null=False, on_delete=OnDelete.restrict)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    window = ForeignKey(references=Window, null=True, on_delete=OnDelete.set_null)
    day = Date()
    session = Varchar(length=16, choices=Session)
    status = Varchar(length=16, choices=Status)
    start_mark = Varchar(length=16, choices=Mark)
    end_mark = Varchar(length=16, choices=Mark)
    # The punches judged, in seconds since midnight: cheap to write a month of them at once.
    start_second = Integer(null=True, default=None)
    end_second = Integer(null=True, default=None)
    leave_type = Varchar(length=16, choices=LeaveType, null=True, default=None)
    # False while the day is not over; a month is closed only on final verdicts.
    final = Boolean(default=False)
    # The day's year is in no calendar the hall has: working day or not was a guess.
    provisional_calendar = Boolean(default=False)
    computed_at = Timestamptz()


class RequestKind(StrEnum):
    LEAVE = "leave"  # 请假, 因公外出, 出差
    MAKEUP = "makeup"  # 补卡


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class AttendanceRequest(Table):
    """A leave request (whole days or single sessions, from `first_day`'s `first_session` to
    `last_day`'s `last_session`) or a 补卡 request (one slot of one session)."""

    id = Serial(primary_key=True)
    kind = Varchar(length=8, choices=RequestKind)
    staff = ForeignKey(references=Staff, null=False, on_delete=OnDelete.restrict)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    leave_type = Varchar(length=16, choices=LeaveType, null=True, default=None)
    first_day = Date()
    first_session = Varchar(length=16, choices=Session)
    last_day = Date()
    last_session = Varchar(length=16, choices=Session)
    slot = Varchar(length=8, choices=Slot, null=True, default=None)
    reason = Text()
    # 顶岗人员: who keeps the window open meanwhile (篇5 item 4); required to approve leave.
    substitute = ForeignKey(references=Staff, null=True, on_delete=OnDelete.restrict)
    status = Varchar(length=12, choices=RequestStatus, default=RequestStatus.PENDING)
    submitted_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    decided_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    decided_at = Timestamptz(null=True, default=None)
    decision_note = Text(default="")
    created_at = Timestamptz()


class RequestAction(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class RequestEvent(Table):
    """The history of a request: who did what, when, and why."""

    id = Serial(primary_key=True)
    request = ForeignKey(references=AttendanceRequest, null=False, on_delete=OnDelete.cascade)
    action = Varchar(length=12, choices=RequestAction)
    actor = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    note = Text(default="")
    at = Timestamptz()


class MonthAction(StrEnum):
    CLOSE = "close"
    REOPEN = "reopen"


class MonthEvent(Table):
    """A month closed by the clerk or reopened by the director; a month is closed when its
    latest event is a close."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    month = Date()  # the month's first day
    action = Varchar(length=8, choices=MonthAction)
    reason = Text(default="")
    actor = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz()
