"""The hundred-point assessment's API under /api/assessment (issue 7): a hall's month of window
and staff scores, a window's or a person's month down to its findings, the ledger with the
inspectors' spot checks and the director's reversals, sign-off, the rule catalogue,
self-assessments and the quarter. Also what the pages (assessment_pages.py) share with it:
who may see which window or person, the quarter in the query string, the spot-check form.

Window staff see their own window's month and their own; the office sees its halls'."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import SerializationException, ValidationException
from litestar.params import FromPath, JSONBody
from litestar.response import File

from assessment import findings, ranking, rule_settings, scores, self_assessments
from assessment.attachments import Upload
from assessment.schemas import (
    FindingCreate,
    FindingRead,
    MonthScoresRead,
    QuarterPublish,
    QuarterRead,
    ReversalCreate,
    RuleRead,
    RuleWrite,
    SelfAssessmentRead,
    SelfAssessmentWrite,
    SubjectMonthRead,
)
from attendance.months import month_end
from hall.config import get_config
from hall.errors import InvalidInput, NotAllowed
from hall.roles import MANAGERS, OFFICE, Role
from hall.schemas import StaffRead, WindowRead
from hall.services import get_hall, get_staff, get_window
from hall.tables import DocumentKind
from web.attendance import OptionalDate, OptionalInt, OptionalText, hall_of, own_staff, parse_month
from web.complaints_public import limits
from web.guards import allow
from web.pages import config, local_now, make_documents, principal, scope_of

# Who enters spot-check findings (督查录入): the inspectors and the director.
INSPECTION = MANAGERS | {Role.INSPECTOR}
# Who reads a window's or a person's month: the office, and window staff their own.
SUBJECT_READERS = OFFICE | {Role.STAFF}
# Who files a window's self-assessment: its staff, or the director for it.
FILERS = MANAGERS | {Role.STAFF}
PHOTO = "photo"
RULE = "rule"


def parse_quarter(text: str | None, today: dt.date) -> dt.date:
    """ "2026-Q3" -> 2026-07-01; the current quarter when absent."""
    return ranking.quarter_from_label(text) if text else scores.quarter_of(today)


def month_text(month: dt.date) -> str:
    return month.strftime("%Y-%m")


def photo_body_limit() -> int:
    # One photo, held to MAX_UPLOAD_BYTES, and the form's few fields.
    return get_config().max_upload_bytes + 64 * 1024


# ---- who may see which window or person -----------------------------------------------------------


async def own_window_id(request: Request) -> int | None:
    """A window person's own window (None for the office, or a person without a window)."""
    user = principal(request)
    if user.role != Role.STAFF:
        return None
    return (await get_staff(staff_id=own_staff(user), scope=await scope_of(request))).window_id


async def window_in_reach(request: Request, window_id: int) -> WindowRead:
    """A window of the caller's halls (404 otherwise); window staff reach their own only."""
    window = await get_window(window_id=window_id, scope=await scope_of(request))
    if principal(request).role == Role.STAFF and await own_window_id(request) != window.id:
        raise NotAllowed("只能查看和填报本人所在窗口的考核")
    return window


async def person_in_reach(request: Request, staff_id: int) -> StaffRead:
    """A person of the caller's halls (404 otherwise); window staff reach themselves only."""
    person = await get_staff(staff_id=staff_id, scope=await scope_of(request))
    user = principal(request)
    if user.role == Role.STAFF and own_staff(user) != person.id:
        raise NotAllowed("只能查看本人的考核")
    return person


async def month_of_window(request: Request, window: WindowRead, month: dt.date) -> SubjectMonthRead:
    return await scores.subject_month(
        hall_id=window.hall_id, month=month, now=local_now(request), window_id=window.id
    )


async def month_of_person(request: Request, person: StaffRead, month: dt.date) -> SubjectMonthRead:
    return await scores.subject_month(
        hall_id=person.hall_id, month=month, now=local_now(request), staff_id=person.id
    )


# ---- the spot-check form ------------------------------------------------------------------------------


async def finding_form(request: Request) -> tuple[dict[str, Any], list[str], Upload | None]:
    """A multipart (or urlencoded) spot check: its text fields without the blank ones, the
    rules ticked (`rule`, one or more) and the photo chosen, if any."""
    form = await request.form()
    values = {
        key: value
        for key, value in form.items()
        if key not in (PHOTO, RULE) and isinstance(value, str) and value.strip() != ""
    }
    rules = [value.strip() for value in form.getall(RULE, []) if isinstance(value, str) and value.strip()]
    photo = None
    item = form.get(PHOTO)
    if isinstance(item, UploadFile):
        content = await item.read()
        if item.filename or content:  # a file input left empty sends a nameless empty part
            photo = Upload(filename=item.filename or "", content=content)
    return values, rules, photo


def _finding_fields(values: dict[str, Any], rule: str | None) -> dict[str, Any]:
    fields = {key: value for key, value in values.items() if not key.startswith("points.")}
    if rule is not None:
        fields["rule"] = rule
        if values.get(f"points.{rule}") is not None:
            fields["points"] = values[f"points.{rule}"]
    return fields


async def record_spot_check(
    request: Request, values: dict[str, Any], rules: Sequence[str | None], photo: Upload | None
) -> list[FindingRead]:
    """One finding per rule ticked, all or none, in the window's hall. A rule's points come
    from `points.<rule>` (the form's field beside it) or `points`, else its default; `None`
    stands for the rule in `values` (the API's single finding)."""
    if not rules:
        raise InvalidInput.single("rule", "扣分项", "请至少选择一项")
    data = [FindingCreate.model_validate(_finding_fields(values, rule)) for rule in rules]
    scope = await scope_of(request)
    window = await get_window(window_id=data[0].window_id, scope=scope)
    return await findings.record_findings(
        hall_id=window.hall_id,
        data=data,
        photo=photo,
        limits=limits(request),
        scope=scope,
        actor_id=principal(request).account_id,
        today=local_now(request).date(),
    )


async def month_ledger(
    request: Request, hall_id: int, month: dt.date, *, window_id: int | None, staff_id: int | None
) -> list[FindingRead]:
    """A hall's month of findings, its automatic ones brought in step first."""
    await get_hall(hall_id=hall_id, scope=await scope_of(request))
    await scores.bring_up_to_date(hall_ids=[hall_id], months=[month], now=local_now(request))
    return await findings.list_findings(
        hall_id=hall_id, start=month, end=month_end(month), window_id=window_id, staff_id=staff_id
    )


async def reverse_with_reason(request: Request, finding_id: int, data: ReversalCreate) -> FindingRead:
    return await findings.reverse_finding(
        finding_id=finding_id,
        data=data,
        scope=await scope_of(request),
        actor_id=principal(request).account_id,
    )


async def sign_month_off(request: Request, hall_id: int, month: dt.date) -> None:
    await scores.sign_off(
        hall_id=hall_id,
        month=month,
        actor_id=principal(request).account_id,
        now=local_now(request),
        scope=await scope_of(request),
    )


async def file_for_window(
    request: Request, window: WindowRead, month: dt.date, data: SelfAssessmentWrite
) -> SelfAssessmentRead:
    return await self_assessments.file_self_assessment(
        window_id=window.id,
        month=month,
        data=data,
        actor_id=principal(request).account_id,
        now=local_now(request),
        scope=await scope_of(request),
    )


async def change_hall_rule(request: Request, hall_id: int, data: RuleWrite) -> RuleRead:
    return await rule_settings.change_rule(
        hall_id=hall_id,
        data=data,
        scope=await scope_of(request),
        actor_id=principal(request).account_id,
        today=local_now(request).date(),
    )


async def publish_quarter(
    request: Request, hall_id: int, quarter: dt.date, star_staff_id: int | None
) -> QuarterRead:
    published = await scores.publish_quarter(
        hall_id=hall_id,
        quarter=quarter,
        star_staff_id=star_staff_id,
        actor_id=principal(request).account_id,
        now=local_now(request),
        scope=await scope_of(request),
    )
    await make_documents(request, hall_id, DocumentKind.QUARTER_RANKING, published.quarter)
    return published


# ---- the API --------------------------------------------------------------------------------------------


class AssessmentApi(Controller):
    path = "/api/assessment"
    tags = ["考核"]

    @get("/months/{month:str}", opt=allow(OFFICE))
    async def month(
        self, request: Request, month: FromPath[str], hall_id: OptionalInt = None
    ) -> MonthScoresRead:
        """A hall's month (`YYYY-MM`): every window ranked with its trend, every person, the
        service stars, and whether it is signed off or may be."""
        return await scores.month_scores(
            hall_id=hall_of(principal(request), hall_id),
            month=parse_month(month, local_now(request).date()),
            now=local_now(request),
            scope=await scope_of(request),
        )

    @post("/months/{month:str}/sign-off", opt=allow(MANAGERS), status_code=200)
    async def sign_off(
        self, request: Request, month: FromPath[str], hall_id: OptionalInt = None
    ) -> MonthScoresRead:
        """签发: freeze a month that has ended; 409 before its end or once signed."""
        chosen, first = hall_of(principal(request), hall_id), parse_month(month, local_now(request).date())
        await sign_month_off(request, chosen, first)
        return await scores.month_scores(
            hall_id=chosen, month=first, now=local_now(request), scope=await scope_of(request)
        )

    @get("/windows/{window_id:int}/months/{month:str}", opt=allow(SUBJECT_READERS))
    async def window_month(
        self, request: Request, window_id: FromPath[int], month: FromPath[str]
    ) -> SubjectMonthRead:
        """A window's month down to its findings, with its self-assessment."""
        window = await window_in_reach(request, window_id)
        return await month_of_window(request, window, parse_month(month, local_now(request).date()))

    @get("/staff/{staff_id:int}/months/{month:str}", opt=allow(SUBJECT_READERS))
    async def staff_month(
        self, request: Request, staff_id: FromPath[int], month: FromPath[str]
    ) -> SubjectMonthRead:
        """A person's month down to its findings."""
        person = await person_in_reach(request, staff_id)
        return await month_of_person(request, person, parse_month(month, local_now(request).date()))

    @get("/findings", opt=allow(OFFICE))
    async def list_findings(
        self,
        request: Request,
        hall_id: OptionalInt = None,
        month: OptionalText = None,
        window_id: OptionalInt = None,
        staff_id: OptionalInt = None,
    ) -> list[FindingRead]:
        """The ledger of a hall's month (the current one unless `month=YYYY-MM`), oldest first:
        everything, what counts against a window, or against a person; reversals included."""
        return await month_ledger(
            request,
            hall_of(principal(request), hall_id),
            parse_month(month, local_now(request).date()),
            window_id=window_id,
            staff_id=staff_id,
        )

    @post("/findings", opt=allow(INSPECTION), request_max_body_size=photo_body_limit(), status_code=201)
    async def record_finding(self, request: Request) -> Response[FindingRead]:
        """A spot-check finding: a JSON FindingCreate, or the same fields as
        multipart/form-data with an image in `photo`. 201 with the finding."""
        if request.content_type[0] in ("multipart/form-data", "application/x-www-form-urlencoded"):
            values, rules, photo = await finding_form(request)
        else:
            try:
                values, photo = await request.json(), None
            except SerializationException:
                raise ValidationException() from None
            if not isinstance(values, dict):
                raise ValidationException()
            rules = []
        (finding,) = await record_spot_check(request, values, rules[:1] or [None], photo)
        return Response(finding, status_code=201)

    @get("/findings/{finding_id:int}", opt=allow(OFFICE))
    async def finding(self, request: Request, finding_id: FromPath[int]) -> FindingRead:
        return await findings.get_finding(finding_id=finding_id, scope=await scope_of(request))

    @get("/findings/{finding_id:int}/photo", opt=allow(OFFICE))
    async def photo(self, request: Request, finding_id: FromPath[int]) -> File:
        """The photo an inspector took with a finding."""
        path, content_type = await findings.finding_photo(
            finding_id=finding_id, scope=await scope_of(request)
        )
        return File(
            path=config(request).media_dir / path,
            filename=path.rsplit("/", 1)[-1],
            media_type=content_type,
            content_disposition_type="inline",
        )

    @post("/findings/{finding_id:int}/reverse", opt=allow(MANAGERS), status_code=200)
    async def reverse(
        self, request: Request, finding_id: FromPath[int], data: JSONBody[ReversalCreate]
    ) -> FindingRead:
        """冲销: reverse a finding by a new record with its reason, `{"reason": "..."}`; the
        finding with `reversed_by_id` set."""
        return await reverse_with_reason(request, finding_id, data)

    @get("/rules", opt=allow(OFFICE))
    async def rules(
        self, request: Request, hall_id: OptionalInt = None, on: OptionalDate = None
    ) -> list[RuleRead]:
        """The rules in force for a hall on a day (today by default), inactive ones included."""
        return await rule_settings.rules_in_force(
            hall_id=hall_of(principal(request), hall_id),
            on=on or local_now(request).date(),
            scope=await scope_of(request),
        )

    @post("/rules", opt=allow(MANAGERS), status_code=201)
    async def change_rule(
        self, request: Request, data: JSONBody[RuleWrite], hall_id: OptionalInt = None
    ) -> RuleRead:
        """A new version of a rule, or a new rule (RuleWrite), in force from its date on."""
        return await change_hall_rule(request, hall_of(principal(request), hall_id), data)

    @get("/self-assessments", opt=allow(OFFICE))
    async def self_assessments(
        self, request: Request, hall_id: OptionalInt = None, month: OptionalText = None
    ) -> list[SelfAssessmentRead]:
        """Every window's self-assessment of a month, or its absence; late ones marked."""
        chosen = hall_of(principal(request), hall_id)
        await get_hall(hall_id=chosen, scope=await scope_of(request))
        today = local_now(request).date()
        return await self_assessments.month_self_assessments(
            hall_id=chosen, month=parse_month(month, today), today=today
        )

    @post("/windows/{window_id:int}/self-assessments/{month:str}", opt=allow(FILERS), status_code=200)
    async def file_self_assessment(
        self,
        request: Request,
        window_id: FromPath[int],
        month: FromPath[str],
        data: JSONBody[SelfAssessmentWrite],
    ) -> SelfAssessmentRead:
        """自查自评 (SelfAssessmentWrite): by the window's staff, or the director for it."""
        window = await window_in_reach(request, window_id)
        return await file_for_window(request, window, parse_month(month, local_now(request).date()), data)

    @get("/quarters/{quarter:str}", opt=allow(OFFICE))
    async def quarter(
        self, request: Request, quarter: FromPath[str], hall_id: OptionalInt = None
    ) -> QuarterRead:
        """A quarter (`2026-Q3`): the windows ranked with their grades, the monthly service
        stars and the proposal; as published once published."""
        return await scores.quarter_report(
            hall_id=hall_of(principal(request), hall_id),
            quarter=parse_quarter(quarter, local_now(request).date()),
            now=local_now(request),
            scope=await scope_of(request),
        )

    @post("/quarters/{quarter:str}/publish", opt=allow(MANAGERS), status_code=200)
    async def publish(
        self,
        request: Request,
        quarter: FromPath[str],
        data: JSONBody[QuarterPublish],
        hall_id: OptionalInt = None,
    ) -> QuarterRead:
        """季度公示 `{"star_staff_id": 12}` (or `{}`: the proposal); 409 while a month of the
        quarter is not signed off."""
        return await publish_quarter(
            request,
            hall_of(principal(request), hall_id),
            parse_quarter(quarter, local_now(request).date()),
            data.star_staff_id,
        )


ROUTES = [AssessmentApi]
