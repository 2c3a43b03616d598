"""Input and output schemas of the evaluators' presses, the satisfaction figures, and the
hundred-point assessment: rules, findings, scores, self-assessments, quarters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from assessment.catalogue import Category, Source, Target
from assessment.evaluation_rules import Attribution, Level
from assessment.scoring import Grade
from hall.errors import InvalidInput
from hall.schemas import Schema


class PressCreate(Schema):
    """What an evaluator sends: the button, and when it was pressed (hall-local, or with an
    offset) if it kept the press a while; without a time the press is now."""

    level: Level = Field(title="评价等级")
    pressed_at: dt.datetime | None = Field(default=None, title="评价时间")


class EvaluationRead(BaseModel):
    id: int
    hall_id: int
    window_id: int
    window_name: str
    staff_id: int | None  # None: counted for the window only
    staff_name: str | None
    device_id: int | None
    device_name: str | None
    pressed_at: dt.datetime  # hall-local wall-clock time
    level: Level
    level_label: str
    satisfied: bool
    attribution: Attribution
    attribution_label: str
    received_at: dt.datetime


class EvaluationRecorded(BaseModel):
    evaluation: EvaluationRead
    created: bool  # False when the same press had been stored before (an evaluator re-sending)


class CurrentPersonRead(BaseModel):
    """Who a press on the window's evaluator would evaluate now: shown on the tablet."""

    window_id: int
    window_number: str
    window_name: str
    staff_id: int | None
    staff_name: str | None
    attribution: Attribution
    attribution_label: str


class TallyRead(BaseModel):
    counts: dict[Level, int]
    presses: int
    satisfied: int
    dissatisfied: int
    rate: float | None  # satisfied / presses; None without presses


class WeekRead(BaseModel):
    """An ISO week, cut to the month's days."""

    year: int
    number: int
    first_day: dt.date
    last_day: dt.date


class WindowSatisfactionRead(BaseModel):
    window_id: int
    number: str
    name: str
    month: TallyRead
    weeks: list[TallyRead]  # in the order of the report's weeks
    window_only: int  # presses attributed to nobody (多人在岗, 无人在岗, ...)


class PersonSatisfactionRead(BaseModel):
    staff_id: int
    staff_name: str
    staff_number: str
    window_name: str | None  # the person's own window today
    month: TallyRead
    weeks: list[TallyRead]


class SatisfactionRead(BaseModel):
    hall_id: int
    hall_name: str
    month: dt.date  # its first day
    weeks: list[WeekRead]
    total: TallyRead
    windows: list[WindowSatisfactionRead]
    people: list[PersonSatisfactionRead]


# ---- the hundred-point assessment -------------------------------------------------------

Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Points = Annotated[int, Field(ge=0, le=100)]


class RuleWrite(Schema):
    """A new version of a rule (or a new rule), in force from `effective_from` on."""

    code: Annotated[str, StringConstraints(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")] = (
        Field(title="规则编码")
    )
    name: Annotated[str, StringConstraints(min_length=1, max_length=50)] = Field(title="规则名称")
    category: Category = Field(title="类别")
    points: Points = Field(title="分值")
    min_points: Points = Field(title="最低分值")
    max_points: Points = Field(title="最高分值")
    target: Target = Field(default=Target.BOTH, title="适用对象")
    bonus: bool = Field(default=False, title="加分项")
    active: bool = Field(default=True, title="启用")
    effective_from: dt.date = Field(title="生效日期")
    reason: Annotated[str, StringConstraints(max_length=500)] = Field(default="", title="变更原因")

    @model_validator(mode="after")
    def _points_in_range(self) -> RuleWrite:
        if self.min_points > self.max_points:
            raise InvalidInput.single("max_points", "最高分值", "不能小于最低分值")
        if not self.min_points <= self.points <= self.max_points:
            raise InvalidInput.single("points", "分值", "应在最低分值与最高分值之间")
        return self


class RuleRead(BaseModel):
    code: str
    name: str
    category: Category
    category_label: str
    points: int
    min_points: int
    max_points: int
    target: Target
    target_label: str
    source: Source
    source_label: str
    bonus: bool
    active: bool
    manual: bool  # an inspector or the director may enter it
    effective_from: dt.date | None  # None: the default of RULES.md


class FindingCreate(Schema):
    """A manual finding (督查): on a day, by a rule, about a window and, where the rule
    counts against a person, the person who was at it."""

    day: dt.date = Field(title="日期")
    rule: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(title="扣分项")
    window_id: int = Field(title="窗口")
    staff_id: int | None = Field(default=None, title="人员")
    points: int | None = Field(default=None, title="分值")
    evidence: Annotated[str, StringConstraints(max_length=1000)] = Field(default="", title="情况说明")


class ReversalCreate(Schema):
    reason: Reason = Field(title="撤销原因")


class FindingRead(BaseModel):
    id: int
    hall_id: int
    day: dt.date
    rule: str
    rule_name: str
    category: Category
    category_label: str
    bonus: bool
    effect: int
    window_id: int | None
    window_name: str | None
    staff_id: int | None
    staff_name: str | None
    for_person: bool
    for_window: bool
    source: Source
    source_label: str
    evaluation_id: int | None
    complaint_id: int | None
    evidence: str
    has_photo: bool
    reverses_id: int | None
    reversed_by_id: int | None
    reason: str
    entered_by: str | None  # None: made by the system
    entered_at: dt.datetime


class CategoryScoreRead(BaseModel):
    category: Category
    label: str
    cap: int
    deducted: int
    counted: int
    score: int  # cap − counted


class ScoreRead(BaseModel):
    """A window's or a person's month."""

    window_id: int | None
    staff_id: int | None
    name: str
    number: str  # the window's number, or the person's staff number
    department: str
    window_name: str
    categories: list[CategoryScoreRead]
    bonus: int
    total: int
    previous_total: int | None  # last month's, for the trend
    findings: int
    rank: int | None = None


class MonthScoresRead(BaseModel):
    hall_id: int
    hall_name: str
    month: dt.date
    signed_off: bool
    signed_by: str | None
    signed_at: dt.datetime | None
    can_sign_off: bool
    windows: list[ScoreRead]
    people: list[ScoreRead]
    stars: list[ScoreRead]  # 服务明星: several only on a full tie


class SelfAssessmentWrite(Schema):
    """自查自评: the points the window says it lost in each category, and its account."""

    attendance: Points = Field(default=0, title="考勤类自评扣分")
    discipline: Points = Field(default=0, title="纪律类自评扣分")
    hygiene: Points = Field(default=0, title="卫生类自评扣分")
    service: Points = Field(default=0, title="服务业务类自评扣分")
    text: Annotated[str, StringConstraints(min_length=1, max_length=4000)] = Field(title="自查情况")


class SelfAssessmentRead(BaseModel):
    window_id: int
    window_name: str
    month: dt.date
    due_on: dt.date
    filed: bool
    late: bool  # filed after the due day, or not filed and the due day is past
    categories: dict[Category, int]
    total: int | None
    text: str
    filed_by: str | None
    filed_at: dt.datetime | None


class SubjectMonthRead(BaseModel):
    """A window's or a person's month opened down to its findings."""

    hall_id: int
    month: dt.date
    signed_off: bool
    score: ScoreRead
    findings: list[FindingRead]
    self_assessment: SelfAssessmentRead | None  # windows only


class QuarterLineRead(BaseModel):
    rank: int
    window_id: int
    window_number: str
    window_name: str
    department: str
    monthly: list[int]
    score: Decimal
    upheld_complaints: int
    evaluations: int
    satisfied: int
    satisfaction: float | None
    grade: Grade
    grade_label: str


class StarRead(BaseModel):
    month: dt.date | None  # None: the quarter's
    staff_id: int
    staff_name: str
    window_name: str
    score: Decimal
    satisfaction: float | None
    evaluations: int


class QuarterRead(BaseModel):
    hall_id: int
    hall_name: str
    quarter: dt.date
    label: str  # 2026-Q3
    months: list[dt.date]
    unsigned_months: list[dt.date]
    published: bool
    published_by: str | None
    published_at: dt.datetime | None
    lines: list[QuarterLineRead]
    monthly_stars: list[StarRead]
    proposed_star: StarRead | None
    star: StarRead | None  # the director's choice, once published


class QuarterPublish(Schema):
    star_staff_id: int | None = Field(default=None, title="季度服务明星")
