"""The rule catalogue of a hall as stored: reading the rules in force on a day, and recording
a dated change of a rule or a new rule (规则设置)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache

from assessment.catalogue import (
    AUTOMATIC,
    BY_CODE,
    CATEGORY_LABELS,
    SOURCE_LABELS,
    TARGET_LABELS,
    Category,
    Rule,
    RuleRow,
    Target,
    catalogue_on,
    enterable,
)
from assessment.schemas import RuleRead, RuleWrite
from assessment.tables import ScoreRule
from hall import audit, db
from hall.errors import InvalidInput
from hall.services import HallScope, get_hall, hall_chain


async def _rows(chain: list[int]) -> list[RuleRow]:
    rows = await ScoreRule.select().where(ScoreRule.hall.is_in(chain))
    return [
        RuleRow(
            row["hall"],
            Rule(
                row["code"],
                row["name"],
                Category(row["category"]),
                row["points"],
                row["min_points"],
                row["max_points"],
                Target(row["target"]),
                bonus=row["bonus"],
                active=row["active"],
            ),
            row["effective_from"],
            row["id"],
        )
        for row in rows
    ]


async def catalogue_by_day(*, hall_id: int) -> Callable[[dt.date], dict[str, Rule]]:
    """The hall's rules as a function of the day, read from the database once."""
    chain = await hall_chain(hall_id=hall_id)
    rows = await _rows(chain)

    @cache
    def on(day: dt.date) -> dict[str, Rule]:
        return catalogue_on(rows, chain, day)

    return on


def _since(rows: list[RuleRow], code: str, on: dt.date) -> dt.date | None:
    dated = [row.effective_from for row in rows if row.rule.code == code and row.effective_from <= on]
    return max(dated) if dated else None


def rule_read(rule: Rule, effective_from: dt.date | None = None) -> RuleRead:
    return RuleRead(
        code=rule.code,
        name=rule.name,
        category=rule.category,
        category_label=CATEGORY_LABELS[rule.category],
        points=rule.points,
        min_points=rule.min_points,
        max_points=rule.max_points,
        target=rule.target,
        target_label=TARGET_LABELS[rule.target],
        source=rule.source,
        source_label=SOURCE_LABELS[rule.source],
        bonus=rule.bonus,
        active=rule.active,
        manual=enterable(rule),
        effective_from=effective_from,
    )


async def rules_in_force(*, hall_id: int, on: dt.date, scope: HallScope) -> list[RuleRead]:
    """Every rule of the hall on a day, inactive ones included, in category order."""
    await get_hall(hall_id=hall_id, scope=scope)
    chain = await hall_chain(hall_id=hall_id)
    rows = await _rows(chain)
    rules = catalogue_on(rows, chain, on)
    order = list(Category)
    return [
        rule_read(rule, _since(rows, rule.code, on))
        for rule in sorted(rules.values(), key=lambda r: (order.index(r.category), r.bonus, r.code))
    ]


async def change_rule(
    *, hall_id: int, data: RuleWrite, scope: HallScope, actor_id: int, today: dt.date
) -> RuleRead:
    """Record a dated version of a rule. It applies from `effective_from` on, never to the
    past, so that signed-off months keep the rules they were scored by."""
    if data.effective_from < today:
        raise InvalidInput.single("effective_from", "生效日期", "不能早于今天：规则只对今后生效")
    default = BY_CODE.get(data.code)
    if default is not None and data.code in AUTOMATIC and (data.bonus or data.category != default.category):
        # The scores of the verdicts, presses and complaints behind it stay deductions of their category.
        raise InvalidInput.single("category", "类别", "自动扣分项不能改变类别或改为加分项")
    async with db.transaction():
        await get_hall(hall_id=hall_id, scope=scope)
        previous = (await catalogue_by_day(hall_id=hall_id))(data.effective_from).get(data.code)
        await ScoreRule(
            hall=hall_id,
            code=data.code,
            name=data.name,
            category=data.category,
            points=data.points,
            min_points=data.min_points,
            max_points=data.max_points,
            target=data.target,
            bonus=data.bonus,
            active=data.active,
            effective_from=data.effective_from,
            reason=data.reason,
            created_by=actor_id,
            created_at=dt.datetime.now(dt.UTC),
        ).save()
        fields = data.model_dump(exclude={"code", "effective_from", "reason"})
        before, after = audit.changed(
            {key: getattr(previous, key) for key in fields} if previous else {}, fields
        )
        await audit.record(
            "assessment.rule.change",
            subject_type="score_rule",
            subject_id=data.code,
            hall_id=hall_id,
            before=before if previous else None,
            after={**after, "effective_from": data.effective_from, "reason": data.reason},
        )
    rules = await catalogue_by_day(hall_id=hall_id)
    return rule_read(rules(data.effective_from)[data.code], data.effective_from)
