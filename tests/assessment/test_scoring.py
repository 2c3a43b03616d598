"""The score rules of RULES.md ("Scores") as pure functions: categories and their caps, the
bonus cap, the quarter's mean, grades at their thresholds, the ranking's tie rules, service
stars; and the rule catalogue's dated versions."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from assessment.catalogue import (
    BY_CODE,
    COMPLAINT_UPHELD,
    LATE,
    OFF_POST,
    Category,
    Rule,
    RuleRow,
    Source,
    Target,
    catalogue_on,
    enterable,
)
from assessment.scoring import (
    Candidate,
    Entry,
    Grade,
    Standing,
    grade,
    month_score,
    quarter_score,
    rank_windows,
    shown,
    stars,
)
from hall.settings import DEFINITIONS

SETTINGS = {definition.key: definition.default for definition in DEFINITIONS}


def deductions(*pairs: tuple[Category, int]) -> list[Entry]:
    return [Entry(category, -points) for category, points in pairs]


# ---- a month ---------------------------------------------------------------------------------


def test_a_month_without_findings_is_100() -> None:
    assert month_score([], SETTINGS).total == 100


def test_the_default_caps_are_30_30_10_30() -> None:
    caps = {c.category: c.cap for c in month_score([], SETTINGS).categories}
    assert caps == {
        Category.ATTENDANCE: 30,
        Category.DISCIPLINE: 30,
        Category.HYGIENE: 10,
        Category.SERVICE: 30,
    }


def test_deductions_add_up_within_a_category() -> None:
    score = month_score(
        deductions((Category.ATTENDANCE, 1), (Category.ATTENDANCE, 2), (Category.SERVICE, 5)), SETTINGS
    )
    assert score.total == 92


def test_a_category_never_goes_below_0() -> None:
    """Untidy desk −5 and not cleaning −10 lose hygiene its 10 points, not 15."""
    score = month_score(deductions((Category.HYGIENE, 5), (Category.HYGIENE, 10)), SETTINGS)
    hygiene = next(c for c in score.categories if c.category == Category.HYGIENE)
    assert (hygiene.deducted, hygiene.counted, score.total) == (15, 10, 90)


def test_every_category_at_its_cap_is_0() -> None:
    score = month_score(deductions(*((category, 100) for category in Category)), SETTINGS)
    assert score.total == 0


def test_a_reversal_gives_the_points_back() -> None:
    assert month_score([Entry(Category.ATTENDANCE, -2), Entry(Category.ATTENDANCE, 2)], SETTINGS).total == 100


def test_a_hall_with_another_cap_uses_it() -> None:
    settings = {**SETTINGS, "cap_hygiene": 20}
    assert month_score(deductions((Category.HYGIENE, 15)), settings).total == 85


def test_bonus_points_count_only_up_to_the_bonus_cap_which_is_0_by_default() -> None:
    bonus = [Entry(Category.SERVICE, 3, bonus=True), Entry(Category.SERVICE, 4, bonus=True)]
    assert month_score(bonus, SETTINGS).total == 100
    with_cap = month_score(bonus + deductions((Category.SERVICE, 2)), {**SETTINGS, "bonus_cap": 5})
    assert (with_cap.bonus, with_cap.total) == (5, 103)


# ---- the quarter -----------------------------------------------------------------------------


def test_the_quarter_score_is_the_exact_mean_shown_to_two_decimals() -> None:
    score = quarter_score([99, 95, 99])
    assert score == Fraction(293, 3)
    assert str(shown(score)) == "97.67"
    assert str(shown(quarter_score([95, 95, 96]))) == "95.33"


@pytest.mark.parametrize(
    ("monthly", "upheld", "expected"),
    [
        ([95, 95, 95], 0, Grade.EXCELLENT),
        ([95, 95, 94], 0, Grade.STANDARD),  # 94.67: below 95
        ([100, 100, 100], 1, Grade.STANDARD),  # an upheld complaint rules out 优胜
        ([85, 85, 85], 0, Grade.STANDARD),
        ([85, 85, 84], 0, Grade.ORDINARY),  # 84.67
        ([60, 70, 80], 0, Grade.ORDINARY),
    ],
)
def test_grades_at_their_thresholds(monthly: list[int], upheld: int, expected: Grade) -> None:
    assert grade(quarter_score(monthly), upheld_complaints=upheld, settings=SETTINGS) == expected


def test_grade_thresholds_are_settings() -> None:
    settings = {**SETTINGS, "excellent_min_score": 98}
    assert grade(Fraction(97), upheld_complaints=0, settings=settings) == Grade.STANDARD


def ranking(*standings: Standing) -> list[tuple[int, int]]:
    return [(rank, standing.window_id) for rank, standing in rank_windows(standings)]


def test_the_higher_quarter_score_ranks_first() -> None:
    assert ranking(Standing(1, Fraction(90), 0, None), Standing(2, Fraction(95), 0, None)) == [(1, 2), (2, 1)]


def test_a_tie_goes_to_fewer_upheld_complaints() -> None:
    assert ranking(
        Standing(1, Fraction(96), 1, Fraction(1)), Standing(2, Fraction(96), 0, Fraction(1, 2))
    ) == [
        (1, 2),
        (2, 1),
    ]


def test_then_to_the_higher_satisfaction_rate_and_a_window_nobody_rated_ranks_below() -> None:
    standings = (
        Standing(1, Fraction(96), 0, None),
        Standing(2, Fraction(96), 0, Fraction(9, 10)),
        Standing(3, Fraction(96), 0, Fraction(19, 20)),
    )
    assert ranking(*standings) == [(1, 3), (2, 2), (3, 1)]


def test_windows_still_equal_share_a_rank() -> None:
    standings = (
        Standing(1, Fraction(99), 0, None),
        Standing(2, Fraction(96), 0, Fraction(1)),
        Standing(3, Fraction(96), 0, Fraction(1)),
        Standing(4, Fraction(90), 0, None),
    )
    assert ranking(*standings) == [(1, 1), (2, 2), (2, 3), (4, 4)]


def test_the_service_star_is_the_highest_score_then_rate_then_evaluations() -> None:
    assert [
        c.staff_id for c in stars([Candidate(1, Fraction(99), None, 0), Candidate(2, Fraction(100), None, 0)])
    ] == [2]
    tied = [Candidate(1, Fraction(100), Fraction(9, 10), 10), Candidate(2, Fraction(100), Fraction(1), 1)]
    assert [c.staff_id for c in stars(tied)] == [2]
    tied = [Candidate(1, Fraction(100), Fraction(1), 10), Candidate(2, Fraction(100), Fraction(1), 3)]
    assert [c.staff_id for c in stars(tied)] == [1]


def test_people_equal_on_every_count_share_the_star_and_nobody_means_no_star() -> None:
    tied = [Candidate(1, Fraction(100), None, 0), Candidate(2, Fraction(100), None, 0)]
    assert [c.staff_id for c in stars(tied)] == [1, 2]
    assert stars([]) == []


# ---- the catalogue ------------------------------------------------------------------------------

DAY = dt.date(2026, 11, 1)


def test_the_default_deductions_of_rules_md() -> None:
    points = {code: rule.points for code, rule in catalogue_on([], [1], DAY).items()}
    assert points == {
        "late": 1,
        "early_leave": 1,
        "off_post": 2,
        "absent": 3,
        "missing_punch": 1,
        "no_badge": 1,
        "untidy_desk": 5,
        "not_cleaned": 10,
        "case_not_registered": 2,
        "case_overdue": 5,
        "dissatisfied": 2,
        "complaint_upheld": 5,
    }


def version(hall: int, points: int, since: dt.date, row: int, code: str = LATE) -> RuleRow:
    rule = Rule(code, "迟到", Category.ATTENDANCE, points, points, points, Target.BOTH)
    return RuleRow(hall, rule, since, row)


def test_a_change_applies_from_its_date_on() -> None:
    rows = [version(1, 2, dt.date(2026, 12, 1), 1)]
    assert catalogue_on(rows, [1], dt.date(2026, 11, 30))[LATE].points == 1
    assert catalogue_on(rows, [1], dt.date(2026, 12, 1))[LATE].points == 2


def test_the_latest_version_in_force_wins_and_a_hall_overrides_the_hall_above_it() -> None:
    rows = [
        version(1, 2, dt.date(2026, 1, 1), 1),  # the county
        version(1, 3, dt.date(2026, 6, 1), 2),
        version(2, 4, dt.date(2026, 3, 1), 3),  # the town, below it
    ]
    assert catalogue_on(rows, [1], DAY)[LATE].points == 3
    assert catalogue_on(rows, [2, 1], DAY)[LATE].points == 4
    assert catalogue_on(rows, [3, 1], DAY)[LATE].points == 3  # another town inherits the county's


def test_an_automatic_rule_keeps_its_source_whatever_a_version_says() -> None:
    rules = catalogue_on([version(1, 2, DAY, 1)], [1], DAY)
    assert rules[LATE].source is Source.ATTENDANCE and not enterable(rules[LATE])


def test_an_inspector_enters_manual_rules_and_off_post_but_not_the_automatic_ones() -> None:
    assert enterable(BY_CODE["untidy_desk"]) and enterable(BY_CODE[OFF_POST])
    assert not enterable(BY_CODE[COMPLAINT_UPHELD]) and not enterable(BY_CODE["dissatisfied"])
