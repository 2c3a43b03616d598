"""Scores, grades, rankings and service stars, as pure rules (RULES.md, Scores).

- A month's score: 100 minus the deductions of each category, each category's deductions
  capped at its cap ("a category never goes below 0"), plus the month's bonus points up to
  the bonus cap (0, the default: no bonus).
- A quarter's score: the mean of its three monthly scores, kept exact (a Fraction) so that
  grades and ties are decided on the true mean, and shown to two decimals.
- Grades: 优胜窗口 at `excellent_min_score` or more (95), 达标窗口 at `standard_min_score` or
  more (85), else 一般窗口; an upheld complaint in the quarter rules out 优胜.
- Ranking: higher quarter score first; ties go to fewer upheld complaints, then the higher
  satisfaction rate (a window nobody rated ranks below one that was); windows still equal
  share a rank (1, 2, 2, 4).
- Service star (服务明星): each month the person with the highest score, ties to the higher
  satisfaction rate, then more evaluations; people still equal share the star.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from assessment.catalogue import Category

FULL_MARKS = 100


class Entry(NamedTuple):
    """A ledger row as a score sees it: its category, its signed effect on the score (−1 for
    a late arrival, +1 for a reversed one, +2 for a bonus) and whether it is a bonus."""

    category: Category
    effect: int
    bonus: bool = False


class CategoryScore(NamedTuple):
    category: Category
    cap: int
    deducted: int  # before the cap
    counted: int  # what the score loses: min(deducted, cap)


class Score(NamedTuple):
    categories: tuple[CategoryScore, ...]
    bonus: int  # after the bonus cap
    total: int


# Looked up once: a county's quarter scores some 36,000 months of windows and people.
CATEGORIES = tuple(Category)
CAP_SETTINGS = tuple(category.cap_setting for category in CATEGORIES)


def month_score(entries: Iterable[Entry], settings: Mapping[str, Any]) -> Score:
    deducted = dict.fromkeys(CATEGORIES, 0)
    bonus = 0
    for entry in entries:
        if entry.bonus:
            bonus += entry.effect
        else:
            deducted[entry.category] -= entry.effect
    return score_of([deducted[category] for category in CATEGORIES], bonus, settings)


def score_of(deducted: Sequence[int], bonus: int, settings: Mapping[str, Any]) -> Score:
    """The score from the points deducted in each category (in `CATEGORIES` order) and the
    bonus points, before the caps."""
    categories = tuple(
        CategoryScore(category, settings[cap_setting], points, min(points, settings[cap_setting]))
        for category, cap_setting, points in zip(CATEGORIES, CAP_SETTINGS, deducted, strict=True)
    )
    bonus = min(bonus, settings["bonus_cap"])
    return Score(categories, bonus, FULL_MARKS - sum(c.counted for c in categories) + bonus)


def quarter_score(monthly: Sequence[int]) -> Fraction:
    return Fraction(sum(monthly), len(monthly))


def shown(value: Fraction) -> Decimal:
    """A quarter score to two decimals, as printed (95.665 → 95.67)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


class Grade(StrEnum):
    EXCELLENT = "excellent"  # 优胜窗口
    STANDARD = "standard"  # 达标窗口
    ORDINARY = "ordinary"  # 一般窗口

    @property
    def label(self) -> str:
        return GRADE_LABELS[self]


GRADE_LABELS = {Grade.EXCELLENT: "优胜窗口", Grade.STANDARD: "达标窗口", Grade.ORDINARY: "一般窗口"}


def grade(score: Fraction, *, upheld_complaints: int, settings: Mapping[str, Any]) -> Grade:
    if score >= settings["excellent_min_score"] and not upheld_complaints:
        return Grade.EXCELLENT
    if score >= settings["standard_min_score"]:
        return Grade.STANDARD
    return Grade.ORDINARY


NOT_RATED = Fraction(-1)


def _rate_key(rate: Fraction | None) -> Fraction:
    return NOT_RATED if rate is None else rate


T = TypeVar("T")


def _ranked(items: Iterable[T], key: Callable[[T], tuple]) -> list[tuple[int, T]]:
    """Items best first with their competition rank: equal keys share a rank."""
    ordered = sorted(((key(item), item) for item in items), key=itemgetter(0))
    ranked: list[tuple[int, T]] = []
    for position, (item_key, item) in enumerate(ordered, start=1):
        if position > 1 and ordered[position - 2][0] == item_key:
            ranked.append((ranked[-1][0], item))
        else:
            ranked.append((position, item))
    return ranked


class Standing(NamedTuple):
    """What a window's place in the quarter's ranking depends on."""

    window_id: int
    score: Fraction
    upheld_complaints: int
    satisfaction: Fraction | None


def rank_windows(standings: Iterable[Standing]) -> list[tuple[int, Standing]]:
    return _ranked(standings, lambda s: (-s.score, s.upheld_complaints, -_rate_key(s.satisfaction)))


class Candidate(NamedTuple):
    """A person in the running for a service star."""

    staff_id: int
    score: Fraction | int
    satisfaction: Fraction | None
    evaluations: int


def stars(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The month's service stars (several only on a full tie); none without candidates."""
    keyed = [((-c.score, -_rate_key(c.satisfaction), -c.evaluations), c) for c in candidates]
    best = min((key for key, _ in keyed), default=None)
    return [candidate for key, candidate in keyed if key == best]
