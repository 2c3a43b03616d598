"""The windows' evaluators (电子评价器), as pure rules: the levels a press may carry, which of
them count as satisfied, the satisfaction rate by week and month, and whom a press is
attributed to. No database and no clock: the services pass everything in.

RULES.md, Scores: "each window has buttons 满意 / 不满意 (some models five levels: 非常满意,
满意, 基本满意, 不满意, 非常不满意). Each press is one evaluation of that window's current
person. Satisfaction rate = satisfied / all, counted weekly and rated monthly."
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class Level(StrEnum):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]

    @property
    def satisfied(self) -> bool:
        return self in SATISFIED_LEVELS


LEVEL_LABELS = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.BASICALLY_SATISFIED: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}
# As the national 政务服务"好差评" counts: 基本满意 and above is a good review, 不满意 and
# 非常不满意 are 差评. Each not-satisfied press is one −2 finding for the assessment (RULES.md,
# Scores: "each 不满意 (dissatisfied) press on the window's evaluator −2"); 非常不满意 counts as
# one such press, not two.
SATISFIED_LEVELS = frozenset({Level.VERY_SATISFIED, Level.SATISFIED, Level.BASICALLY_SATISFIED})
# The evaluator models, by their number of buttons, best first (the order of the buttons).
MODELS: dict[int, tuple[Level, ...]] = {
    2: (Level.SATISFIED, Level.DISSATISFIED),
    5: tuple(Level),
}


def satisfaction_rate(satisfied: int, presses: int) -> float | None:
    """satisfied / all, as a fraction; None when nobody pressed (no rate, not 0 %)."""
    return satisfied / presses if presses else None


@dataclass
class Tally:
    """The presses of a window or a person over a period."""

    counts: dict[Level, int] = field(default_factory=lambda: dict.fromkeys(Level, 0))

    def add(self, level: Level) -> None:
        self.counts[level] += 1

    @property
    def presses(self) -> int:
        return sum(self.counts.values())

    @property
    def satisfied(self) -> int:
        return sum(count for level, count in self.counts.items() if level.satisfied)

    @property
    def dissatisfied(self) -> int:
        return self.presses - self.satisfied

    @property
    def rate(self) -> float | None:
        return satisfaction_rate(self.satisfied, self.presses)


def tally(levels: Iterable[Level]) -> Tally:
    counted = Tally()
    for level in levels:
        counted.add(level)
    return counted


# ---- weeks and months ------------------------------------------------------------------


class Week(NamedTuple):
    """An ISO week (Monday to Sunday) as far as it lies within one month."""

    year: int  # the ISO year, which differs from the calendar year around 1 January
    number: int
    first_day: dt.date
    last_day: dt.date


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month `month` falls in."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def iso_week(day: dt.date) -> tuple[int, int]:
    year, number, _ = day.isocalendar()
    return year, number


def weeks_of_month(month: dt.date) -> list[Week]:
    """The ISO weeks that touch the month, each cut to the month's days: counted weekly and
    rated monthly, so that a month's weeks add up to the month (a week across the turn of
    a month counts its days in each month apart)."""
    first, last = month_bounds(month)
    weeks: list[Week] = []
    day = first
    while day <= last:
        sunday = day + dt.timedelta(days=6 - day.weekday())
        weeks.append(Week(*iso_week(day), day, min(sunday, last)))
        day = sunday + dt.timedelta(days=1)
    return weeks


# ---- attribution ---------------------------------------------------------------------------


class Attribution(StrEnum):
    COVER = "cover"  # the cover worker (顶岗人员) on duty at the window
    PRESENT = "present"  # the one regular person who had punched in
    NOT_PUNCHED = "not_punched"  # the only person due at the window, who had not punched in
    NOBODY = "nobody"  # nobody due at the window: window only
    SEVERAL = "several"  # more than one person punched in: window only
    NO_PUNCH = "no_punch"  # several people due, none punched in: window only

    @property
    def label(self) -> str:
        return ATTRIBUTION_LABELS[self]


ATTRIBUTION_LABELS = {
    Attribution.COVER: "顶岗人员",
    Attribution.PRESENT: "在岗人员",
    Attribution.NOT_PUNCHED: "未打卡",
    Attribution.NOBODY: "窗口无人在岗",
    Attribution.SEVERAL: "多人在岗，只计入窗口",
    Attribution.NO_PUNCH: "无人打卡，只计入窗口",
}


class Attributed(NamedTuple):
    staff_id: int | None  # None: the press counts for the window only
    reason: Attribution


def attribute(
    *,
    cover_staff: Collection[int],
    regular_staff: Collection[int],
    on_leave: Collection[int],
    punched: Collection[int],
) -> Attributed:
    """Whom a press on a window's evaluator evaluates.

    `cover_staff`: people assigned to the window for the day by a cover assignment;
    `regular_staff`: the window's own people, less those covering another window that day;
    `on_leave`: who of them has approved leave for the session of the press; `punched`: who
    of them punched at least once that day up to the press (the evaluator cannot tell a
    punch in from a punch out: a person who came in that day counts as there).

    1. A cover worker who is there counts first: whoever covers is the one the window was
       given to for the day. Exactly one → them (顶岗人员); several → the window only.
    2. Else the regular people who are there: exactly one → them (在岗人员); several → the
       window only (多人在岗: the evaluator cannot say which of them served).
    3. Nobody punched in: if exactly one person is due at the window (cover workers and
       regular people not on leave), the press is theirs, noted 未打卡 (a one-person window
       whose person forgot to punch is still that person's window); nobody due → the
       window only (窗口无人在岗); several due → the window only (无人打卡).
    Someone on leave is never there, whatever they punched.
    """
    due_cover = [person for person in cover_staff if person not in on_leave]
    due_regular = [person for person in regular_staff if person not in on_leave]
    for present, reason in (
        ([person for person in due_cover if person in punched], Attribution.COVER),
        ([person for person in due_regular if person in punched], Attribution.PRESENT),
    ):
        if len(present) == 1:
            return Attributed(present[0], reason)
        if present:
            return Attributed(None, Attribution.SEVERAL)
    due = due_cover + due_regular
    if len(due) == 1:
        return Attributed(due[0], Attribution.NOT_PUNCHED)
    return Attributed(None, Attribution.NO_PUNCH if due else Attribution.NOBODY)
