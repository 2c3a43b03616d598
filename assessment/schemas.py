"""Input and output schemas of the evaluators' presses and the satisfaction figures."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from assessment.evaluation_rules import Attribution, Level
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
