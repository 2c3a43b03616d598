"""The assessment's pages under /assessment (issue 7): the director's month overview with its
chart and sign-off, a window's month with its findings, reversals and self-assessment, a
person's month (我的考核 for window staff), the inspectors' spot-check form for a phone, the
rule catalogue with its dated changes, and the quarter's ranking with its publication. The
JSON API and the helpers shared with it are in assessment.py; 满意度 is evaluations.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from assessment import findings, rule_settings, scores, self_assessments
from assessment.catalogue import CATEGORY_LABELS, SOURCE_LABELS, TARGET_LABELS, Category
from assessment.schemas import (
    FindingRead,
    ReversalCreate,
    RuleWrite,
    ScoreRead,
    SelfAssessmentWrite,
    SubjectMonthRead,
)
from attendance.months import month_of, shift_month
from hall.errors import DomainError, InvalidInput
from hall.roles import MANAGERS, OFFICE, Role
from hall.services import list_staff, list_windows
from web.assessment import (
    FILERS,
    INSPECTION,
    SUBJECT_READERS,
    change_hall_rule,
    file_for_window,
    finding_form,
    month_of_person,
    month_of_window,
    month_text,
    own_window_id,
    parse_quarter,
    person_in_reach,
    photo_body_limit,
    publish_quarter,
    record_spot_check,
    reverse_with_reason,
    sign_month_off,
    window_in_reach,
)
from web.attendance import OptionalInt, OptionalText, hall_of, own_staff, parse_month
from web.complaints_pages import hall_time
from web.guards import allow
from web.pages import (
    config,
    form_values,
    hall_choice,
    local_now,
    principal,
    render_form,
    scope_of,
)

# The overview's chart: one bar a window, its length the month's total out of the scale's top.
CHART_WIDTH, CHART_ROW, CHART_LABEL = 300, 26, 130
SELF_ASSESSMENT = "self-assessment"
RULE_FIELDS = ("code", "name", "category", "points", "min_points", "max_points", "target")

LABELS: dict[str, Any] = {
    "categories": list(Category),
    "category_labels": CATEGORY_LABELS,
    "source_labels": SOURCE_LABELS,
    "target_labels": TARGET_LABELS,
    "self_labels": {
        category: SelfAssessmentWrite.model_fields[category.value].title for category in Category
    },
}


@dataclass(frozen=True)
class Entry:
    """A finding as the pages list it: with the record that reversed it, if one did."""

    finding: FindingRead
    reversal: FindingRead | None

    @property
    def standing(self) -> bool:
        return self.reversal is None


@dataclass(frozen=True)
class Bar:
    line: ScoreRead
    y: int
    width: float
    marker: float | None  # last month's total, where the bar would have ended


def entries(ledger: list[FindingRead]) -> list[Entry]:
    """Each finding once, with its reversal beside it rather than on a line of its own."""
    reversal_of = {finding.reverses_id: finding for finding in ledger if finding.reverses_id is not None}
    return [Entry(finding, reversal_of.get(finding.id)) for finding in ledger if finding.reverses_id is None]


def chart(lines: list[ScoreRead]) -> list[Bar]:
    top = max([100, *(line.total for line in lines), *(line.previous_total or 0 for line in lines)])

    def length(total: int) -> float:
        return round(max(total, 0) / top * CHART_WIDTH, 1)

    return [
        Bar(
            line,
            index * CHART_ROW,
            length(line.total),
            None if line.previous_total is None else length(line.previous_total),
        )
        for index, line in enumerate(lines)
    ]


def _page(
    request: Request,
    template: str,
    *,
    error: DomainError | None = None,
    values: dict[str, Any] | None = None,
    **context: Any,
) -> Template:
    timezone = config(request).timezone
    return render_form(
        request,
        template,
        error=error,
        values=values or {},
        when=lambda moment: hall_time(moment, timezone).strftime("%Y-%m-%d %H:%M") if moment else "",
        **LABELS,
        **context,
    )


def _saved(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def _int_or_none(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _month_or(text: Any, fallback: dt.date) -> dt.date:
    try:
        return parse_month(text if isinstance(text, str) else None, fallback)
    except InvalidInput:
        return month_of(fallback)


def _self_assessment_values(read: SubjectMonthRead) -> dict[str, Any]:
    filed = read.self_assessment
    if filed is None or not filed.filed:
        return {}
    return {**{category.value: points for category, points in filed.categories.items()}, "text": filed.text}


class AssessmentPages(Controller):
    path = "/assessment"

    # ---- the month overview ----------------------------------------------------------------

    async def _overview(
        self, request: Request, hall_id: int | None, month: dt.date, *, error: DomainError | None = None
    ) -> Template:
        halls, chosen = await hall_choice(request, hall_id)
        now = local_now(request)
        report = await scores.month_scores(
            hall_id=chosen, month=month, now=now, scope=await scope_of(request)
        )
        return _page(
            request,
            "assessment/overview.html",
            error=error,
            halls=halls,
            hall_id=chosen,
            report=report,
            month_text=month_text(report.month),
            previous=month_text(shift_month(report.month, -1)),
            following=month_text(shift_month(report.month, 1)),
            bars=chart(report.windows),
            chart_width=CHART_WIDTH,
            chart_row=CHART_ROW,
            chart_label=CHART_LABEL,
            self_assessments=await self_assessments.month_self_assessments(
                hall_id=chosen, month=report.month, today=now.date()
            ),
            may_sign=principal(request).role in MANAGERS,
        )

    @get("/", opt=allow(OFFICE))
    async def overview(
        self, request: Request, hall_id: OptionalInt = None, month: OptionalText = None
    ) -> Template:
        """考核总览: a hall's windows ranked, the chart, its people, stars, self-assessments."""
        return await self._overview(request, hall_id, parse_month(month, local_now(request).date()))

    @post("/sign-off", opt=allow(MANAGERS))
    async def sign(self, request: Request) -> Response:
        values = await form_values(request)
        today = local_now(request).date()
        hall_id = _int_or_none(values.get("hall_id"))
        try:
            month = parse_month(values.get("month"), today)
            chosen = hall_of(principal(request), hall_id)
            await sign_month_off(request, chosen, month)
        except DomainError as error:
            return await self._overview(request, hall_id, _month_or(values.get("month"), today), error=error)
        return _saved(f"/assessment?hall_id={chosen}&month={month_text(month)}")

    # ---- a window's month ---------------------------------------------------------------------

    async def _window(
        self,
        request: Request,
        window_id: int,
        month: dt.date,
        *,
        error: DomainError | None = None,
        values: dict[str, Any] | None = None,
        failed: str | None = None,
    ) -> Template:
        window = await window_in_reach(request, window_id)
        read = await month_of_window(request, window, month)
        role = principal(request).role
        filing = values if failed == SELF_ASSESSMENT else _self_assessment_values(read)
        return _page(
            request,
            "assessment/window.html",
            error=error,
            values=values,
            failed=failed,
            window=window,
            read=read,
            entries=entries(read.findings),
            month_text=month_text(read.month),
            previous=month_text(shift_month(read.month, -1)),
            following=month_text(shift_month(read.month, 1)),
            filing=filing or {},
            can_file=role in FILERS and not read.signed_off and read.month <= local_now(request).date(),
            can_reverse=role in MANAGERS and not read.signed_off,
            can_see_photos=role in OFFICE,
            back="window",
        )

    @get("/windows/{window_id:int}", opt=allow(SUBJECT_READERS))
    async def window(
        self, request: Request, window_id: FromPath[int], month: OptionalText = None
    ) -> Template:
        """窗口月度考核: the categories, every finding, the self-assessment beside the score."""
        return await self._window(request, window_id, parse_month(month, local_now(request).date()))

    @post("/windows/{window_id:int}/self-assessment", opt=allow(FILERS))
    async def file(self, request: Request, window_id: FromPath[int]) -> Response:
        values = await form_values(request)
        today = local_now(request).date()
        window = await window_in_reach(request, window_id)
        try:
            month = parse_month(values.get("month"), today)
            await file_for_window(request, window, month, SelfAssessmentWrite.model_validate(values))
        except DomainError as error:
            shown = _month_or(values.get("month"), today)
            return await self._window(
                request, window_id, shown, error=error, values=values, failed=SELF_ASSESSMENT
            )
        return _saved(f"/assessment/windows/{window_id}?month={month_text(month)}")

    @post("/findings/{finding_id:int}/reverse", opt=allow(MANAGERS))
    async def reverse(self, request: Request, finding_id: FromPath[int]) -> Response:
        """冲销 from a window's or a person's month: back to it (303), or it again with why."""
        values = await form_values(request)
        finding = await findings.get_finding(finding_id=finding_id, scope=await scope_of(request))
        month = month_of(finding.day)
        on_window = finding.window_id is not None and (
            values.get("back") != "staff" or finding.staff_id is None
        )
        try:
            await reverse_with_reason(request, finding_id, ReversalCreate.model_validate(values))
        except DomainError as error:
            failed = f"reverse-{finding_id}"
            if on_window:
                return await self._window(
                    request, finding.window_id, month, error=error, values=values, failed=failed
                )
            assert finding.staff_id is not None, "a finding counts against a window or a person"
            return await self._person(
                request, finding.staff_id, month, mine=False, error=error, values=values, failed=failed
            )
        if on_window:
            return _saved(f"/assessment/windows/{finding.window_id}?month={month_text(month)}")
        return _saved(f"/assessment/staff/{finding.staff_id}?month={month_text(month)}")

    # ---- a person's month ---------------------------------------------------------------------

    async def _person(
        self,
        request: Request,
        staff_id: int,
        month: dt.date,
        *,
        mine: bool,
        error: DomainError | None = None,
        values: dict[str, Any] | None = None,
        failed: str | None = None,
    ) -> Template:
        person = await person_in_reach(request, staff_id)
        read = await month_of_person(request, person, month)
        role = principal(request).role
        return _page(
            request,
            "assessment/person.html",
            error=error,
            values=values,
            failed=failed,
            person=person,
            read=read,
            mine=mine,
            base="/assessment/my-score" if mine else f"/assessment/staff/{person.id}",
            entries=entries(read.findings),
            month_text=month_text(read.month),
            previous=month_text(shift_month(read.month, -1)),
            following=month_text(shift_month(read.month, 1)),
            window_id=await own_window_id(request) if mine else person.window_id,
            can_reverse=role in MANAGERS and not read.signed_off,
            can_see_photos=role in OFFICE,
            back="staff",
        )

    @get("/staff/{staff_id:int}", opt=allow(OFFICE))
    async def person(self, request: Request, staff_id: FromPath[int], month: OptionalText = None) -> Template:
        """A person's month: the total, the categories, every deduction in one line."""
        month_start = parse_month(month, local_now(request).date())
        return await self._person(request, staff_id, month_start, mine=False)

    @get("/my-score", opt=allow(Role.STAFF))
    async def mine(self, request: Request, month: OptionalText = None) -> Template:
        """我的考核: my own month, every deduction explained."""
        month_start = parse_month(month, local_now(request).date())
        return await self._person(request, own_staff(principal(request)), month_start, mine=True)

    # ---- the spot check -------------------------------------------------------------------------

    async def _inspect(
        self,
        request: Request,
        hall_id: int | None,
        *,
        error: DomainError | None = None,
        values: dict[str, Any] | None = None,
        recorded: list[FindingRead] | None = None,
    ) -> Template:
        halls, chosen = await hall_choice(request, hall_id)
        scope, today = await scope_of(request), local_now(request).date()
        windows = [window for window in await list_windows(scope=scope, hall_id=chosen) if window.active]
        people = await list_staff(scope=scope, hall_id=chosen)
        rules = await rule_settings.rules_in_force(hall_id=chosen, on=today, scope=scope)
        return _page(
            request,
            "assessment/inspect.html",
            error=error,
            values=values or {"day": today.isoformat()},
            halls=halls,
            hall_id=chosen,
            windows=windows,
            people={window.id: [p for p in people if p.window_id == window.id] for window in windows},
            others=[p for p in people if p.window_id not in {window.id for window in windows}],
            rules=[rule for rule in rules if rule.manual and rule.active],
            today=today,
            recorded=recorded or [],
        )

    @get("/inspect", opt=allow(INSPECTION))
    async def inspect(
        self, request: Request, hall_id: OptionalInt = None, window_id: OptionalInt = None
    ) -> Template:
        """督查录入: a window, perhaps a person, the day, the rules found broken, a photo."""
        today = local_now(request).date()
        values: dict[str, Any] = {"day": today.isoformat()}
        if window_id is not None:
            values["window_id"] = window_id
        return await self._inspect(request, hall_id, values=values)

    @post("/inspect", opt=allow(INSPECTION), request_max_body_size=photo_body_limit(), status_code=200)
    async def enter(self, request: Request) -> Template:
        values, rules, photo = await finding_form(request)
        hall_id = _int_or_none(values.get("hall_id"))
        try:
            recorded = await record_spot_check(request, values, rules, photo)
        except DomainError as error:
            return await self._inspect(request, hall_id, error=error, values={**values, "rules": rules})
        kept = {key: values[key] for key in ("window_id", "day") if key in values}
        return await self._inspect(request, hall_id, values=kept, recorded=recorded)

    # ---- the rules -------------------------------------------------------------------------------

    async def _rules(
        self,
        request: Request,
        hall_id: int | None,
        on: dt.date | None,
        *,
        error: DomainError | None = None,
        values: dict[str, Any] | None = None,
        code: str | None = None,
    ) -> Template:
        halls, chosen = await hall_choice(request, hall_id)
        today = local_now(request).date()
        rules = await rule_settings.rules_in_force(
            hall_id=chosen, on=on or today, scope=await scope_of(request)
        )
        if values is None:
            values = {"effective_from": today.isoformat(), "active": "true", "bonus": "false"}
            version_of = next((rule for rule in rules if rule.code == code), None)
            if version_of is not None:  # a new version of a rule: the one in force, from today
                values.update({field: getattr(version_of, field) for field in RULE_FIELDS})
                values.update(bonus=str(version_of.bonus).lower(), active=str(version_of.active).lower())
        return _page(
            request,
            "assessment/rules.html",
            error=error,
            values=values,
            halls=halls,
            hall_id=chosen,
            rules=rules,
            on=on or today,
            today=today,
            may_change=principal(request).role in MANAGERS,
        )

    @get("/rules", opt=allow(OFFICE))
    async def rules(
        self,
        request: Request,
        hall_id: OptionalInt = None,
        on: OptionalText = None,
        code: OptionalText = None,
    ) -> Template:
        """考核规则: the rules in force on a day; for the director, a form for a new version
        of one (`?code=`: filled in with the one in force) or a new rule."""
        try:
            day = dt.date.fromisoformat(on) if on else None
        except ValueError:
            raise InvalidInput.single("on", "日期", "格式不正确") from None
        return await self._rules(request, hall_id, day, code=code)

    @post("/rules", opt=allow(MANAGERS))
    async def change(self, request: Request) -> Response:
        values = await form_values(request)
        hall_id = _int_or_none(values.get("hall_id"))
        try:
            chosen = hall_of(principal(request), hall_id)
            read = await change_hall_rule(request, chosen, RuleWrite.model_validate(values))
        except DomainError as error:
            return await self._rules(request, hall_id, None, error=error, values=values)
        return _saved(f"/assessment/rules?hall_id={chosen}&on={read.effective_from}")

    # ---- the quarter -----------------------------------------------------------------------------

    async def _quarter(
        self, request: Request, hall_id: int | None, quarter: dt.date, *, error: DomainError | None = None
    ) -> Template:
        halls, chosen = await hall_choice(request, hall_id)
        report = await scores.quarter_report(
            hall_id=chosen, quarter=quarter, now=local_now(request), scope=await scope_of(request)
        )
        candidates = {star.staff_id: star for star in report.monthly_stars}
        return _page(
            request,
            "assessment/quarter.html",
            error=error,
            values={"star_staff_id": report.proposed_star.staff_id if report.proposed_star else ""},
            halls=halls,
            hall_id=chosen,
            report=report,
            candidates=list(candidates.values()),
            unsigned=", ".join(month_text(month) for month in report.unsigned_months),
            previous=scores.quarter_label(shift_month(report.quarter, -3)),
            following=scores.quarter_label(shift_month(report.quarter, 3)),
            may_publish=principal(request).role in MANAGERS,
        )

    @get("/quarters", opt=allow(OFFICE))
    async def quarter(
        self, request: Request, hall_id: OptionalInt = None, quarter: OptionalText = None
    ) -> Template:
        """季度评定: the windows ranked with their grades, the stars, and the publication."""
        return await self._quarter(request, hall_id, parse_quarter(quarter, local_now(request).date()))

    @post("/quarters/publish", opt=allow(MANAGERS))
    async def publish(self, request: Request) -> Response:
        values = await form_values(request)
        today = local_now(request).date()
        hall_id = _int_or_none(values.get("hall_id"))
        try:
            quarter = parse_quarter(values.get("quarter"), today)
            chosen = hall_of(principal(request), hall_id)
            await publish_quarter(request, chosen, quarter, _int_or_none(values.get("star_staff_id")))
        except DomainError as error:
            try:
                shown = parse_quarter(values.get("quarter"), today)
            except InvalidInput:
                shown = scores.quarter_of(today)
            return await self._quarter(request, hall_id, shown, error=error)
        return _saved(f"/assessment/quarters?hall_id={chosen}&quarter={scores.quarter_label(quarter)}")


ROUTES = [AssessmentPages]
