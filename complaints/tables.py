"""Complaint tables: the tickets, the units they are passed to, their replies, extensions,
findings and history, the reminders sent about them, who looked at a complainant's identity,
and the public page's challenges and attempts.

Times a person reads on a page (received, due, replied) are hall-local wall-clock times
(`Timestamp`), like punches; times of the system's own doing are `Timestamptz`."""

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

from complaints.deadlines import ComplaintClass
from hall.tables import Account, Department, Hall, Staff, Window


class Channel(StrEnum):
    """How a complaint came in (RULES.md, Complaints: 当面、电话、书面、网上、意见箱)."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    WRITTEN = "written"
    ONLINE = "online"
    SUGGESTION_BOX = "suggestion_box"


class ReplyChannel(StrEnum):
    """How the complainant was answered; an oral answer counts."""

    ON_THE_SPOT = "on_the_spot"  # 当场答复, at intake
    IN_PERSON = "in_person"
    PHONE = "phone"
    WRITTEN = "written"
    ONLINE = "online"


class State(StrEnum):
    REGISTERED = "registered"  # 已登记
    ASSIGNED = "assigned"  # 已交办
    REPLIED = "replied"  # 已答复
    DECIDED = "decided"  # 已认定
    CLOSED = "closed"  # 已办结


class Sanction(StrEnum):
    """What an upheld complaint may carry (RULES.md, Complaints: Findings)."""

    NONE = "none"
    WARNING = "warning"  # 警示提醒
    NOTICE = "notice"  # 通报批评
    TRANSFER = "transfer"  # 建议调岗
    DISCIPLINE = "discipline"  # 移送纪律处分


class Satisfaction(StrEnum):
    """The complainant's view of the outcome, asked at follow-up (回访)."""

    SATISFIED = "satisfied"
    BASICALLY = "basically"
    DISSATISFIED = "dissatisfied"
    UNREACHABLE = "unreachable"


class Action(StrEnum):
    """The steps of a complaint's history."""

    REGISTERED = "registered"
    FILED_ONLINE = "filed_online"
    EDITED = "edited"
    ASSIGNED = "assigned"
    REPORTED = "reported"
    REPLIED = "replied"
    EXTENDED = "extended"
    DECIDED = "decided"
    CLOSED = "closed"
    REOPENED = "reopened"
    FOLLOWED_UP = "followed_up"
    ATTACHED = "attached"
    OVERDUE = "overdue"


class ReminderKind(StrEnum):
    HALFWAY = "halfway"  # half the working time gone
    BEFORE_DUE = "before_due"  # two working hours left
    OVERDUE = "overdue"  # the deadline passed unanswered
    ESCALATED = "escalated"  # the director told of an overdue complaint


class Audience(StrEnum):
    OFFICER = "officer"  # the complaint desk
    UNIT = "unit"  # the window a part was passed to
    DIRECTOR = "director"


class Complaint(Table):
    """One ticket. `number` (unique by an index) and the code whose hash is kept let the
    complainant follow it. `due_at` is the deadline in force (moved by extensions);
    `original_due_at` the one the rules gave, always shown. The complainant's name and
    contact are confidential (RULES.md, Complaints): read them through the services only."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    number = Varchar(length=20)
    code_hash = Varchar(length=200)
    channel = Varchar(length=16, choices=Channel)
    complaint_class = Varchar(length=16, choices=ComplaintClass)
    marked_complex = Boolean(default=False)
    serious = Boolean(default=False)
    window = ForeignKey(references=Window, null=True, on_delete=OnDelete.restrict)
    staff = ForeignKey(references=Staff, null=True, on_delete=OnDelete.restrict)
    person_description = Varchar(length=200, default="")
    content = Text()
    occurred_at = Timestamp(null=True, default=None)
    received_at = Timestamp()
    complainant_name = Varchar(length=50, default="")
    complainant_contact = Varchar(length=100, default="")
    state = Varchar(length=16, choices=State)
    target_at = Timestamp(null=True, default=None)
    original_due_at = Timestamp()
    due_at = Timestamp()
    replied_at = Timestamp(null=True, default=None)
    upheld = Boolean(null=True, default=None)
    sanction = Varchar(length=16, choices=Sanction, default=Sanction.NONE)
    finding_note = Text(default="")
    closed_at = Timestamp(null=True, default=None)
    satisfaction = Varchar(length=16, choices=Satisfaction, null=True, default=None)
    # The deadline this complaint was last marked overdue for, by the reminder job; pages
    # compute overdue themselves, so that it is right with no worker running.
    overdue_marked_for = Timestamp(null=True, default=None)
    registered_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class ComplaintUnit(Table):
    """A window or a department a complaint was passed to, with its own part and due time."""

    id = Serial(primary_key=True)
    complaint = ForeignKey(references=Complaint, null=False, on_delete=OnDelete.cascade)
    window = ForeignKey(references=Window, null=True, on_delete=OnDelete.restrict)
    department = ForeignKey(references=Department, null=True, on_delete=OnDelete.restrict)
    part = Text(default="")
    due_at = Timestamp()
    assigned_at = Timestamp()
    report = Text(default="")
    reported_at = Timestamp(null=True, default=None)
    reported_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)


class ComplaintReply(Table):
    """An answer given to the complainant: how, what, when, by whom."""

    id = Serial(primary_key=True)
    complaint = ForeignKey(references=Complaint, null=False, on_delete=OnDelete.cascade)
    channel = Varchar(length=16, choices=ReplyChannel)
    content = Text()
    replied_at = Timestamp()
    replied_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)


class ComplaintExtension(Table):
    """A deadline moved, with the reason and how the complainant was told."""

    id = Serial(primary_key=True)
    complaint = ForeignKey(references=Complaint, null=False, on_delete=OnDelete.cascade)
    previous_due_at = Timestamp()
    new_due_at = Timestamp()
    reason = Text()
    told_by = Varchar(length=16, choices=ReplyChannel)
    told_note = Text(default="")
    extended_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class ComplaintAttachment(Table):
    """A scan, photo or PDF kept with a complaint, under the media directory by content hash."""

    id = Serial(primary_key=True)
    complaint = ForeignKey(references=Complaint, null=False, on_delete=OnDelete.cascade)
    filename = Varchar(length=200)
    content_type = Varchar(length=50)
    size = Integer()
    path = Varchar(length=200)
    uploaded_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class ComplaintFinding(Table):
    """The deduction an upheld complaint makes against a window and, where named, a person
    (RULES.md, Scores: an upheld complaint −5), kept for the assessment to take into its
    ledger. Never edited: a finding reversed on reopening gets `withdrawn_at` and a reason."""

    id = Serial(primary_key=True)
    complaint = ForeignKey(references=Complaint, null=False, on_delete=OnDelete.cascade)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    window = ForeignKey(references=Window, null=False, on_delete=OnDelete.restrict)
    staff = ForeignKey(references=Staff, null=True, on_delete=OnDelete.restrict)
    day = Date()  # the day the finding was made: the month whose score it falls in
    points = Integer()
    sanction = Varchar(length=16, choices=Sanction)
    decided_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawn_reason = Text(default="")


class ComplaintEvent(Table):
    """One step of a complaint's history, append-only."""

    id = Serial(primary_key=True)
    complaint = ForeignKey(references=Complaint, null=False, on_delete=OnDelete.cascade)
    action = Varchar(length=16, choices=Action)
    actor = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    note = Text(default="")
    at = Timestamptz()


class ComplaintReminder(Table):
    """A reminder sent about a deadline. Unique (complaint, target, kind, deadline) by an index:
    a job run twice, or by two workers, sends it once; an extension's new deadline gets its
    own reminders. `target` is "complaint" or "unit:<id>"."""

    id = Serial(primary_key=True)
    complaint = ForeignKey(references=Complaint, null=False, on_delete=OnDelete.cascade)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.cascade)
    window = ForeignKey(references=Window, null=True, on_delete=OnDelete.cascade)
    target = Varchar(length=24)
    kind = Varchar(length=16, choices=ReminderKind)
    audience = Varchar(length=16, choices=Audience)
    deadline = Timestamp()
    message = Text()
    sent_at = Timestamptz()


class IdentityView(Table):
    """Who saw a complainant's name and contact, when and from where (RULES.md: confidential)."""

    id = Serial(primary_key=True)
    complaint = ForeignKey(references=Complaint, null=False, on_delete=OnDelete.cascade)
    account = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz()
    client = Varchar(length=64, default="")
    place = Varchar(length=200, default="")


class PublicChallenge(Table):
    """A question the public page asks before it takes a complaint; used once."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64)
    answer = Integer()
    expires_at = Timestamptz()
    used = Boolean(default=False)


class PublicAttempt(Table):
    """A filing or a failed lookup from the public page, by a hash of the client's address:
    what the rate limits count."""

    id = Serial(primary_key=True)
    kind = Varchar(length=16)
    client_hash = Varchar(length=64)
    at = Timestamptz()
