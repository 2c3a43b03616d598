"""The working-day calendar: the national years (the admin enters a year the libraries do not
know yet) and each hall's closures. The office roles read it; only the admin changes the
national calendar; the attendance office (director, clerk) closes its own halls."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect, Template

from attendance import verdicts
from hall import calendar, services
from hall.errors import DomainError
from hall.roles import ATTENDANCE_OFFICE, OFFICE, Role
from hall.schemas import CalendarYearRead, CalendarYearWrite, ClosureCreate, ClosureRead, YearSource
from hall.tables import DayKind
from web.guards import allow
from web.pages import WEEKDAYS, form_values, local_now, principal, render_form, scope_of, today

KINDS = {DayKind.HOLIDAY: "放假", DayKind.WORKDAY: "调休上班"}
SOURCES = {
    YearSource.LIBRARY: "内置数据（chinesecalendar）",
    YearSource.ENTERED: "管理员录入",
    YearSource.UNKNOWN: "尚未录入（临时结果）",
}
OptionalInt = Annotated[int | None, QueryParameter(required=False)]


async def calendar_changed(request: Request, hall_id: int | None, start: dt.date, end: dt.date) -> None:
    """Verdicts follow the working days: a hall's closure recomputes its day at once; a
    national year (every hall, a whole year) goes to a background job."""
    if hall_id is not None:
        await verdicts.recompute(hall_id=hall_id, start=start, end=end, now=local_now(request))
    else:
        await request.app.state.jobs.enqueue("recompute_attendance", hall_id=None, start=start, end=end)


async def _enter_year(request: Request, year: int, data: CalendarYearWrite) -> CalendarYearRead:
    entries = calendar.entries_of(year, data)
    read = await calendar.enter_year(
        year=year, days=entries, note=data.note, actor_id=principal(request).account_id
    )
    await calendar_changed(request, None, dt.date(year, 1, 1), dt.date(year, 12, 31))
    return read


async def _delete_year(request: Request, year: int) -> None:
    await calendar.delete_entered_year(year=year)
    await calendar_changed(request, None, dt.date(year, 1, 1), dt.date(year, 12, 31))


async def _add_closure(request: Request, hall_id: int, data: ClosureCreate) -> ClosureRead:
    closure = await calendar.add_closure(
        hall_id=hall_id,
        day=data.day,
        reason=data.reason,
        scope=await scope_of(request),
        actor_id=principal(request).account_id,
    )
    await calendar_changed(request, hall_id, closure.day, closure.day)
    return closure


async def _delete_closure(request: Request, hall_id: int, closure_id: int) -> ClosureRead:
    closure = await calendar.delete_closure(
        closure_id=closure_id, hall_id=hall_id, scope=await scope_of(request)
    )
    await calendar_changed(request, closure.hall_id, closure.day, closure.day)
    return closure


def _saved(year: int, hall_id: int | None = None) -> Redirect:
    hall = f"&hall_id={hall_id}" if hall_id is not None else ""
    return Redirect(path=f"/calendar?year={year}{hall}", status_code=303)


# ---- pages ---------------------------------------------------------------------------


class CalendarPages(Controller):
    path = "/calendar"

    async def _page(
        self,
        request: Request,
        year: int | None,
        hall_id: int | None,
        *,
        error: DomainError | None = None,
        values: dict | None = None,
    ) -> Template:
        scope = await scope_of(request)
        year = year or today(request).year
        years = await calendar.list_years(around=year)
        selected = next(item for item in years if item.year == year)
        halls = await services.list_halls(scope=scope)
        hall_id = hall_id or principal(request).hall_id or (halls[0].id if halls else None)
        is_admin = principal(request).role == Role.ADMIN
        defaults = {"note": selected.note, "text": await calendar.year_text(year=year)} if is_admin else {}
        return render_form(
            request,
            "calendar/calendar.html",
            error=error,
            values={**defaults, **(values or {})},
            year=year,
            years=years,
            selected=selected,
            unknown_years=[year] if selected.source == YearSource.UNKNOWN else [],
            halls=halls,
            hall_id=hall_id,
            closures=(
                await calendar.list_closures(hall_id=hall_id, scope=scope, year=year) if hall_id else []
            ),
            can_enter_year=is_admin,
            can_close=principal(request).role in ATTENDANCE_OFFICE,
            weekdays=WEEKDAYS,
            kinds=KINDS,
            sources=SOURCES,
        )

    def _year_or_none(self, year: int) -> int | None:
        # A page shown again after a refusal falls back to this year if `year` is absurd.
        return year if calendar.FIRST_YEAR <= year <= calendar.LAST_YEAR else None

    @get("/", opt=allow(OFFICE))
    async def show(self, request: Request, year: OptionalInt = None, hall_id: OptionalInt = None) -> Template:
        return await self._page(request, year, hall_id)

    @post("/years/{year:int}", opt=allow(Role.ADMIN))
    async def enter_year(self, request: Request, year: FromPath[int]) -> Response:
        values = await form_values(request)
        try:
            await _enter_year(request, year, CalendarYearWrite.model_validate(values))
        except DomainError as error:
            return await self._page(request, self._year_or_none(year), None, error=error, values=values)
        return _saved(year)

    @post("/years/{year:int}/delete", opt=allow(Role.ADMIN))
    async def delete_year(self, request: Request, year: FromPath[int]) -> Response:
        await _delete_year(request, year)
        return _saved(year)

    @post("/halls/{hall_id:int}/closures", opt=allow(ATTENDANCE_OFFICE))
    async def add_closure(self, request: Request, hall_id: FromPath[int]) -> Response:
        values = await form_values(request)
        try:
            closure = await _add_closure(request, hall_id, ClosureCreate.model_validate(values))
        except DomainError as error:
            return await self._page(request, None, hall_id, error=error, values=values)
        return _saved(closure.day.year, hall_id)

    @post("/halls/{hall_id:int}/closures/{closure_id:int}/delete", opt=allow(ATTENDANCE_OFFICE))
    async def delete_closure(
        self, request: Request, hall_id: FromPath[int], closure_id: FromPath[int]
    ) -> Response:
        closure = await _delete_closure(request, hall_id, closure_id)
        return _saved(closure.day.year, hall_id)


# ---- API -----------------------------------------------------------------------------


class CalendarYearApi(Controller):
    path = "/api/calendar/years"
    tags = ["工作日历"]

    @get("/", opt=allow(OFFICE))
    async def list_years(self, request: Request, around: OptionalInt = None) -> list[CalendarYearRead]:
        """The year `around` (default: this year) and the years either side of it."""
        return await calendar.list_years(around=around or today(request).year)

    @get("/{year:int}", opt=allow(OFFICE))
    async def get_year(self, year: FromPath[int]) -> CalendarYearRead:
        return await calendar.get_year(year=year)

    @put("/{year:int}", opt=allow(Role.ADMIN))
    async def enter_year(
        self, request: Request, year: FromPath[int], data: JSONBody[CalendarYearWrite]
    ) -> CalendarYearRead:
        """Enter or replace the year: `{"note", "text"}` in the import format (one day a line,
        `2027-01-01,休,元旦` / `2027-02-20,班,春节调休`) or `{"note", "days": [{day, kind, name}]}`."""
        return await _enter_year(request, year, data)

    @delete("/{year:int}", opt=allow(Role.ADMIN), status_code=204)
    async def delete_year(self, request: Request, year: FromPath[int]) -> None:
        await _delete_year(request, year)


class ClosureApi(Controller):
    path = "/api/halls/{hall_id:int}/closures"
    tags = ["工作日历"]

    @get("/", opt=allow(OFFICE))
    async def list_closures(
        self, request: Request, hall_id: FromPath[int], year: OptionalInt = None
    ) -> list[ClosureRead]:
        return await calendar.list_closures(hall_id=hall_id, scope=await scope_of(request), year=year)

    @post("/", opt=allow(ATTENDANCE_OFFICE), status_code=201)
    async def add_closure(
        self, request: Request, hall_id: FromPath[int], data: JSONBody[ClosureCreate]
    ) -> ClosureRead:
        return await _add_closure(request, hall_id, data)

    @delete("/{closure_id:int}", opt=allow(ATTENDANCE_OFFICE), status_code=204)
    async def delete_closure(
        self, request: Request, hall_id: FromPath[int], closure_id: FromPath[int]
    ) -> None:
        await _delete_closure(request, hall_id, closure_id)


ROUTES = [CalendarPages, CalendarYearApi, ClosureApi]
