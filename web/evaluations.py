"""The evaluators' API (a press, the person at the window) and the satisfaction figures: the
office's page and API for a hall, and each window person's own page. The tablet page that
presses through this API is evaluator.py."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody
from litestar.response import Template

from assessment import evaluations
from assessment.evaluation_rules import LEVEL_LABELS, MODELS, Level, month_bounds
from assessment.schemas import CurrentPersonRead, EvaluationRead, PressCreate, SatisfactionRead
from devices.registry import calling_device
from devices.schemas import DeviceRead
from devices.tables import DeviceKind
from hall.roles import OFFICE, Role
from web.attendance import OptionalInt, OptionalText, hall_of, own_staff, parse_month
from web.guards import allow
from web.pages import config, hall_choice, local_now, principal, render, scope_of, shift_month

EVALUATORS = frozenset({DeviceKind.EVALUATOR})


async def evaluator(request: Request) -> DeviceRead:
    return await calling_device(principal(request), EVALUATORS)


class EvaluationApi(Controller):
    path = "/api/evaluations"

    @post("/", opt=allow(Role.DEVICE))
    async def press(self, request: Request, data: JSONBody[PressCreate]) -> Response[EvaluationRead]:
        """A press of a window's evaluator, `{"level": "dissatisfied", "pressed_at":
        "2026-11-23T10:15:02"}` (the time may be left out: now): 201 when stored, 200 when
        the same evaluator sent a press of that second before (the stored one again)."""
        recorded = await evaluations.record_press(
            device=await evaluator(request),
            level=data.level,
            pressed_at=data.pressed_at,
            now=local_now(request),
            timezone=config(request).timezone,
        )
        return Response(content=recorded.evaluation, status_code=201 if recorded.created else 200)

    @get("/current", opt=allow(Role.DEVICE))
    async def current(self, request: Request) -> CurrentPersonRead:
        """Whom a press on the calling evaluator would evaluate now."""
        return await evaluations.current_person(device=await evaluator(request), now=local_now(request))

    @get("/", opt=allow(OFFICE))
    async def presses(
        self,
        request: Request,
        hall_id: OptionalInt = None,
        month: OptionalText = None,
        window_id: OptionalInt = None,
        staff_id: OptionalInt = None,
    ) -> list[EvaluationRead]:
        """A hall's presses of a month (the current one unless `month=YYYY-MM`), oldest first."""
        first, last = month_bounds(parse_month(month, local_now(request).date()))
        return await evaluations.list_evaluations(
            hall_id=hall_of(principal(request), hall_id),
            start=first,
            end=last,
            scope=await scope_of(request),
            window_id=window_id,
            staff_id=staff_id,
        )

    @get("/satisfaction", opt=allow(OFFICE))
    async def satisfaction(
        self, request: Request, hall_id: OptionalInt = None, month: OptionalText = None
    ) -> SatisfactionRead:
        """The satisfaction of a hall's windows and people in a month and its weeks."""
        return await evaluations.satisfaction(
            hall_id=hall_of(principal(request), hall_id),
            month=parse_month(month, local_now(request).date()),
            scope=await scope_of(request),
        )


def _page(request: Request, report: SatisfactionRead, **context: object) -> Template:
    return render(
        request,
        "assessment/satisfaction.html",
        report=report,
        level_labels=LEVEL_LABELS,
        # The other three levels only where a five-button evaluator was pressed for them.
        levels=[level for level in Level if level in MODELS[2] or report.total.counts[level]],
        previous=shift_month(report.month, -1).strftime("%Y-%m"),
        following=shift_month(report.month, 1).strftime("%Y-%m"),
        **context,
    )


class SatisfactionPages(Controller):
    path = "/assessment"

    @get("/satisfaction", opt=allow(OFFICE))
    async def satisfaction(
        self, request: Request, hall_id: OptionalInt = None, month: OptionalText = None
    ) -> Template:
        """满意度: every window and person of a hall, the month and each of its weeks."""
        halls, chosen = await hall_choice(request, hall_id)
        report = await evaluations.satisfaction(
            hall_id=chosen, month=parse_month(month, local_now(request).date()), scope=await scope_of(request)
        )
        return _page(
            request, report, halls=halls, hall_id=chosen, base="/assessment/satisfaction", mine=False
        )

    @get("/me", opt=allow(Role.STAFF))
    async def mine(self, request: Request, month: OptionalText = None) -> Template:
        """我的满意度: my own figures, my window's and the hall's."""
        user = principal(request)
        report = await evaluations.my_satisfaction(
            staff_id=own_staff(user),
            hall_id=hall_of(user, None),
            month=parse_month(month, local_now(request).date()),
        )
        return _page(request, report, halls=[], hall_id=report.hall_id, base="/assessment/me", mine=True)


ROUTES = [EvaluationApi, SatisfactionPages]
