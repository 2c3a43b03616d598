"""The rule catalogue of the hundred-point assessment, as pure rules: its categories, the
default deduction rules of RULES.md, and which version of a rule is in force on a day.

RULES.md, Scores: "Default categories and caps: attendance 30, discipline 30, hygiene 10,
service/business 30. Default deductions: late or early leave −1 each; off post −2; absent −3
a half-day; missing punch not cleared −1; no badge (未佩证) −1; untidy desk −5, not cleaning
−10; a case not registered −2; a case past its promised time −5; each 不满意 press −2; an
upheld complaint −5." The caps are hall settings (`cap_<category>`); a hall changes a rule,
or adds one, by a dated row (`ScoreRule`) that applies from its date on, as settings do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum


class Category(StrEnum):
    ATTENDANCE = "attendance"
    DISCIPLINE = "discipline"
    HYGIENE = "hygiene"
    SERVICE = "service"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]

    @property
    def cap_setting(self) -> str:
        return f"cap_{self.value}"


CATEGORY_LABELS = {
    Category.ATTENDANCE: "考勤",
    Category.DISCIPLINE: "纪律",
    Category.HYGIENE: "卫生",
    Category.SERVICE: "服务业务",
}


class Target(StrEnum):
    """Whom a rule's finding counts against. A person's finding also counts against the
    window they were at (RULES.md); a cover worker's counts against the window only."""

    BOTH = "both"
    WINDOW = "window"
    PERSON = "person"

    @property
    def label(self) -> str:
        return TARGET_LABELS[self]


TARGET_LABELS = {Target.BOTH: "个人及窗口", Target.WINDOW: "仅窗口", Target.PERSON: "仅个人"}


class Source(StrEnum):
    """Where a rule's findings come from: the automatic ones are made by the system, the
    manual ones entered by an inspector or the director."""

    MANUAL = "manual"
    ATTENDANCE = "attendance"
    EVALUATOR = "evaluator"
    COMPLAINT = "complaint"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {
    Source.MANUAL: "督查录入",
    Source.ATTENDANCE: "考勤自动",
    Source.EVALUATOR: "评价器自动",
    Source.COMPLAINT: "投诉自动",
}


@dataclass(frozen=True)
class Rule:
    """One rule as in force on a day. `points` is what an automatic finding deducts (or, for a
    bonus rule, adds) and the default of a manual one; a manual finding may give any whole
    number from `min_points` to `max_points` (e.g. 1 to 10 for hygiene by severity)."""

    code: str
    name: str
    category: Category
    points: int
    min_points: int
    max_points: int
    target: Target
    source: Source = Source.MANUAL
    bonus: bool = False
    active: bool = True

    def allows(self, points: int) -> bool:
        return self.min_points <= points <= self.max_points


def _fixed(code: str, name: str, category: Category, points: int, source: Source = Source.MANUAL) -> Rule:
    return Rule(code, name, category, points, points, points, Target.BOTH, source)


LATE = "late"
EARLY_LEAVE = "early_leave"
OFF_POST = "off_post"
ABSENT = "absent"
MISSING_PUNCH = "missing_punch"
DISSATISFIED = "dissatisfied"
COMPLAINT_UPHELD = "complaint_upheld"

DEFAULT_RULES: tuple[Rule, ...] = (
    _fixed(LATE, "迟到", Category.ATTENDANCE, 1, Source.ATTENDANCE),
    _fixed(EARLY_LEAVE, "早退", Category.ATTENDANCE, 1, Source.ATTENDANCE),
    # Also what an inspector records on finding someone away from the window.
    Rule(OFF_POST, "脱岗", Category.ATTENDANCE, 2, 2, 2, Target.BOTH, Source.ATTENDANCE),
    _fixed(ABSENT, "旷工（半天）", Category.ATTENDANCE, 3, Source.ATTENDANCE),
    _fixed(MISSING_PUNCH, "缺卡未补", Category.ATTENDANCE, 1, Source.ATTENDANCE),
    _fixed("no_badge", "未佩戴工作证", Category.DISCIPLINE, 1),
    Rule("untidy_desk", "桌面不整洁", Category.HYGIENE, 5, 1, 5, Target.BOTH),
    Rule("not_cleaned", "未打扫卫生", Category.HYGIENE, 10, 1, 10, Target.WINDOW),
    _fixed("case_not_registered", "办件未登记", Category.SERVICE, 2),
    _fixed("case_overdue", "办件超过承诺时限", Category.SERVICE, 5),
    _fixed(DISSATISFIED, "评价器不满意", Category.SERVICE, 2, Source.EVALUATOR),
    _fixed(COMPLAINT_UPHELD, "有效投诉", Category.SERVICE, 5, Source.COMPLAINT),
)
BY_CODE = {rule.code: rule for rule in DEFAULT_RULES}
# The rules whose findings the system makes, by the verdict, press or complaint behind them.
AUTOMATIC = frozenset(rule.code for rule in DEFAULT_RULES if rule.source is not Source.MANUAL)


def enterable(rule: Rule) -> bool:
    """Whether an inspector or the director may enter a finding by this rule: the manual
    rules, and 脱岗, which an inspector records on finding someone away from the window."""
    return rule.source is Source.MANUAL or rule.code == OFF_POST


@dataclass(frozen=True)
class RuleRow:
    """A stored dated version of a rule (`ScoreRule`)."""

    hall_id: int
    rule: Rule
    effective_from: dt.date
    row_id: int


def catalogue_on(rows: Iterable[RuleRow], hall_chain: Sequence[int], on: dt.date) -> dict[str, Rule]:
    """Every rule in force on `on` for the first hall of `hall_chain` (its parent, grandparent
    and so on follow), inactive ones included, by code: the defaults, each replaced by the
    nearest hall's latest version dated on or before `on`. An automatic rule keeps its
    source whatever a version says: what feeds it is not a setting."""
    rank = {hall_id: position for position, hall_id in enumerate(hall_chain)}
    best: dict[str, RuleRow] = {}
    for row in rows:
        if row.hall_id not in rank or row.effective_from > on:
            continue
        current = best.get(row.rule.code)
        order = (-rank[row.hall_id], row.effective_from, row.row_id)
        if current is None or order > (-rank[current.hall_id], current.effective_from, current.row_id):
            best[row.rule.code] = row
    rules = dict(BY_CODE)
    for code, row in best.items():
        default = rules.get(code)
        rules[code] = replace(row.rule, source=default.source) if default else row.rule
    return rules
