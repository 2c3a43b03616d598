"""Input and output schemas of the complaint desk, the units and the public page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from complaints.deadlines import ComplaintClass
from complaints.tables import (
    Action,
    Audience,
    Channel,
    ReminderKind,
    ReplyChannel,
    Sanction,
    Satisfaction,
    State,
)
from hall.schemas import Schema

Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Note = Annotated[str, StringConstraints(max_length=2000)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(max_length=50)]
Contact = Annotated[str, StringConstraints(max_length=100)]
Description = Annotated[str, StringConstraints(max_length=200)]
HIDDEN = "***"  # what everyone but the complaint officers and the director sees of a complainant


class ComplaintCreate(Schema):
    """A complaint taken at the desk (in person, by phone, in writing, from the box)."""

    hall_id: int = Field(title="中心")
    channel: Channel = Field(title="受理渠道")
    window_id: int | None = Field(default=None, title="被投诉窗口")
    staff_id: int | None = Field(default=None, title="被投诉人员")
    person_description: Description = Field(default="", title="人员描述")
    content: Text = Field(title="投诉内容")
    occurred_at: dt.datetime | None = Field(default=None, title="发生时间")
    received_at: dt.datetime | None = Field(default=None, title="受理时间")
    complainant_name: Name = Field(default="", title="投诉人姓名")
    complainant_contact: Contact = Field(default="", title="联系方式")
    complaint_class: ComplaintClass = Field(default=ComplaintClass.GENERAL, title="投诉类别")
    serious: bool = Field(default=False, title="严重事项")
    # Answered on the spot (当场答复): the reply is recorded with the ticket.
    on_the_spot_reply: Note = Field(default="", title="当场答复内容")


class PublicComplaintCreate(Schema):
    """A complaint filed on the public page: no login, the challenge answered."""

    hall_id: int = Field(title="中心")
    window_id: int | None = Field(default=None, title="被投诉窗口")
    person_description: Description = Field(default="", title="被投诉人员")
    content: Text = Field(title="投诉内容")
    occurred_at: dt.datetime | None = Field(default=None, title="发生时间")
    complainant_name: Name = Field(default="", title="您的姓名")
    complainant_contact: Contact = Field(default="", title="联系方式")
    challenge: str = Field(title="验证问题")
    answer: int = Field(title="验证答案")


class AssignmentCreate(Schema):
    """Pass a complaint to one unit: a window of the hall or a home department."""

    window_id: int | None = Field(default=None, title="承办窗口")
    department_id: int | None = Field(default=None, title="承办单位")
    part: Note = Field(default="", title="承办事项")
    due_at: dt.datetime | None = Field(default=None, title="办理时限")


class AssignRequest(Schema):
    units: list[AssignmentCreate] = Field(min_length=1, title="承办单位")
    marked_complex: bool = Field(default=False, title="标记为复杂投诉")


class ReportCreate(Schema):
    report: Text = Field(title="办理情况")


class ReplyCreate(Schema):
    channel: ReplyChannel = Field(title="答复方式")
    content: Text = Field(title="答复内容")
    replied_at: dt.datetime | None = Field(default=None, title="答复时间")


class ExtensionCreate(Schema):
    new_due_at: dt.datetime = Field(title="延期至")
    reason: Reason = Field(title="延期原因")
    told_by: ReplyChannel = Field(title="告知投诉人方式")
    told_note: Note = Field(default="", title="告知情况")


class DecisionCreate(Schema):
    upheld: bool = Field(title="是否属实")
    # Who the finding is against, when the desk learnt it only while handling the complaint.
    window_id: int | None = Field(default=None, title="被投诉窗口")
    staff_id: int | None = Field(default=None, title="被投诉人员")
    sanction: Sanction = Field(default=Sanction.NONE, title="处理措施")
    note: Note = Field(default="", title="认定说明")


class FollowUpCreate(Schema):
    satisfaction: Satisfaction = Field(title="投诉人满意度")
    note: Note = Field(default="", title="回访情况")


class ReasonCreate(Schema):
    reason: Reason = Field(title="原因")


class NoteCreate(Schema):
    note: Note = Field(default="", title="说明")


class TrackRequest(Schema):
    number: Annotated[str, StringConstraints(min_length=1, max_length=30)] = Field(title="投诉编号")
    code: Annotated[str, StringConstraints(min_length=1, max_length=30)] = Field(title="查询码")


class UnitRead(BaseModel):
    id: int
    window_id: int | None
    window_label: str | None
    department_id: int | None
    department_name: str | None
    part: str
    due_at: dt.datetime
    report: str
    reported_at: dt.datetime | None
    overdue: bool


class ReplyRead(BaseModel):
    channel: ReplyChannel
    content: str
    replied_at: dt.datetime
    replied_by: str | None


class ExtensionRead(BaseModel):
    previous_due_at: dt.datetime
    new_due_at: dt.datetime
    reason: str
    told_by: ReplyChannel
    told_note: str
    extended_by: str | None


class EventRead(BaseModel):
    action: Action
    actor: str | None
    note: str
    at: dt.datetime


class AttachmentRead(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


class FindingRead(BaseModel):
    id: int
    window_id: int
    staff_id: int | None
    day: dt.date
    points: int
    sanction: Sanction
    withdrawn: bool


class ExplanationLine(BaseModel):
    """One line of how a deadline was counted: a message template (a msgid) and its values,
    each of which is language-neutral or a msgid of its own."""

    message: str
    params: dict[str, str]


class ComplaintRead(BaseModel):
    """A complaint as the caller may see it: `complainant_name` and `complainant_contact`
    are "***" unless the caller is a complaint officer or the director."""

    id: int
    hall_id: int
    number: str
    channel: Channel
    complaint_class: ComplaintClass
    marked_complex: bool
    serious: bool
    window_id: int | None
    window_label: str | None
    staff_id: int | None
    staff_name: str | None
    person_description: str
    content: str
    occurred_at: dt.datetime | None
    received_at: dt.datetime
    complainant_name: str
    complainant_contact: str
    identity_visible: bool
    state: State
    target_at: dt.datetime | None
    original_due_at: dt.datetime
    due_at: dt.datetime
    extended: bool
    overdue: bool
    seconds_left: int  # negative once overdue; counted in plain time up to the deadline
    replied_at: dt.datetime | None
    on_time: bool | None  # None while unanswered and not yet due
    upheld: bool | None
    sanction: Sanction
    finding_note: str
    closed_at: dt.datetime | None
    satisfaction: Satisfaction | None
    deadline_explanation: list[str] = []  # the lines below, in Chinese
    deadline_lines: list[ExplanationLine] = []
    units: list[UnitRead] = []
    replies: list[ReplyRead] = []
    extensions: list[ExtensionRead] = []
    attachments: list[AttachmentRead] = []
    findings: list[FindingRead] = []
    history: list[EventRead] = []


class PublicStatus(BaseModel):
    """What the public page shows to whoever holds the number and its code."""

    number: str
    state: State
    received_at: dt.datetime
    due_at: dt.datetime
    original_due_at: dt.datetime
    extended: bool
    extension_reasons: list[str]
    replies: list[ReplyRead]
    upheld: bool | None
    closed_at: dt.datetime | None


class ComplaintFiled(BaseModel):
    """What the complainant takes away: the number (in `status`) and the code to follow it with."""

    status: PublicStatus
    code: str


class BoardCounts(BaseModel):
    open: int
    overdue: int
    due_today: int
    extended: int


class ReminderRead(BaseModel):
    id: int
    complaint_id: int
    number: str
    kind: ReminderKind
    audience: Audience
    deadline: dt.datetime
    message: str
    sent_at: dt.datetime


class MonthStatistics(BaseModel):
    """One window's month at the desk (window_id None: complaints about no window)."""

    window_id: int | None
    window_label: str
    received: int
    answered_on_time: int
    extended: int
    overdue: int
    upheld: int


class Challenge(BaseModel):
    token: str
    question: str
    first: int
    second: int
