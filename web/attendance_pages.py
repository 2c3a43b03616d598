"""The attendance pages: the clerk's live daily board, the day's punches with corrections, leave
and 补卡 requests with their approval, month close, the monthly summary, and a person's or a
window's month. The JSON API and the helpers shared with it are in attendance.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from attendance import months, punches, requests, verdicts
from attendance.rules import (
    LEAVE_LABELS,
    MARK_LABELS,
    SESSION_LABELS,
    SLOT_LABELS,
    STATUS_LABELS,
    Mark,
    Status,
)
from attendance.schemas import (
    DayRead,
    MonthClose,
    MonthReopen,
    PunchCreate,
    RequestCreate,
    RequestDecision,
    SessionRead,
)
from attendance.tables import MonthAction, PunchSource, RequestAction, RequestKind, RequestStatus
from hall import services
from hall.errors import DomainError, InvalidInput
from hall.roles import ATTENDANCE_OFFICE, BOARD_VIEWERS, MANAGERS, REQUESTERS, Role
from web.attendance import (
    OptionalDate,
    OptionalInt,
    OptionalText,
    cancel,
    close_month,
    decide,
    list_for,
    own_staff,
    own_staff_if_staff,
    parse_month,
    record,
    submit,
)
from web.guards import allow
from web.pages import (
    WEEKDAYS,
    form_values,
    hall_choice,
    local_now,
    principal,
    render_form,
    scope_of,
    shift_month,
)

# The board fetches itself again this often (seconds) unless the page asks otherwise, within
# bounds: a browser treats a delay past 2^31 ms as none at all.
BOARD_REFRESH_SECONDS = 30
BOARD_REFRESH_BOUNDS = (1, 3600)
PUNCH_SOURCES = {
    PunchSource.FACE: "人脸",
    PunchSource.FINGERPRINT: "指纹",
    PunchSource.CARD: "刷卡",
    PunchSource.PASSWORD: "密码",
    PunchSource.WEB: "网页",
    PunchSource.MANUAL: "手工补录",
    PunchSource.OTHER: "其他方式",
}
REQUEST_KINDS = {RequestKind.LEAVE: "请假", RequestKind.MAKEUP: "补卡"}
REQUEST_STATUSES = {
    RequestStatus.PENDING: "待审批",
    RequestStatus.APPROVED: "已批准",
    RequestStatus.REFUSED: "未批准",
    RequestStatus.CANCELLED: "已撤回",
}
REQUEST_ACTIONS = {
    RequestAction.SUBMITTED: "提交",
    RequestAction.APPROVED: "批准",
    RequestAction.REFUSED: "不批准",
    RequestAction.CANCELLED: "撤回",
}
MONTH_ACTIONS = {MonthAction.CLOSE: "关账", MonthAction.REOPEN: "重新开账"}
# Worst first: the colour of a session attended in person is that of its worst mark.
TONES = (
    (Mark.OFF_POST, "off_post"),
    (Mark.LATE, "late"),
    (Mark.EARLY_LEAVE, "late"),
    (Mark.MISSING, "missing"),
    (Mark.CLEARED, "cleared"),
)


def session_tone(session: SessionRead) -> str:
    """The colour of a session's verdict (a CSS class suffix)."""
    if session.status is not Status.ATTENDED:
        return session.status.value
    marks = {session.start, session.end}
    return next((tone for mark, tone in TONES if mark in marks), "ok")


LABELS: dict[str, Any] = {
    "mark_labels": MARK_LABELS,
    "status_labels": STATUS_LABELS,
    "leave_labels": LEAVE_LABELS,
    "session_labels": SESSION_LABELS,
    "slot_labels": SLOT_LABELS,
    "board_states": verdicts.BOARD_STATES,
    "punch_sources": PUNCH_SOURCES,
    "request_kinds": REQUEST_KINDS,
    "request_statuses": REQUEST_STATUSES,
    "request_actions": REQUEST_ACTIONS,
    "month_actions": MONTH_ACTIONS,
    "weekdays": WEEKDAYS,
    "tone": session_tone,
}


def _page(
    request: Request,
    template: str,
    *,
    error: DomainError | None = None,
    values: dict[str, Any] | None = None,
    **context: Any,
) -> Template:
    return render_form(request, template, error=error, values=values or {}, **LABELS, **context)


def _saved(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def _month_text(month: dt.date) -> str:
    return month.strftime("%Y-%m")


def _weeks(days: list[DayRead]) -> list[list[DayRead | None]]:
    """A month's days as calendar rows, Monday first, blank cells around it."""
    if not days:
        return []
    cells: list[DayRead | None] = [None] * days[0].day.weekday() + list(days)
    cells += [None] * (-len(cells) % 7)
    return [cells[start : start + 7] for start in range(0, len(cells), 7)]


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _month_or_none(text: Any, today: dt.date) -> dt.date | None:
    try:
        return parse_month(text if isinstance(text, str) else None, today)
    except InvalidInput:
        return None


def _refresh_seconds(asked: int | None) -> int:
    low, high = BOARD_REFRESH_BOUNDS
    return min(max(asked or BOARD_REFRESH_SECONDS, low), high)


class AttendancePages(Controller):
    path = "/attendance"

    # ---- the daily board -------------------------------------------------------------

    async def _board(self, request: Request, hall_id: int, day: dt.date | None) -> dict[str, Any]:
        now = local_now(request)
        board = await verdicts.board(
            hall_id=hall_id, day=day or now.date(), now=now, scope=await scope_of(request)
        )
        return {"board": board, "unknown_years": board.unknown_years}

    @get("/", opt=allow(BOARD_VIEWERS))
    async def board(
        self,
        request: Request,
        hall_id: OptionalInt = None,
        day: OptionalDate = None,
        refresh: OptionalInt = None,
    ) -> Template:
        """Who is in, late or missing at each window, refreshing itself."""
        halls, chosen = await hall_choice(request, hall_id)
        context = await self._board(request, chosen, day)
        partial = f"/attendance/board/partial?hall_id={chosen}" + (f"&day={day.isoformat()}" if day else "")
        return _page(
            request,
            "attendance/board.html",
            halls=halls,
            hall_id=chosen,
            day=context["board"].day,
            refresh=_refresh_seconds(refresh),
            partial_url=partial,
            can_correct=principal(request).role in ATTENDANCE_OFFICE,
            **context,
        )

    @get("/board/partial", opt=allow(BOARD_VIEWERS))
    async def board_partial(
        self, request: Request, hall_id: OptionalInt = None, day: OptionalDate = None
    ) -> Template:
        _, chosen = await hall_choice(request, hall_id)
        return _page(request, "attendance/_board.html", **await self._board(request, chosen, day))

    # ---- punches and corrections -----------------------------------------------------

    async def _punches(
        self,
        request: Request,
        hall_id: int | None,
        day: dt.date | None,
        *,
        error: DomainError | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        halls, chosen = await hall_choice(request, hall_id)
        scope = await scope_of(request)
        day = day or local_now(request).date()
        return _page(
            request,
            "attendance/punches.html",
            error=error,
            values=values or {"punched_at": f"{day.isoformat()}T08:00:00"},
            halls=halls,
            hall_id=chosen,
            day=day,
            punches=await punches.punches_of_hall(hall_id=chosen, start=day, end=day, scope=scope),
            staff=await services.list_staff(scope=scope, hall_id=chosen),
        )

    @get("/punches", opt=allow(ATTENDANCE_OFFICE))
    async def punches_page(
        self, request: Request, hall_id: OptionalInt = None, day: OptionalDate = None
    ) -> Template:
        return await self._punches(request, hall_id, day)

    @post("/punches", opt=allow(ATTENDANCE_OFFICE))
    async def add_punch(self, request: Request) -> Response:
        """A punch entered by hand, with its reason: always a manual one."""
        values = await form_values(request)
        hall_id = _int_or_none(values.get("hall_id"))
        try:
            data = PunchCreate.model_validate({**values, "source": PunchSource.MANUAL})
            recorded = await record(request, data)
        except DomainError as error:
            return await self._punches(request, hall_id, None, error=error, values=values)
        hall = f"hall_id={hall_id}&" if hall_id else ""
        return _saved(f"/attendance/punches?{hall}day={recorded.punch.punched_at.date().isoformat()}")

    # ---- leave and 补卡 requests -------------------------------------------------------

    async def _requests(
        self,
        request: Request,
        hall_id: int | None,
        status: str | None,
        *,
        error: DomainError | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        scope = await scope_of(request)
        own_id = own_staff_if_staff(principal(request))
        today = local_now(request).date()
        return _page(
            request,
            "attendance/requests.html",
            error=error,
            values=values or {"first_day": today.isoformat()},
            submitted_kind=(values or {}).get("kind"),
            requests=await list_for(request, scope, hall_id=hall_id, status=status, month=None),
            halls=await services.list_halls(scope=scope),
            hall_id=hall_id,
            status=status,
            staff=await services.list_staff(scope=scope),
            me=None if own_id is None else await services.get_staff(staff_id=own_id, scope=scope),
        )

    @get("/requests", opt=allow(REQUESTERS))
    async def requests_page(
        self, request: Request, hall_id: OptionalInt = None, status: OptionalText = None
    ) -> Template:
        return await self._requests(request, hall_id, status)

    @post("/requests", opt=allow(REQUESTERS))
    async def submit_request(self, request: Request) -> Response:
        values = await form_values(request)
        own_id = own_staff_if_staff(principal(request))
        if own_id is not None:  # window staff ask for themselves, whatever the form says
            values["staff_id"] = own_id
        try:
            created = await submit(request, RequestCreate.model_validate(values))
        except DomainError as error:
            return await self._requests(request, None, None, error=error, values=values)
        return _saved(f"/attendance/requests/{created.id}")

    async def _request(
        self,
        request: Request,
        request_id: int,
        *,
        error: DomainError | None = None,
        values: dict[str, Any] | None = None,
        decision: str | None = None,
    ) -> Template:
        scope = await scope_of(request)
        user = principal(request)
        item = await requests.get_request(
            request_id=request_id, scope=scope, own_staff_id=own_staff_if_staff(user)
        )
        can_decide = user.role in MANAGERS and item.status is RequestStatus.PENDING
        return _page(
            request,
            "attendance/request.html",
            error=error,
            values=values or {"substitute_id": item.substitute_id},
            decision=decision,
            item=item,
            can_decide=can_decide,
            can_cancel=item.status is RequestStatus.PENDING,
            staff=await services.list_staff(scope=scope, hall_id=item.hall_id) if can_decide else [],
        )

    @get("/requests/{request_id:int}", opt=allow(REQUESTERS))
    async def request_detail(self, request: Request, request_id: FromPath[int]) -> Template:
        return await self._request(request, request_id)

    async def _decide(self, request: Request, request_id: int, *, approve: bool) -> Response:
        values = await form_values(request)
        try:
            await decide(request, request_id, RequestDecision.model_validate(values), approve=approve)
        except DomainError as error:
            decision = "approve" if approve else "refuse"
            return await self._request(request, request_id, error=error, values=values, decision=decision)
        return _saved(f"/attendance/requests/{request_id}")

    @post("/requests/{request_id:int}/approve", opt=allow(MANAGERS))
    async def approve(self, request: Request, request_id: FromPath[int]) -> Response:
        return await self._decide(request, request_id, approve=True)

    @post("/requests/{request_id:int}/refuse", opt=allow(MANAGERS))
    async def refuse(self, request: Request, request_id: FromPath[int]) -> Response:
        return await self._decide(request, request_id, approve=False)

    @post("/requests/{request_id:int}/cancel", opt=allow(REQUESTERS))
    async def cancel(self, request: Request, request_id: FromPath[int]) -> Response:
        try:
            await cancel(request, request_id)
        except DomainError as error:
            return await self._request(request, request_id, error=error)
        return _saved(f"/attendance/requests/{request_id}")

    # ---- month close -----------------------------------------------------------------

    async def _months(
        self,
        request: Request,
        hall_id: int | None,
        month: dt.date | None,
        *,
        error: DomainError | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        halls, chosen = await hall_choice(request, hall_id)
        scope = await scope_of(request)
        today = local_now(request).date()
        month = month or shift_month(today.replace(day=1), -1)
        recent = [shift_month(today.replace(day=1), -back) for back in range(12)]
        return _page(
            request,
            "attendance/months.html",
            error=error,
            values=values,
            halls=halls,
            hall_id=chosen,
            month=month,
            month_text=_month_text(month),
            state=await months.month_state(hall_id=chosen, month=month, scope=scope),
            recent=await months.list_month_states(hall_id=chosen, months=recent, scope=scope),
            month_over=months.month_end(month) < today,
            can_reopen=principal(request).role in MANAGERS,
        )

    @get("/months", opt=allow(ATTENDANCE_OFFICE))
    async def months_page(
        self, request: Request, hall_id: OptionalInt = None, month: OptionalText = None
    ) -> Template:
        chosen = parse_month(month, local_now(request).date()) if month else None
        return await self._months(request, hall_id, chosen)

    async def _month_act(self, request: Request, hall_id: int, *, close: bool) -> Response:
        values = await form_values(request)
        now = local_now(request)
        scope, actor_id = await scope_of(request), principal(request).account_id
        try:
            if close:
                month = parse_month(MonthClose.model_validate(values).month, now.date())
                await close_month(request, hall_id, month)
            else:
                data = MonthReopen.model_validate(values)
                month = parse_month(data.month, now.date())
                await months.reopen_month(
                    hall_id=hall_id, month=month, reason=data.reason, scope=scope, actor_id=actor_id
                )
        except DomainError as error:
            shown = _month_or_none(values.get("month"), now.date())
            return await self._months(request, hall_id, shown, error=error, values=values)
        return _saved(f"/attendance/months?hall_id={hall_id}&month={_month_text(month)}")

    @post("/months/{hall_id:int}/close", opt=allow(ATTENDANCE_OFFICE))
    async def close_month(self, request: Request, hall_id: FromPath[int]) -> Response:
        return await self._month_act(request, hall_id, close=True)

    @post("/months/{hall_id:int}/reopen", opt=allow(MANAGERS))
    async def reopen_month(self, request: Request, hall_id: FromPath[int]) -> Response:
        return await self._month_act(request, hall_id, close=False)

    # ---- the monthly summary and the month views --------------------------------------

    @get("/summary", opt=allow(ATTENDANCE_OFFICE))
    async def summary(
        self, request: Request, hall_id: OptionalInt = None, month: OptionalText = None
    ) -> Template:
        """The monthly summary (按月公布) of every person of a hall."""
        halls, chosen = await hall_choice(request, hall_id)
        scope, now = await scope_of(request), local_now(request)
        report = await verdicts.month_report(
            hall_id=chosen, month=parse_month(month, now.date()), scope=scope, now=now
        )
        return _page(
            request,
            "attendance/summary.html",
            halls=halls,
            hall_id=chosen,
            report=report,
            unknown_years=report.unknown_years,
            windows=await services.list_windows(scope=scope, hall_id=chosen),
            previous=_month_text(shift_month(report.month, -1)),
            following=_month_text(shift_month(report.month, 1)),
        )

    async def _person(self, request: Request, staff_id: int, month: str | None, base: str) -> Template:
        now = local_now(request)
        person = await verdicts.person_month(
            staff_id=staff_id, month=parse_month(month, now.date()), scope=await scope_of(request), now=now
        )
        return _page(
            request,
            "attendance/person.html",
            person=person,
            unknown_years=person.unknown_years,
            weeks=_weeks(person.days),
            today=now.date(),
            base=base,
            previous=_month_text(shift_month(person.month, -1)),
            following=_month_text(shift_month(person.month, 1)),
        )

    @get("/staff/{staff_id:int}", opt=allow(ATTENDANCE_OFFICE))
    async def staff_month(
        self, request: Request, staff_id: FromPath[int], month: OptionalText = None
    ) -> Template:
        return await self._person(request, staff_id, month, f"/attendance/staff/{staff_id}")

    @get("/me", opt=allow(Role.STAFF))
    async def my_month(self, request: Request, month: OptionalText = None) -> Template:
        """My attendance: each day of the month with its sessions' verdicts, and my summary."""
        return await self._person(request, own_staff(principal(request)), month, "/attendance/me")

    @get("/windows/{window_id:int}", opt=allow(ATTENDANCE_OFFICE))
    async def window_month(
        self, request: Request, window_id: FromPath[int], month: OptionalText = None
    ) -> Template:
        """A window's people × days of the month."""
        scope, now = await scope_of(request), local_now(request)
        window = await services.get_window(window_id=window_id, scope=scope)
        report = await verdicts.month_report(
            hall_id=window.hall_id,
            month=parse_month(month, now.date()),
            scope=scope,
            now=now,
            window_id=window_id,
        )
        return _page(
            request,
            "attendance/window.html",
            window=window,
            report=report,
            unknown_years=report.unknown_years,
            days=report.people[0].days if report.people else [],
            today=now.date(),
            previous=_month_text(shift_month(report.month, -1)),
            following=_month_text(shift_month(report.month, 1)),
        )


ROUTES = [AttendancePages]
