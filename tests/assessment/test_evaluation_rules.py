"""The evaluators' rules as tables: each level's meaning, the rate, weeks and months, and
whom a press is attributed to. No database."""

from __future__ import annotations

import datetime as dt

import pytest

from assessment.evaluation_rules import (
    MODELS,
    Attributed,
    Attribution,
    Level,
    Week,
    attribute,
    iso_week,
    month_bounds,
    satisfaction_rate,
    tally,
    weeks_of_month,
)

D = dt.date


@pytest.mark.parametrize(
    ("level", "label", "satisfied"),
    [
        (Level.VERY_SATISFIED, "非常满意", True),
        (Level.SATISFIED, "满意", True),
        (Level.BASICALLY_SATISFIED, "基本满意", True),
        (Level.DISSATISFIED, "不满意", False),
        (Level.VERY_DISSATISFIED, "非常不满意", False),
    ],
)
def test_each_level_and_what_it_counts_as(level: Level, label: str, satisfied: bool) -> None:
    assert (level.label, level.satisfied) == (label, satisfied)


def test_the_two_models_buttons_best_first() -> None:
    assert [level.label for level in MODELS[2]] == ["满意", "不满意"]
    assert [level.label for level in MODELS[5]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]


@pytest.mark.parametrize(
    ("satisfied", "presses", "rate"), [(0, 0, None), (0, 3, 0.0), (3, 4, 0.75), (5, 5, 1.0)]
)
def test_the_rate_is_satisfied_over_all_and_none_without_presses(
    satisfied: int, presses: int, rate: float | None
) -> None:
    assert satisfaction_rate(satisfied, presses) == rate


def test_a_tally_counts_each_level_and_the_two_sides() -> None:
    counted = tally(
        [
            Level.SATISFIED,
            Level.SATISFIED,
            Level.BASICALLY_SATISFIED,
            Level.DISSATISFIED,
            Level.VERY_DISSATISFIED,
        ]
    )
    assert counted.counts[Level.SATISFIED] == 2 and counted.counts[Level.VERY_SATISFIED] == 0
    assert (counted.presses, counted.satisfied, counted.dissatisfied, counted.rate) == (5, 3, 2, 0.6)
    assert tally([]).rate is None


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (D(2026, 11, 23), (2026, 48)),  # a Monday
        (D(2026, 11, 29), (2026, 48)),  # its Sunday
        (D(2025, 12, 29), (2026, 1)),  # the ISO year begins before the calendar year
        (D(2027, 1, 1), (2026, 53)),  # and a Friday 1 January still belongs to the last one
    ],
)
def test_iso_weeks(day: dt.date, week: tuple[int, int]) -> None:
    assert iso_week(day) == week


def test_a_months_weeks_are_cut_to_its_days() -> None:
    # November 2026 begins on a Sunday and ends on a Monday.
    assert weeks_of_month(D(2026, 11, 17)) == [
        Week(2026, 44, D(2026, 11, 1), D(2026, 11, 1)),
        Week(2026, 45, D(2026, 11, 2), D(2026, 11, 8)),
        Week(2026, 46, D(2026, 11, 9), D(2026, 11, 15)),
        Week(2026, 47, D(2026, 11, 16), D(2026, 11, 22)),
        Week(2026, 48, D(2026, 11, 23), D(2026, 11, 29)),
        Week(2026, 49, D(2026, 11, 30), D(2026, 11, 30)),
    ]
    # February 2021: Monday the 1st to Sunday the 28th, four whole weeks.
    assert [
        (week.number, week.first_day.day, week.last_day.day) for week in weeks_of_month(D(2021, 2, 1))
    ] == [
        (5, 1, 7),
        (6, 8, 14),
        (7, 15, 21),
        (8, 22, 28),
    ]
    # Across the turn of the year the ISO year is the week's.
    assert weeks_of_month(D(2027, 1, 1))[0] == Week(2026, 53, D(2027, 1, 1), D(2027, 1, 3))


@pytest.mark.parametrize(
    ("month", "bounds"),
    [
        (D(2026, 11, 17), (D(2026, 11, 1), D(2026, 11, 30))),
        (D(2028, 2, 1), (D(2028, 2, 1), D(2028, 2, 29))),
        (D(2026, 12, 31), (D(2026, 12, 1), D(2026, 12, 31))),
    ],
)
def test_month_bounds(month: dt.date, bounds: tuple[dt.date, dt.date]) -> None:
    assert month_bounds(month) == bounds


# People: 1 and 2 are the window's own, 7 and 8 cover it for the day.
@pytest.mark.parametrize(
    ("cover", "regular", "on_leave", "punched", "expected"),
    [
        # The one person who punched in.
        ((), (1,), (), (1,), Attributed(1, Attribution.PRESENT)),
        ((), (1, 2), (), (2,), Attributed(2, Attribution.PRESENT)),
        # A cover worker who punched in counts first, even with the regular person there.
        ((7,), (1,), (), (1, 7), Attributed(7, Attribution.COVER)),
        # A cover worker due but not punched in: whoever is there counts.
        ((7,), (1,), (), (1,), Attributed(1, Attribution.PRESENT)),
        # Two people in: the window only.
        ((), (1, 2), (), (1, 2), Attributed(None, Attribution.SEVERAL)),
        ((7, 8), (1,), (), (7, 8), Attributed(None, Attribution.SEVERAL)),
        # Leave for the session: not there, whatever they punched.
        ((), (1, 2), (1,), (1, 2), Attributed(2, Attribution.PRESENT)),
        ((7,), (1,), (7,), (1, 7), Attributed(1, Attribution.PRESENT)),
        # Nobody punched in: the only person due, noted 未打卡.
        ((), (1,), (), (), Attributed(1, Attribution.NOT_PUNCHED)),
        ((), (1, 2), (1,), (), Attributed(2, Attribution.NOT_PUNCHED)),
        ((7,), (1,), (1,), (), Attributed(7, Attribution.NOT_PUNCHED)),
        # Several due and nobody in, or nobody due at all: the window only.
        ((), (1, 2), (), (), Attributed(None, Attribution.NO_PUNCH)),
        ((7,), (1,), (), (), Attributed(None, Attribution.NO_PUNCH)),
        ((), (), (), (), Attributed(None, Attribution.NOBODY)),
        ((), (1,), (1,), (1,), Attributed(None, Attribution.NOBODY)),
    ],
)
def test_whom_a_press_is_attributed_to(cover, regular, on_leave, punched, expected: Attributed) -> None:
    assert attribute(cover_staff=cover, regular_staff=regular, on_leave=on_leave, punched=punched) == expected


def test_each_attribution_says_why_in_chinese() -> None:
    assert Attribution.NOBODY.label == "窗口无人在岗"
    assert Attribution.SEVERAL.label == "多人在岗，只计入窗口"
    assert Attribution.NOT_PUNCHED.label == "未打卡"
