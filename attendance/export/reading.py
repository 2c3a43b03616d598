"""Reading what the monthly attendance export shows: each hall's month once (its summary
and its sessions' verdicts, brought up to date first), and the month's hand-entered punches
and approved requests of every hall in two queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from attendance import months, verdicts
from attendance.export.content import Correction, MonthExport, build
from attendance.punches import ENTERED_BY_HAND
from attendance.rules import LEAVE_LABELS, SESSION_LABELS, SLOT_LABELS, Session
from attendance.tables import AttendanceRequest, Punch, RequestKind, RequestStatus
from hall import db
from hall.schemas import HallRead
from hall.services import HallScope, get_hall, hall_scope, list_halls, list_windows
from hall.tables import Staff

MANUAL_PUNCH = "补录打卡"
MAKEUP = "补卡"
WHOLE_DAYS = "全天"


async def halls_shown(*, hall_id: int, scope: HallScope) -> tuple[HallRead, list[HallRead]]:
    """The hall asked for, and the halls whose people its export shows: itself and every
    hall below it (within `scope`) that has staff, itself first."""
    hall = await get_hall(hall_id=hall_id, scope=scope)
    reach = await hall_scope(hall_id=hall_id)
    if scope is not None:
        reach &= scope
    with_staff = {
        row["hall"] for row in await Staff.select(Staff.hall).where(db.any_of(Staff.hall, reach)).distinct()
    }
    halls = [shown for shown in await list_halls(scope=reach) if shown.id in with_staff]
    return hall, sorted(halls, key=lambda shown: (shown.id != hall_id, shown.id))


async def read_month(
    *,
    hall: HallRead,
    halls: list[HallRead],
    month: dt.date,
    now: dt.datetime,
    timezone: dt.tzinfo,
    advance: Callable[[int], None],
) -> MonthExport:
    """The export of `halls`' month; `advance(n)` after the n-th hall is read."""
    month = months.month_of(month)
    reports = {}
    for index, shown in enumerate(halls, start=1):
        reports[shown.id] = await verdicts.month_sessions(hall_id=shown.id, month=month, now=now)
        advance(index)
    hall_ids = [shown.id for shown in halls]
    corrections: dict[int, list[Correction]] = defaultdict(list)
    if hall_ids:
        for hall_id, correction in [
            *await _manual_punches(hall_ids=hall_ids, month=month, timezone=timezone),
            *await _approved_requests(hall_ids=hall_ids, month=month, timezone=timezone),
        ]:
            corrections[hall_id].append(correction)
    for items in corrections.values():
        items.sort(key=lambda item: (_moment(item.start), item.staff_number))
    return build(
        hall=hall,
        month=month,
        now=now,
        halls=halls,
        reports=reports,
        windows=await list_windows(scope=frozenset(hall_ids)),
        corrections=corrections,
        closed=bool(await months.closed_months(hall_id=hall.id, start=month, end=month)),
    )


def _moment(start: dt.datetime | dt.date) -> dt.datetime:
    return start if isinstance(start, dt.datetime) else dt.datetime.combine(start, dt.time())


def _local(moment: dt.datetime | None, timezone: dt.tzinfo) -> dt.datetime | None:
    return None if moment is None else moment.astimezone(timezone).replace(tzinfo=None, microsecond=0)


async def _manual_punches(
    *, hall_ids: list[int], month: dt.date, timezone: dt.tzinfo
) -> list[tuple[int, Correction]]:
    """补录: the punches a clerk typed in, with their reason and who entered them."""
    rows = await Punch.select(
        Punch.hall,
        Punch.staff.name,
        Punch.staff.staff_number,
        Punch.punched_at,
        Punch.reason,
        Punch.entered_by.display_name,
        Punch.received_at,
    ).where(
        db.any_of(Punch.hall, hall_ids)
        & Punch.source.is_in(list(ENTERED_BY_HAND))
        & (Punch.punched_at >= dt.datetime.combine(month, dt.time()))
        & (Punch.punched_at < dt.datetime.combine(months.shift_month(month, 1), dt.time()))
    )
    return [
        (
            row["hall"],
            Correction(
                kind=MANUAL_PUNCH,
                staff_number=row["staff.staff_number"],
                staff_name=row["staff.name"],
                start=row["punched_at"],
                end=None,
                sessions="",
                reason=row["reason"],
                substitute="",
                by=row["entered_by.display_name"] or "",
                at=_local(row["received_at"], timezone),
            ),
        )
        for row in rows
    ]


def _sessions(row: dict) -> str:
    """Which sessions a request covers: 上午上班 (a 补卡's slot), 全天, 上午, 下午起至上午止."""
    first, last = Session(row["first_session"]), Session(row["last_session"])
    if row["kind"] == RequestKind.MAKEUP:
        return SESSION_LABELS[first] + SLOT_LABELS[row["slot"]]
    if first is Session.MORNING and last is Session.AFTERNOON:
        return WHOLE_DAYS
    if row["first_day"] == row["last_day"] and first is last:
        return SESSION_LABELS[first]
    return f"{SESSION_LABELS[first]}起至{SESSION_LABELS[last]}止"


async def _approved_requests(
    *, hall_ids: list[int], month: dt.date, timezone: dt.tzinfo
) -> list[tuple[int, Correction]]:
    """The month's approved 补卡 and leave, with who approved them and when."""
    rows = await AttendanceRequest.select(
        AttendanceRequest.hall,
        AttendanceRequest.kind,
        AttendanceRequest.leave_type,
        AttendanceRequest.staff.name,
        AttendanceRequest.staff.staff_number,
        AttendanceRequest.first_day,
        AttendanceRequest.first_session,
        AttendanceRequest.last_day,
        AttendanceRequest.last_session,
        AttendanceRequest.slot,
        AttendanceRequest.reason,
        AttendanceRequest.substitute.name,
        AttendanceRequest.decided_by.display_name,
        AttendanceRequest.decided_at,
    ).where(
        db.any_of(AttendanceRequest.hall, hall_ids)
        & (AttendanceRequest.status == RequestStatus.APPROVED)
        & (AttendanceRequest.first_day <= months.month_end(month))
        & (AttendanceRequest.last_day >= month)
    )
    return [
        (
            row["hall"],
            Correction(
                kind=MAKEUP if row["kind"] == RequestKind.MAKEUP else LEAVE_LABELS[row["leave_type"]],
                staff_number=row["staff.staff_number"],
                staff_name=row["staff.name"],
                start=row["first_day"],
                end=row["last_day"] if row["kind"] == RequestKind.LEAVE else None,
                sessions=_sessions(row),
                reason=row["reason"],
                substitute=row["substitute.name"] or "",
                by=row["decided_by.display_name"] or "",
                at=_local(row["decided_at"], timezone),
            ),
        )
        for row in rows
    ]
