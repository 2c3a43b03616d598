"""The attendance API: punches and corrections, the daily board, month views and the monthly
summary, leave and 补卡 requests with their approval, month close. Pages: attendance_pages.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from attendance import months, punches, requests, verdicts
from attendance.schemas import (
    BoardRead,
    MonthClose,
    MonthReopen,
    MonthReportRead,
    MonthStateRead,
    PersonMonthRead,
    PunchCreate,
    PunchRead,
    PunchRecorded,
    RequestCreate,
    RequestDecision,
    RequestRead,
)
from attendance.tables import RequestStatus
from hall.accounts import Principal
from hall.errors import InvalidInput, NotFound
from hall.roles import ATTENDANCE_OFFICE, BOARD_VIEWERS, MANAGERS, REQUESTERS, Role
from hall.services import HallScope, get_window
from hall.tables import DocumentKind
from web.guards import allow
from web.pages import config, local_now, make_documents, principal, scope_of

OptionalInt = Annotated[int | None, QueryParameter(required=False)]
OptionalText = Annotated[str | None, QueryParameter(required=False)]
OptionalDate = Annotated[dt.date | None, QueryParameter(required=False)]


def parse_month(text: str | None, today: dt.date) -> dt.date:
    """ "2026-10" -> 2026-10-01; the current month when absent."""
    return months.month_from_label(text) if text else today.replace(day=1)


async def close_month(request: Request, hall_id: int, month: dt.date) -> MonthStateRead:
    """Close a month, then make its final attendance summary (the draft of the 1st stays)."""
    state = await months.close_month(
        hall_id=hall_id,
        month=month,
        scope=await scope_of(request),
        actor_id=principal(request).account_id,
        now=local_now(request),
    )
    await make_documents(request, hall_id, DocumentKind.ATTENDANCE_MONTH, month)
    return state


def hall_of(user: Principal, hall_id: int | None) -> int:
    """The hall asked for, else the caller's own; the system admin must say which."""
    chosen = hall_id or user.hall_id
    if chosen is None:
        raise InvalidInput.single("hall_id", "中心", "请选择中心")
    return chosen


def own_staff(user: Principal) -> int:
    if user.staff_id is None:
        raise NotFound("您的账号没有关联到人员")
    return user.staff_id


def own_staff_if_staff(user: Principal) -> int | None:
    """Window staff act only for themselves; the office acts for anyone in its halls."""
    return own_staff(user) if user.role == Role.STAFF else None


async def record(request: Request, data: PunchCreate) -> PunchRecorded:
    return await punches.record_punch(
        data=data,
        scope=await scope_of(request),
        actor_id=principal(request).account_id,
        now=local_now(request),
        timezone=config(request).timezone,
    )


async def submit(request: Request, data: RequestCreate) -> RequestRead:
    user = principal(request)
    return await requests.submit_request(
        data=data,
        scope=await scope_of(request),
        actor_id=user.account_id,
        own_staff_id=own_staff_if_staff(user),
        now=local_now(request),
    )


async def decide(request: Request, request_id: int, data: RequestDecision, *, approve: bool) -> RequestRead:
    scope, actor_id = await scope_of(request), principal(request).account_id
    if approve:
        return await requests.approve_request(
            request_id=request_id, data=data, scope=scope, actor_id=actor_id, now=local_now(request)
        )
    return await requests.refuse_request(request_id=request_id, data=data, scope=scope, actor_id=actor_id)


async def cancel(request: Request, request_id: int) -> RequestRead:
    user = principal(request)
    return await requests.cancel_request(
        request_id=request_id,
        scope=await scope_of(request),
        actor_id=user.account_id,
        own_staff_id=own_staff_if_staff(user),
    )


async def list_for(
    request: Request, scope: HallScope, *, hall_id: int | None, status: str | None, month: str | None
) -> list[RequestRead]:
    user = principal(request)
    return await requests.list_requests(
        scope=scope,
        hall_id=hall_id,
        staff_id=own_staff_if_staff(user),
        status=RequestStatus(status) if status in set(RequestStatus) else None,
        month=parse_month(month, local_now(request).date()) if month else None,
    )


class AttendanceApi(Controller):
    path = "/api/attendance"
    tags = ["考勤"]

    @post("/punches", opt=allow(ATTENDANCE_OFFICE))
    async def record_punch(self, request: Request, data: JSONBody[PunchCreate]) -> Response[PunchRecorded]:
        """A punch typed in by the clerk (a correction, with its reason). The same punch sent
        twice is stored once: 201 the first time, 200 after."""
        recorded = await record(request, data)
        return Response(recorded, status_code=201 if recorded.created else 200)

    @get("/punches", opt=allow(ATTENDANCE_OFFICE))
    async def list_punches(
        self,
        request: Request,
        hall_id: OptionalInt = None,
        staff_id: OptionalInt = None,
        start: OptionalDate = None,
        end: OptionalDate = None,
    ) -> list[PunchRead]:
        today = local_now(request).date()
        return await punches.punches_of_hall(
            hall_id=hall_of(principal(request), hall_id),
            staff_id=staff_id,
            start=start or today,
            end=end or start or today,
            scope=await scope_of(request),
        )

    @get("/board", opt=allow(BOARD_VIEWERS))
    async def board(
        self, request: Request, hall_id: OptionalInt = None, day: OptionalDate = None
    ) -> BoardRead:
        """Who is in, late or missing at each window, as of now."""
        now = local_now(request)
        return await verdicts.board(
            hall_id=hall_of(principal(request), hall_id),
            day=day or now.date(),
            now=now,
            scope=await scope_of(request),
        )

    @get("/summary", opt=allow(ATTENDANCE_OFFICE))
    async def summary(
        self, request: Request, hall_id: OptionalInt = None, month: OptionalText = None
    ) -> MonthReportRead:
        """The monthly summary (按月公布) of every person of a hall."""
        now = local_now(request)
        return await verdicts.month_report(
            hall_id=hall_of(principal(request), hall_id),
            month=parse_month(month, now.date()),
            scope=await scope_of(request),
            now=now,
        )

    @get("/windows/{window_id:int}/month", opt=allow(ATTENDANCE_OFFICE))
    async def window_month(
        self, request: Request, window_id: FromPath[int], month: OptionalText = None
    ) -> MonthReportRead:
        now = local_now(request)
        scope = await scope_of(request)
        window = await get_window(window_id=window_id, scope=scope)
        return await verdicts.month_report(
            hall_id=window.hall_id,
            month=parse_month(month, now.date()),
            scope=scope,
            now=now,
            window_id=window_id,
        )

    @get("/staff/{staff_id:int}/month", opt=allow(ATTENDANCE_OFFICE))
    async def staff_month(
        self, request: Request, staff_id: FromPath[int], month: OptionalText = None
    ) -> PersonMonthRead:
        now = local_now(request)
        return await verdicts.person_month(
            staff_id=staff_id, month=parse_month(month, now.date()), scope=await scope_of(request), now=now
        )

    @get("/me/month", opt=allow(Role.STAFF))
    async def my_month(self, request: Request, month: OptionalText = None) -> PersonMonthRead:
        """My attendance: each day of the month with its sessions' verdicts, and my summary."""
        now = local_now(request)
        return await verdicts.person_month(
            staff_id=own_staff(principal(request)),
            month=parse_month(month, now.date()),
            scope=await scope_of(request),
            now=now,
        )

    @post("/requests", opt=allow(REQUESTERS), status_code=201)
    async def submit_request(self, request: Request, data: JSONBody[RequestCreate]) -> RequestRead:
        """Ask for leave or a 补卡; window staff ask for themselves only."""
        return await submit(request, data)

    @get("/requests", opt=allow(REQUESTERS))
    async def list_requests(
        self,
        request: Request,
        hall_id: OptionalInt = None,
        status: OptionalText = None,
        month: OptionalText = None,
    ) -> list[RequestRead]:
        return await list_for(request, await scope_of(request), hall_id=hall_id, status=status, month=month)

    @get("/requests/{request_id:int}", opt=allow(REQUESTERS))
    async def get_request(self, request: Request, request_id: FromPath[int]) -> RequestRead:
        return await requests.get_request(
            request_id=request_id,
            scope=await scope_of(request),
            own_staff_id=own_staff_if_staff(principal(request)),
        )

    @post("/requests/{request_id:int}/approve", opt=allow(MANAGERS), status_code=200)
    async def approve(
        self, request: Request, request_id: FromPath[int], data: JSONBody[RequestDecision]
    ) -> RequestRead:
        return await decide(request, request_id, data, approve=True)

    @post("/requests/{request_id:int}/refuse", opt=allow(MANAGERS), status_code=200)
    async def refuse(
        self, request: Request, request_id: FromPath[int], data: JSONBody[RequestDecision]
    ) -> RequestRead:
        return await decide(request, request_id, data, approve=False)

    @post("/requests/{request_id:int}/cancel", opt=allow(REQUESTERS), status_code=200)
    async def cancel(self, request: Request, request_id: FromPath[int]) -> RequestRead:
        return await cancel(request, request_id)

    @get("/months/{hall_id:int}", opt=allow(ATTENDANCE_OFFICE))
    async def month_state(
        self, request: Request, hall_id: FromPath[int], month: OptionalText = None
    ) -> MonthStateRead:
        return await months.month_state(
            hall_id=hall_id,
            month=parse_month(month, local_now(request).date()),
            scope=await scope_of(request),
        )

    @post("/months/{hall_id:int}/close", opt=allow(ATTENDANCE_OFFICE), status_code=200)
    async def close_month(
        self, request: Request, hall_id: FromPath[int], data: JSONBody[MonthClose]
    ) -> MonthStateRead:
        """Close a finished month: its verdicts are made final and no longer change."""
        return await close_month(request, hall_id, parse_month(data.month, local_now(request).date()))

    @post("/months/{hall_id:int}/reopen", opt=allow(MANAGERS), status_code=200)
    async def reopen_month(
        self, request: Request, hall_id: FromPath[int], data: JSONBody[MonthReopen]
    ) -> MonthStateRead:
        """Reopen a closed month: the director's explicit act, with its reason, logged."""
        return await months.reopen_month(
            hall_id=hall_id,
            month=parse_month(data.month, local_now(request).date()),
            reason=data.reason,
            scope=await scope_of(request),
            actor_id=principal(request).account_id,
        )


ROUTES = [AttendanceApi]
