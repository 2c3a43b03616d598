"""Input and output schemas for punches, requests, months and the attendance views."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from attendance.rules import LeaveType, Mark, MonthSummary, Session, Slot, Status
from attendance.tables import FaceOutcome, PunchSource, RequestAction, RequestKind, RequestStatus
from hall.schemas import Schema

Reason = Annotated[str, StringConstraints(max_length=500)]
RequiredReason = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class PunchCreate(Schema):
    staff_id: int = Field(title="人员")
    punched_at: dt.datetime = Field(title="打卡时间")
    source: PunchSource = Field(default=PunchSource.MANUAL, title="打卡方式")
    device: Annotated[str, StringConstraints(max_length=64)] = Field(default="", title="设备")
    verify_mode: Annotated[str, StringConstraints(max_length=32)] = Field(default="", title="验证方式")
    reason: Reason = Field(default="", title="补录原因")


class PunchRead(BaseModel):
    id: int
    staff_id: int
    staff_name: str
    punched_at: dt.datetime
    source: PunchSource
    device: str
    verify_mode: str
    reason: str
    entered_by: str | None
    # The session the punch was given to; None when it falls outside every punch window.
    session: Session | None = None


class PunchRecorded(BaseModel):
    punch: PunchRead
    created: bool  # False when the same punch had been stored before (a device retrying)
    # False when the punch falls in a closed month: kept, but the verdicts stay as closed.
    counted: bool = True


class RequestCreate(Schema):
    kind: RequestKind = Field(title="申请类型")
    staff_id: int = Field(title="人员")
    leave_type: LeaveType | None = Field(default=None, title="请假类型")
    first_day: dt.date = Field(title="开始日期")
    first_session: Session = Field(default=Session.MORNING, title="开始时段")
    last_day: dt.date | None = Field(default=None, title="结束日期")
    last_session: Session = Field(default=Session.AFTERNOON, title="结束时段")
    slot: Slot | None = Field(default=None, title="补卡时点")
    reason: RequiredReason = Field(title="事由")
    substitute_id: int | None = Field(default=None, title="顶岗人员")


class RequestDecision(Schema):
    note: Reason = Field(default="", title="审批意见")
    substitute_id: int | None = Field(default=None, title="顶岗人员")


class RequestEventRead(BaseModel):
    action: RequestAction
    actor: str | None
    note: str
    at: dt.datetime


class RequestRead(BaseModel):
    id: int
    kind: RequestKind
    staff_id: int
    staff_name: str
    hall_id: int
    leave_type: LeaveType | None
    first_day: dt.date
    first_session: Session
    last_day: dt.date
    last_session: Session
    slot: Slot | None
    reason: str
    substitute_id: int | None
    substitute_name: str | None
    status: RequestStatus
    decision_note: str
    created_at: dt.datetime
    history: list[RequestEventRead] = []


Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")]


class MonthClose(Schema):
    month: Month = Field(title="月份")


class MonthReopen(Schema):
    month: Month = Field(title="月份")
    reason: RequiredReason = Field(title="重新开账原因")


class MonthEventRead(BaseModel):
    action: str
    reason: str
    actor: str | None
    at: dt.datetime


class MonthStateRead(BaseModel):
    hall_id: int
    month: dt.date
    closed: bool
    history: list[MonthEventRead]


class SessionRead(BaseModel):
    session: Session
    status: Status
    start: Mark
    end: Mark
    start_at: str | None
    end_at: str | None
    leave_type: LeaveType | None


class DayRead(BaseModel):
    day: dt.date
    working: bool
    note: str | None  # the holiday, make-up day or closure
    sessions: list[SessionRead]
    punches: list[PunchRead]
    final: bool


class SummaryRead(BaseModel):
    days_due: int
    days_present: int
    late: int
    early_leave: int
    off_post: int
    missing: int
    cleared: int
    absent_half_days: int
    leave_days: dict[LeaveType, float]
    trips: int
    pending_sessions: int

    @classmethod
    def of(cls, summary: MonthSummary) -> SummaryRead:
        return cls(**{name: getattr(summary, name) for name in cls.model_fields})


class PersonMonthRead(BaseModel):
    staff_id: int
    staff_name: str
    staff_number: str
    window_id: int | None
    window_name: str | None
    month: dt.date
    closed: bool
    unknown_years: list[int]
    summary: SummaryRead
    days: list[DayRead] = []


class MonthReportRead(BaseModel):
    hall_id: int
    month: dt.date
    closed: bool
    unknown_years: list[int]
    people: list[PersonMonthRead]


class BoardPersonRead(BaseModel):
    staff_id: int
    staff_name: str
    morning: SessionRead | None
    afternoon: SessionRead | None
    first_punch: str | None
    last_punch: str | None
    state: str  # in / late / missing / leave / absent / out / not_due


class BoardWindowRead(BaseModel):
    window_id: int | None
    window_name: str
    people: list[BoardPersonRead]


class BoardRead(BaseModel):
    hall_id: int
    day: dt.date
    at: str
    working: bool
    note: str | None
    unknown_years: list[int]
    counts: dict[str, int]
    windows: list[BoardWindowRead]


# ---- face clock-in ---------------------------------------------------------------------


class FacePhotoRead(BaseModel):
    id: int
    created_at: dt.datetime
    enrolled_by: str | None


class EnrolmentRead(BaseModel):
    staff_id: int
    staff_name: str
    photos: list[FacePhotoRead]

    @property
    def enrolled(self) -> bool:
        return bool(self.photos)


class ClockResult(BaseModel):
    """What a clock-in terminal shows after a face: who, when, and what the punch counted as."""

    outcome: FaceOutcome
    message: str
    staff_id: int | None = None
    staff_name: str | None = None
    staff_number: str | None = None
    punched_at: dt.datetime | None = None
    meaning: str | None = None  # 上午上班签到 · 迟到 3 分钟
    session: Session | None = None
    slot: Slot | None = None
    mark: Mark | None = None
    minutes: int = 0
    distance: float | None = None
    attempt_id: int | None = None


IdempotencyKey = Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class TerminalPunch(Schema):
    """A punch a face terminal recognised itself (possibly while offline), sent with a key
    of its own so that sending it again changes nothing."""

    key: IdempotencyKey = Field(title="幂等键")
    staff_id: int = Field(title="人员")
    punched_at: dt.datetime = Field(title="打卡时间")
    distance: float | None = Field(default=None, ge=0, le=2, title="人脸距离")
    runner_up_distance: float | None = Field(default=None, ge=0, le=2, title="次相似者距离")
    # A base64 JPEG of the face, for the clerk's review.
    thumbnail: Annotated[str, StringConstraints(max_length=200_000)] = Field(default="", title="人脸缩略图")


class GalleryPerson(BaseModel):
    staff_id: int
    name: str
    staff_number: str
    encodings: list[str]  # base64 of 128 little-endian float32


class GalleryRead(BaseModel):
    """What a face terminal needs to recognise the hall's staff by itself."""

    hall_id: int
    version: str
    tolerance: float
    margin: float
    repeat_seconds: int
    people: list[GalleryPerson]


class AttemptRead(BaseModel):
    id: int
    attempted_at: dt.datetime
    device: str
    outcome: FaceOutcome
    outcome_label: str
    staff_id: int | None
    staff_name: str | None
    distance: float | None
    runner_up_distance: float | None
    punch_id: int | None
    message: str
