"""A window's monthly self-assessment (自查自评): filed by the window (its staff, or the
director for it) by the `self_assessment_due_day` of the next month, shown beside the
computed score; the late and missing ones are listed for the director."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assessment.catalogue import Category
from assessment.findings import LEDGER_LOCK, check_not_signed
from assessment.schemas import SelfAssessmentRead, SelfAssessmentWrite
from assessment.scoring import FULL_MARKS
from assessment.tables import SelfAssessment
from attendance.months import month_of, shift_month
from hall import audit, db
from hall.config import get_config
from hall.errors import InvalidInput
from hall.services import HallScope, get_window, list_windows
from hall.settings import setting_values_by_day


def due_on(month: dt.date, due_day: int) -> dt.date:
    return shift_month(month, 1).replace(day=due_day)


def _read(
    window_id: int, window_name: str, month: dt.date, due: dt.date, row: dict[str, Any] | None, today: dt.date
) -> SelfAssessmentRead:
    if row is None:
        return SelfAssessmentRead(
            window_id=window_id,
            window_name=window_name,
            month=month,
            due_on=due,
            filed=False,
            late=today > due,
            categories={},
            total=None,
            text="",
            filed_by=None,
            filed_at=None,
        )
    return SelfAssessmentRead(
        window_id=window_id,
        window_name=window_name,
        month=month,
        due_on=due,
        filed=True,
        late=row["filed_at"].astimezone(get_config().timezone).date() > due,
        categories={Category(name): points for name, points in row["categories"].items()},
        total=row["total"],
        text=row["text"],
        filed_by=row["filed_by_name"],
        filed_at=row["filed_at"],
    )


def _query():
    return SelfAssessment.select(
        SelfAssessment.all_columns(), SelfAssessment.filed_by.display_name.as_alias("filed_by_name")
    ).output(load_json=True)


async def month_self_assessments(*, hall_id: int, month: dt.date, today: dt.date) -> list[SelfAssessmentRead]:
    """Every window of the hall in use: its self-assessment of the month, or its absence."""
    month = month_of(month)
    due = due_on(month, (await setting_values_by_day(hall_id=hall_id))(month)["self_assessment_due_day"])
    rows = {
        row["window"]: row
        for row in await _query().where((SelfAssessment.hall == hall_id) & (SelfAssessment.month == month))
    }
    return [
        _read(window.id, window.name, month, due, rows.get(window.id), today)
        for window in await list_windows(scope=None, hall_id=hall_id)
        if window.active or window.id in rows
    ]


async def window_self_assessment(
    *, window_id: int, month: dt.date, today: dt.date, scope: HallScope
) -> SelfAssessmentRead:
    window = await get_window(window_id=window_id, scope=scope)
    month = month_of(month)
    due = due_on(
        month, (await setting_values_by_day(hall_id=window.hall_id))(month)["self_assessment_due_day"]
    )
    row = await _query().where((SelfAssessment.window == window_id) & (SelfAssessment.month == month)).first()
    return _read(window.id, window.name, month, due, row, today)


async def file_self_assessment(
    *,
    window_id: int,
    month: dt.date,
    data: SelfAssessmentWrite,
    actor_id: int,
    now: dt.datetime,
    scope: HallScope,
) -> SelfAssessmentRead:
    """File (or file again, replacing it) a window's self-assessment of a month that has
    begun and is not signed off. A refiling after the due day is late."""
    window = await get_window(window_id=window_id, scope=scope)
    month = month_of(month)
    if month > now.date():
        raise InvalidInput.single("month", "月份", "这个月还没有开始")
    settings = (await setting_values_by_day(hall_id=window.hall_id))(month)
    categories = {category.value: getattr(data, category.value) for category in Category}
    for category in Category:
        cap = settings[category.cap_setting]
        if categories[category.value] > cap:
            raise InvalidInput.single(
                category.value, category.label, "不能超过该类扣分上限 {cap} 分", cap=cap
            )
    values = {
        SelfAssessment.categories: categories,
        SelfAssessment.total: FULL_MARKS - sum(categories.values()),
        SelfAssessment.text: data.text,
        SelfAssessment.filed_by: actor_id,
        SelfAssessment.filed_at: now.replace(tzinfo=get_config().timezone),
    }
    async with db.transaction():
        await db.lock(LEDGER_LOCK, window.hall_id)
        await check_not_signed(hall_id=window.hall_id, day=month)
        existing = (
            await SelfAssessment.select(SelfAssessment.id, SelfAssessment.categories, SelfAssessment.text)
            .where((SelfAssessment.window == window_id) & (SelfAssessment.month == month))
            .output(load_json=True)
            .first()
        )
        if existing is None:
            fields = {column._meta.name: value for column, value in values.items()}
            await SelfAssessment.insert(
                SelfAssessment(hall=window.hall_id, window=window_id, month=month, **fields)
            )
        else:
            await SelfAssessment.update(values).where(SelfAssessment.id == existing["id"])
        await audit.record(
            "assessment.self.file",
            subject_type="self_assessment",
            subject_id=f"{window_id}:{month.isoformat()[:7]}",
            hall_id=window.hall_id,
            before=None
            if existing is None
            else {"categories": existing["categories"], "text": existing["text"]},
            after={"categories": categories, "text": data.text},
        )
    return await window_self_assessment(window_id=window_id, month=month, today=now.date(), scope=scope)
