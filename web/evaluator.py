"""The window evaluator as a tablet page: a browser at the window, paired once with the
evaluator's secret (pairing and photos as every browser terminal's, terminals.py), showing
the person at the window and big buttons that press through `POST /api/evaluations`
(evaluations.py). The page's behaviour is in static/evaluator.js."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.response import Redirect

from assessment import evaluations
from hall.roles import Role
from web.evaluations import EVALUATORS
from web.guards import allow
from web.pages import local_now, render
from web.terminals import TerminalPages, hall_clock


class EvaluatorPages(TerminalPages):
    path = "/evaluate"
    kinds = EVALUATORS
    pairing_title = "窗口评价器配对"
    open_label = "打开评价页面"

    @get("/", opt=allow(Role.DEVICE))
    async def evaluate(self, request: Request) -> Response:
        device = await self.device(request)
        if device is None:
            return Redirect(path=self.pairing, status_code=303)
        now = local_now(request)
        return render(
            request,
            "evaluator/evaluator.html",
            device=device,
            current=await evaluations.current_person(device=device, now=now),
            levels=await evaluations.evaluator_levels(hall_id=device.hall_id, day=now.date()),
            **hall_clock(request),
        )


ROUTES = [EvaluatorPages]
