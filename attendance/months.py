"""Month close (关账): the clerk closes a hall's month, after which its verdicts no longer
change; the director may reopen it, an explicit act with a reason. Both are logged."""

from __future__ import annotations

import datetime as dt

from attendance.schemas import MonthEventRead, MonthStateRead
from attendance.tables import AttendanceRequest, MonthAction, MonthEvent, RequestStatus
from hall import audit, db
from hall.calendar import hall_calendar
from hall.errors import Conflict, InvalidInput
from hall.services import HallScope, get_hall

# The namespace of the advisory locks that serialise writes to one hall's attendance.
HALL_LOCK = 3_110_001


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_from_label(text: str) -> dt.date:
    """ "2026-10" -> 2026-10-01."""
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise InvalidInput.single("month", "月份", "格式不正确，应为 YYYY-MM") from None


def shift_month(month: dt.date, by: int) -> dt.date:
    """The first day of the month `by` months after (or before) `month`'s."""
    index = month.year * 12 + month.month - 1 + by
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return shift_month(month, 1) - dt.timedelta(days=1)


def closed_message(month: dt.date) -> Conflict:
    return Conflict("{year}年{month}月的考勤已关账，不能再更改", year=month.year, month=month.month)


async def closed_months(*, hall_id: int, start: dt.date, end: dt.date) -> set[dt.date]:
    """The months overlapping start..end that are closed for the hall: those whose latest
    event is a close."""
    rows = (
        await MonthEvent.select(MonthEvent.month, MonthEvent.action)
        .where(
            (MonthEvent.hall == hall_id) & (MonthEvent.month >= month_of(start)) & (MonthEvent.month <= end)
        )
        .order_by(MonthEvent.id)
    )
    latest: dict[dt.date, str] = {}
    for row in rows:
        latest[row["month"]] = row["action"]
    return {month for month, action in latest.items() if action == MonthAction.CLOSE}


async def check_open(*, hall_id: int, start: dt.date, end: dt.date) -> None:
    """Conflict naming the first closed month among start..end, if any."""
    closed = await closed_months(hall_id=hall_id, start=start, end=end)
    if closed:
        raise closed_message(min(closed))


async def month_state(*, hall_id: int, month: dt.date, scope: HallScope) -> MonthStateRead:
    return (await list_month_states(hall_id=hall_id, months=[month], scope=scope))[0]


async def list_month_states(*, hall_id: int, months: list[dt.date], scope: HallScope) -> list[MonthStateRead]:
    """Each month's state and history, read in one query."""
    await get_hall(hall_id=hall_id, scope=scope)
    firsts = [month_of(month) for month in months]
    rows = (
        await MonthEvent.select(
            MonthEvent.month,
            MonthEvent.action,
            MonthEvent.reason,
            MonthEvent.actor.display_name,
            MonthEvent.at,
        )
        .where((MonthEvent.hall == hall_id) & MonthEvent.month.is_in(firsts or [dt.date.min]))
        .order_by(MonthEvent.id)
    )
    histories: dict[dt.date, list[MonthEventRead]] = {month: [] for month in firsts}
    for row in rows:
        histories[row["month"]].append(
            MonthEventRead(
                action=row["action"], reason=row["reason"], actor=row["actor.display_name"], at=row["at"]
            )
        )
    return [
        MonthStateRead(
            hall_id=hall_id,
            month=month,
            closed=bool(histories[month]) and histories[month][-1].action == MonthAction.CLOSE,
            history=histories[month],
        )
        for month in firsts
    ]


async def _audit(step: str, *, hall_id: int, month: dt.date, closed: bool, reason: str = "") -> None:
    after: dict[str, object] = {"closed": closed, **({"reason": reason} if reason else {})}
    await audit.record(
        f"attendance.month.{step}",
        subject_type="attendance_month",
        subject_id=month.isoformat()[:7],
        hall_id=hall_id,
        before={"closed": not closed},
        after=after,
    )


async def close_month(
    *, hall_id: int, month: dt.date, scope: HallScope, actor_id: int, now: dt.datetime
) -> MonthStateRead:
    """Close a finished month: its verdicts are computed one last time, final, and frozen."""
    from attendance.verdicts import recompute

    month = month_of(month)
    if month_end(month) >= now.date():
        raise InvalidInput.single("month", "月份", "这个月还没有结束，不能关账")
    async with db.transaction():
        await get_hall(hall_id=hall_id, scope=scope)
        await db.lock(HALL_LOCK, hall_id)
        if month in await closed_months(hall_id=hall_id, start=month, end=month):
            raise Conflict("{year}年{month}月已经关账", year=month.year, month=month.month)
        calendar = await hall_calendar(hall_id=hall_id, start=month, end=month_end(month))
        if calendar.unknown_years:
            raise Conflict(
                "{year}年的法定节假日和调休安排尚未录入，不能关账", year=min(calendar.unknown_years)
            )
        pending = await AttendanceRequest.count().where(
            (AttendanceRequest.hall == hall_id)
            & (AttendanceRequest.status == RequestStatus.PENDING)
            & (AttendanceRequest.first_day <= month_end(month))
            & (AttendanceRequest.last_day >= month)
        )
        if pending:
            raise Conflict("这个月还有 {count} 个申请待审批，审批后才能关账", count=pending)
        await recompute(hall_id=hall_id, start=month, end=month_end(month), now=now)
        await MonthEvent(
            hall=hall_id, month=month, action=MonthAction.CLOSE, actor=actor_id, reason=""
        ).save()
        await _audit("close", hall_id=hall_id, month=month, closed=True)
    return await month_state(hall_id=hall_id, month=month, scope=scope)


async def reopen_month(
    *, hall_id: int, month: dt.date, reason: str, scope: HallScope, actor_id: int
) -> MonthStateRead:
    month = month_of(month)
    async with db.transaction():
        await get_hall(hall_id=hall_id, scope=scope)
        await db.lock(HALL_LOCK, hall_id)
        if month not in await closed_months(hall_id=hall_id, start=month, end=month):
            raise Conflict("{year}年{month}月没有关账，无需重新开账", year=month.year, month=month.month)
        await MonthEvent(
            hall=hall_id, month=month, action=MonthAction.REOPEN, actor=actor_id, reason=reason
        ).save()
        await _audit("reopen", hall_id=hall_id, month=month, closed=False, reason=reason)
    return await month_state(hall_id=hall_id, month=month, scope=scope)
