"""Attendance tables: raw punches, the verdicts computed from them, leave and 补卡 requests
with their history, and the log of month closes."""

from enum import StrEnum

from piccolo.columns import (
    Boolean,
    Bytea,
    Date,
    DoublePrecision,
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
    OTHER = "other"  # a terminal's verification we have no name for (e.g. palm)


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


class PendingDay(Table):
    """A person's day whose verdicts wait for a recompute: written with punches that arrive
    in bulk from push terminals, in the same transaction, and deleted by the recompute that
    takes them. Append-only, not unique: a marker is never lost to a concurrent claim."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.cascade)
    staff = ForeignKey(references=Staff, null=False, on_delete=OnDelete.cascade)
    day = Date()


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


class FacePhoto(Table):
    """One enrolment photo of a person (人脸采集) and the encoding made from it. A person
    has one to five; enrolling again replaces them all. The photo is kept so that the
    encodings can be rebuilt when the library or its settings change."""

    id = Serial(primary_key=True)
    staff = ForeignKey(references=Staff, null=False, on_delete=OnDelete.restrict)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    photo = Varchar(length=200)  # relative to the media directory
    encoding = Bytea()  # 128 little-endian float32
    enrolled_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class FaceOutcome(StrEnum):
    CLOCKED = "clocked"  # recognised and punched
    REPEAT = "repeat"  # recognised, but punched moments ago: not punched again
    UNSURE = "unsure"
    UNKNOWN = "unknown"
    REFUSED = "refused"  # recognised, but the punch was refused (e.g. the person has left)
    NO_FACE = "no_face"
    MANY_FACES = "many_faces"
    TOO_SMALL = "too_small"
    PARTIAL = "partial"
    BLURRED = "blurred"
    BAD_IMAGE = "bad_image"


class FaceAttempt(Table):
    """Every face shown to a terminal, with its distance and a thumbnail, for the clerk to
    review. A terminal's idempotency key is unique per device account (partial index in the
    migration), so a re-sent punch is answered from here rather than stored again."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    device_account = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    device = Varchar(length=64, default="")
    attempted_at = Timestamp()  # hall-local, to the second
    outcome = Varchar(length=16, choices=FaceOutcome)
    staff = ForeignKey(references=Staff, null=True, on_delete=OnDelete.restrict)  # nearest person
    distance = DoublePrecision(null=True, default=None)
    runner_up_distance = DoublePrecision(null=True, default=None)
    punch = ForeignKey(references=Punch, null=True, on_delete=OnDelete.restrict)
    message = Varchar(length=200, default="")
    thumbnail = Bytea(default=b"")
    idempotency_key = Varchar(length=64, default="")
    received_at = Timestamptz()
