"""Leave (请假, 因公外出, 出差) and make-up punch (补卡) requests: submitted by the person or
the clerk, approved or refused by the director, every step kept in the request's history."""

from __future__ import annotations

import datetime as dt

from attendance import months, rules
from attendance.rules import Mark, Session, Slot
from attendance.schemas import RequestCreate, RequestDecision, RequestEventRead, RequestRead
from attendance.tables import AttendanceRequest, RequestAction, RequestEvent, RequestKind, RequestStatus
from attendance.verdicts import compute, recompute
from hall import audit, db
from hall.calendar import hall_calendar
from hall.errors import Conflict, InvalidInput, NotAllowed, NotFound
from hall.services import HallScope, get_staff
from hall.settings import setting_values_by_day
from hall.tables import StaffStatus

LIVE = (RequestStatus.PENDING, RequestStatus.APPROVED)
SESSION_ORDER = {Session.MORNING: 0, Session.AFTERNOON: 1}
# A request reaching further than this is a typing mistake, not a plan.
LONGEST_LEAVE = dt.timedelta(days=366)


def _point(day: dt.date, session: Session | str) -> tuple[dt.date, int]:
    return day, SESSION_ORDER[Session(session)]


def _request_query():
    return AttendanceRequest.select(
        AttendanceRequest.all_columns(),
        AttendanceRequest.staff.name,
        AttendanceRequest.substitute.name,
    )


def _request_read(row: dict, history: list[RequestEventRead] | None = None) -> RequestRead:
    return RequestRead(
        id=row["id"],
        kind=row["kind"],
        staff_id=row["staff"],
        staff_name=row["staff.name"],
        hall_id=row["hall"],
        leave_type=row["leave_type"],
        first_day=row["first_day"],
        first_session=row["first_session"],
        last_day=row["last_day"],
        last_session=row["last_session"],
        slot=row["slot"],
        reason=row["reason"],
        substitute_id=row["substitute"],
        substitute_name=row["substitute.name"],
        status=row["status"],
        decision_note=row["decision_note"],
        created_at=row["created_at"],
        history=history or [],
    )


async def get_request(*, request_id: int, scope: HallScope, own_staff_id: int | None = None) -> RequestRead:
    """A request with its history. `own_staff_id`: the caller sees only their own."""
    row = await _request_query().where(AttendanceRequest.id == request_id).first()
    if (
        row is None
        or (scope is not None and row["hall"] not in scope)
        or (own_staff_id is not None and row["staff"] != own_staff_id)
    ):
        raise NotFound("没有找到编号为 {id} 的申请", id=request_id)
    events = (
        await RequestEvent.select(
            RequestEvent.action, RequestEvent.actor.display_name, RequestEvent.note, RequestEvent.at
        )
        .where(RequestEvent.request == request_id)
        .order_by(RequestEvent.id)
    )
    history = [
        RequestEventRead(action=e["action"], actor=e["actor.display_name"], note=e["note"], at=e["at"])
        for e in events
    ]
    return _request_read(row, history)


async def list_requests(
    *,
    scope: HallScope,
    hall_id: int | None = None,
    staff_id: int | None = None,
    status: RequestStatus | None = None,
    kind: RequestKind | None = None,
    month: dt.date | None = None,
) -> list[RequestRead]:
    query = _request_query().order_by(AttendanceRequest.id, ascending=False)
    if scope is not None:
        query = query.where(AttendanceRequest.hall.is_in(list(scope) or [-1]))
    if hall_id is not None:
        query = query.where(AttendanceRequest.hall == hall_id)
    if staff_id is not None:
        query = query.where(AttendanceRequest.staff == staff_id)
    if status is not None:
        query = query.where(AttendanceRequest.status == status)
    if kind is not None:
        query = query.where(AttendanceRequest.kind == kind)
    if month is not None:
        start = months.month_of(month)
        query = query.where(
            (AttendanceRequest.first_day <= months.month_end(start)) & (AttendanceRequest.last_day >= start)
        )
    return [_request_read(row) for row in await query]


async def _check_substitute(*, substitute_id: int, staff_id: int, hall_id: int, scope: HallScope) -> None:
    def refuse(message: str, **params: object) -> InvalidInput:
        return InvalidInput.single("substitute_id", "顶岗人员", message, **params)

    if substitute_id == staff_id:
        raise refuse("不能由本人顶岗")
    try:
        substitute = await get_staff(staff_id=substitute_id, scope=scope)
    except NotFound:
        raise refuse("没有这个人员") from None
    if substitute.hall_id != hall_id:
        raise refuse("必须是本中心的人员")
    if substitute.status != StaffStatus.ACTIVE:
        raise refuse("此人已离岗")


async def _overlapping_leave(
    *,
    staff_id: int,
    first: tuple[dt.date, int],
    last: tuple[dt.date, int],
    statuses,
    exclude: int | None = None,
) -> dict | None:
    rows = await AttendanceRequest.select().where(
        (AttendanceRequest.staff == staff_id)
        & (AttendanceRequest.kind == RequestKind.LEAVE)
        & AttendanceRequest.status.is_in(list(statuses))
        & (AttendanceRequest.first_day <= last[0])
        & (AttendanceRequest.last_day >= first[0])
    )
    for row in rows:
        if row["id"] == exclude:
            continue
        if _point(row["first_day"], row["first_session"]) <= last and first <= _point(
            row["last_day"], row["last_session"]
        ):
            return row
    return None


async def _makeups_in_month(*, staff_id: int, day: dt.date, statuses) -> int:
    start = months.month_of(day)
    return await AttendanceRequest.count().where(
        (AttendanceRequest.staff == staff_id)
        & (AttendanceRequest.kind == RequestKind.MAKEUP)
        & AttendanceRequest.status.is_in(list(statuses))
        & (AttendanceRequest.first_day >= start)
        & (AttendanceRequest.first_day <= months.month_end(start))
    )


async def _makeup_limit(*, hall_id: int, day: dt.date) -> int:
    return int((await setting_values_by_day(hall_id=hall_id))(day)["makeup_punches_per_month"])


async def _check_leave(data: RequestCreate, last_day: dt.date, hall_id: int) -> None:
    if data.leave_type is None:
        raise InvalidInput.single("leave_type", "请假类型", "必须填写")
    first, last = _point(data.first_day, data.first_session), _point(last_day, data.last_session)
    if last < first:
        raise InvalidInput.single("last_day", "结束日期", "不能早于开始时间")
    if last_day - data.first_day > LONGEST_LEAVE:
        raise InvalidInput.single("last_day", "结束日期", "请假不能超过一年")
    calendar = await hall_calendar(hall_id=hall_id, start=data.first_day, end=last_day)
    covered = rules.sessions_between(data.first_day, data.first_session, last_day, data.last_session)
    if not any(calendar.is_working_day(day) for day, _ in covered):
        raise InvalidInput.single("first_day", "开始日期", "所选时间内没有工作日，无需请假")
    clash = await _overlapping_leave(staff_id=data.staff_id, first=first, last=last, statuses=LIVE)
    if clash is not None:
        raise Conflict("与编号为 {id} 的请假申请时间重叠", id=clash["id"])


async def _check_makeup(data: RequestCreate, hall_id: int, now: dt.datetime) -> None:
    if data.slot is None:
        raise InvalidInput.single("slot", "补卡时点", "必须填写")
    day = data.first_day
    if day > now.date():
        raise InvalidInput.single("first_day", "开始日期", "不能为以后的日子补卡")
    judged = await compute(hall_id=hall_id, start=day, end=day, now=now, staff_ids=[data.staff_id])
    verdict = next((j.verdict for j in judged if j.verdict.session == data.first_session), None)
    mark = None if verdict is None else verdict.start if data.slot is Slot.START else verdict.end
    if mark is not Mark.MISSING:
        raise InvalidInput.single("slot", "补卡时点", "这个时点没有缺卡，无需补卡")
    duplicate = await AttendanceRequest.exists().where(
        (AttendanceRequest.staff == data.staff_id)
        & (AttendanceRequest.kind == RequestKind.MAKEUP)
        & AttendanceRequest.status.is_in(list(LIVE))
        & (AttendanceRequest.first_day == day)
        & (AttendanceRequest.first_session == data.first_session)
        & (AttendanceRequest.slot == data.slot)
    )
    if duplicate:
        raise Conflict("这个时点已经申请过补卡")
    limit = await _makeup_limit(hall_id=hall_id, day=day)
    if await _makeups_in_month(staff_id=data.staff_id, day=day, statuses=LIVE) >= limit:
        raise Conflict("本月补卡已达 {limit} 次上限", limit=limit)


async def _event(request_id: int, action: RequestAction, actor_id: int, note: str = "") -> None:
    await RequestEvent(
        request=request_id, action=action, actor=actor_id, note=note, at=dt.datetime.now(dt.UTC)
    ).save()


async def _audit(
    step: str, *, request_id: int, hall_id: int, before: RequestStatus | None, after: dict[str, object]
) -> None:
    await audit.record(
        f"attendance.request.{step}",
        subject_type="attendance_request",
        subject_id=request_id,
        hall_id=hall_id,
        before=None if before is None else {"status": before},
        after=after,
    )


async def submit_request(
    *, data: RequestCreate, scope: HallScope, actor_id: int, own_staff_id: int | None, now: dt.datetime
) -> RequestRead:
    """`own_staff_id`: set when the caller is window staff, who may ask only for themselves."""
    if own_staff_id is not None and data.staff_id != own_staff_id:
        raise NotAllowed("只能为自己提交申请")
    try:
        person = await get_staff(staff_id=data.staff_id, scope=scope)
    except NotFound:
        raise InvalidInput.single("staff_id", "人员", "没有这个人员") from None
    is_leave = data.kind is RequestKind.LEAVE
    last_day = (data.last_day or data.first_day) if is_leave else data.first_day
    last_session = data.last_session if is_leave else data.first_session
    async with db.transaction():
        await db.lock(months.HALL_LOCK, person.hall_id)
        await months.check_open(hall_id=person.hall_id, start=data.first_day, end=last_day)
        if is_leave:
            await _check_leave(data, last_day, person.hall_id)
        else:
            await _check_makeup(data, person.hall_id, now)
        if data.substitute_id is not None:
            await _check_substitute(
                substitute_id=data.substitute_id, staff_id=person.id, hall_id=person.hall_id, scope=scope
            )
        row = AttendanceRequest(
            kind=data.kind,
            staff=person.id,
            hall=person.hall_id,
            leave_type=data.leave_type if is_leave else None,
            first_day=data.first_day,
            first_session=data.first_session,
            last_day=last_day,
            last_session=last_session,
            slot=None if is_leave else data.slot,
            reason=data.reason,
            substitute=data.substitute_id if is_leave else None,
            submitted_by=actor_id,
            created_at=dt.datetime.now(dt.UTC),
        )
        await row.save()
        await _event(row.id, RequestAction.SUBMITTED, actor_id)
        await _audit(
            "submit",
            request_id=row.id,
            hall_id=person.hall_id,
            before=None,
            after={
                "status": RequestStatus.PENDING,
                "kind": data.kind,
                "staff_id": person.id,
                "first_day": data.first_day,
                "last_day": last_day,
                "reason": data.reason,
            },
        )
    return await get_request(request_id=row.id, scope=scope)


async def _pending(request_id: int, scope: HallScope) -> RequestRead:
    request = await get_request(request_id=request_id, scope=scope)
    if request.status is not RequestStatus.PENDING:
        raise Conflict("这个申请已经处理过了")
    return request


async def approve_request(
    *, request_id: int, data: RequestDecision, scope: HallScope, actor_id: int, now: dt.datetime
) -> RequestRead:
    """The director approves; leave needs a named substitute for the window (篇5 item 4)."""
    request = await get_request(request_id=request_id, scope=scope)
    async with db.transaction():
        await db.lock(months.HALL_LOCK, request.hall_id)
        request = await _pending(request_id, scope)
        await months.check_open(hall_id=request.hall_id, start=request.first_day, end=request.last_day)
        substitute_id = data.substitute_id or request.substitute_id
        if request.kind is RequestKind.LEAVE:
            if substitute_id is None:
                raise InvalidInput.single("substitute_id", "顶岗人员", "批准请假必须指定顶岗人员")
            await _check_substitute(
                substitute_id=substitute_id, staff_id=request.staff_id, hall_id=request.hall_id, scope=scope
            )
            first = _point(request.first_day, request.first_session)
            last = _point(request.last_day, request.last_session)
            away = await _overlapping_leave(
                staff_id=substitute_id, first=first, last=last, statuses=[RequestStatus.APPROVED]
            )
            if away is not None:
                raise Conflict("顶岗人员在这段时间也请了假")
            clash = await _overlapping_leave(
                staff_id=request.staff_id, first=first, last=last, statuses=[RequestStatus.APPROVED]
            )
            if clash is not None:
                raise Conflict("与编号为 {id} 的请假申请时间重叠", id=clash["id"])
        else:
            limit = await _makeup_limit(hall_id=request.hall_id, day=request.first_day)
            approved = await _makeups_in_month(
                staff_id=request.staff_id, day=request.first_day, statuses=[RequestStatus.APPROVED]
            )
            if approved >= limit:
                raise Conflict("本月补卡已达 {limit} 次上限", limit=limit)
        await AttendanceRequest.update(
            {
                AttendanceRequest.status: RequestStatus.APPROVED,
                AttendanceRequest.substitute: substitute_id if request.kind is RequestKind.LEAVE else None,
                AttendanceRequest.decided_by: actor_id,
                AttendanceRequest.decided_at: dt.datetime.now(dt.UTC),
                AttendanceRequest.decision_note: data.note,
            }
        ).where(AttendanceRequest.id == request_id)
        await _event(request_id, RequestAction.APPROVED, actor_id, data.note)
        await _audit(
            "approve",
            request_id=request_id,
            hall_id=request.hall_id,
            before=request.status,
            after={"status": RequestStatus.APPROVED, "substitute_id": substitute_id, "note": data.note},
        )
        await recompute(
            hall_id=request.hall_id,
            start=request.first_day,
            end=request.last_day,
            now=now,
            staff_ids=[request.staff_id],
        )
    return await get_request(request_id=request_id, scope=scope)


async def refuse_request(
    *, request_id: int, data: RequestDecision, scope: HallScope, actor_id: int
) -> RequestRead:
    if not data.note:
        raise InvalidInput.single("note", "审批意见", "不批准时必须写明理由")
    async with db.transaction():
        request = await _pending(request_id, scope)
        await AttendanceRequest.update(
            {
                AttendanceRequest.status: RequestStatus.REFUSED,
                AttendanceRequest.decided_by: actor_id,
                AttendanceRequest.decided_at: dt.datetime.now(dt.UTC),
                AttendanceRequest.decision_note: data.note,
            }
        ).where(AttendanceRequest.id == request_id)
        await _event(request_id, RequestAction.REFUSED, actor_id, data.note)
        await _audit(
            "refuse",
            request_id=request_id,
            hall_id=request.hall_id,
            before=request.status,
            after={"status": RequestStatus.REFUSED, "note": data.note},
        )
    return await get_request(request_id=request_id, scope=scope)


async def cancel_request(
    *, request_id: int, scope: HallScope, actor_id: int, own_staff_id: int | None
) -> RequestRead:
    """Withdraw a request still pending; a decided one stays as decided."""
    await get_request(request_id=request_id, scope=scope, own_staff_id=own_staff_id)
    async with db.transaction():
        request = await _pending(request_id, scope)
        await AttendanceRequest.update({AttendanceRequest.status: RequestStatus.CANCELLED}).where(
            AttendanceRequest.id == request_id
        )
        await _event(request_id, RequestAction.CANCELLED, actor_id)
        await _audit(
            "cancel",
            request_id=request_id,
            hall_id=request.hall_id,
            before=request.status,
            after={"status": RequestStatus.CANCELLED},
        )
    return await get_request(request_id=request_id, scope=scope)
