"""The complaint desk (issue 6): the officers' and the director's intake, board, workflow and
monthly statistics, the other office roles' reading, and a window's staff seeing their own
window's complaints (without the complainant) and reporting back on what was passed to them.
This module is the JSON API under /api/complaints and what the pages share with it (the
caller, the submitted form, intake); the pages under /complaints are complaints_pages.py,
the public page complaints_public.py.

Who sees the complainant, and the log of each look, are the services' doing
(complaints/access.py); the handlers build the caller's `Viewer` and call them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import SerializationException, ValidationException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import File
from pydantic import BaseModel

from complaints import reminders, services, statistics, workflow
from complaints.access import DESK, READERS, Viewer
from complaints.attachments import Upload
from complaints.deadlines import ComplaintClass
from complaints.schemas import (
    AssignRequest,
    AttachmentRead,
    BoardCounts,
    ComplaintCreate,
    ComplaintRead,
    DecisionCreate,
    ExtensionCreate,
    FollowUpCreate,
    MonthStatistics,
    NoteCreate,
    ReasonCreate,
    ReminderRead,
    ReplyCreate,
    ReportCreate,
)
from complaints.tables import Channel, State
from hall.roles import MANAGERS, Role
from hall.services import get_hall, get_staff
from web.attendance import hall_of, parse_month
from web.complaints_public import body_limit, limits, submitted
from web.guards import allow
from web.pages import (
    local_now,
    principal,
    scope_of,
)

OptionalInt = Annotated[int | None, QueryParameter(required=False)]
OptionalText = Annotated[str | None, QueryParameter(required=False)]
OptionalBool = Annotated[bool | None, QueryParameter(required=False)]
OptionalClass = Annotated[ComplaintClass | None, QueryParameter(required=False)]
OptionalChannel = Annotated[Channel | None, QueryParameter(required=False)]
# `state` is a name Litestar keeps for the app's state: the filter is read under another.
StateFilter = Annotated[State | None, QueryParameter(name="state", required=False)]
StateText = Annotated[str | None, QueryParameter(name="state", required=False)]

# Who reports back on a part passed to a window: its staff, or the desk on its behalf.
REPORTERS = DESK | {Role.STAFF}
STATISTICS_READERS = DESK | MANAGERS
NO_STORE = {"Cache-Control": "no-store"}  # pages and answers that carry the code or the complainant


class ComplaintRegistered(BaseModel):
    """A complaint taken at the desk, and the code its complainant follows it with (shown once)."""

    complaint: ComplaintRead
    code: str


class BoardEntry(ComplaintRead):
    urgency: str  # overdue | today | warning | calm | answered


class BoardRead(BaseModel):
    counts: BoardCounts
    complaints: list[BoardEntry]


class StatisticsRead(BaseModel):
    hall_id: int
    month: str  # YYYY-MM
    windows: list[MonthStatistics]
    total: MonthStatistics


# ---- the caller, the clock, the submitted form -------------------------------------------------------


async def viewer(request: Request) -> Viewer:
    """The caller as the complaint services see them: a window's staff with their window."""
    user = principal(request)
    scope = await scope_of(request)
    window_id = None
    if user.role == Role.STAFF and user.staff_id is not None:
        window_id = (await get_staff(staff_id=user.staff_id, scope=scope)).window_id
    return Viewer(
        account_id=user.account_id,
        role=user.role,
        scope=scope,
        window_id=window_id,
        client=request.client.host if request.client else "",
        place=request.url.path,
    )


def now_of(request: Request) -> dt.datetime:
    """The halls' wall-clock time, naive, as the complaint services count."""
    return local_now(request).replace(tzinfo=None)


async def register(
    request: Request, values: dict[str, Any], uploads: list[Upload]
) -> tuple[ComplaintRead, str]:
    return await services.register_complaint(
        data=ComplaintCreate.model_validate(values),
        uploads=uploads,
        viewer=await viewer(request),
        now=now_of(request),
        limits=limits(request),
    )


def board_entries(reads: list[ComplaintRead], now: dt.datetime) -> list[BoardEntry]:
    return [BoardEntry(**read.model_dump(), urgency=services.urgency(read, now)) for read in reads]


async def month_figures(request: Request, hall_id: int, month: dt.date) -> StatisticsRead:
    scope = await scope_of(request)
    await get_hall(hall_id=hall_id, scope=scope)  # another hall's figures: 404, not an empty table
    rows = await statistics.month_statistics(
        hall_id=hall_id, month=month, viewer=await viewer(request), now=now_of(request)
    )
    return StatisticsRead(
        hall_id=hall_id, month=month.strftime("%Y-%m"), windows=rows, total=statistics.total(rows)
    )


# ---- the API -----------------------------------------------------------------------------------------


class ComplaintApi(Controller):
    path = "/api/complaints"
    tags = ["投诉"]

    @post("/", opt=allow(DESK), request_max_body_size=body_limit(), status_code=201)
    async def register(self, request: Request) -> Response[ComplaintRegistered]:
        """A complaint taken at the desk: a JSON ComplaintCreate, or the same fields as
        multipart/form-data with up to five images or PDFs in `attachments`. 201 with the
        complaint and the code its complainant follows it with (shown this once)."""
        if request.content_type[0] in ("multipart/form-data", "application/x-www-form-urlencoded"):
            values, uploads = await submitted(request)
        else:
            try:
                values, uploads = await request.json(), []
            except SerializationException:
                raise ValidationException() from None
        read, code = await register(request, values, uploads)
        return Response(ComplaintRegistered(complaint=read, code=code), status_code=201, headers=NO_STORE)

    @get("/", opt=allow(READERS))
    async def board(
        self,
        request: Request,
        hall_id: OptionalInt = None,
        window_id: OptionalInt = None,
        complaint_class: OptionalClass = None,
        channel: OptionalChannel = None,
        state_filter: StateFilter = None,
        open_only: OptionalBool = None,
    ) -> BoardRead:
        """The complaints the caller may read, the least time left first, with the board's
        counts (open, overdue, due today, extended) of those listed; never the complainant."""
        now = now_of(request)
        reads = await services.list_complaints(
            viewer=await viewer(request),
            now=now,
            hall_id=hall_id,
            window_id=window_id,
            complaint_class=complaint_class,
            channel=channel,
            state=state_filter,
            open_only=bool(open_only),
        )
        return BoardRead(counts=services.board_counts(reads, now), complaints=board_entries(reads, now))

    @get("/statistics", opt=allow(STATISTICS_READERS))
    async def statistics(
        self, request: Request, hall_id: OptionalInt = None, month: OptionalText = None
    ) -> StatisticsRead:
        """A hall's month (`month=YYYY-MM`, the current one by default) per window: received,
        answered on time, extended, overdue, upheld; with the totals."""
        month_start = parse_month(month, now_of(request).date())
        return await month_figures(request, hall_of(principal(request), hall_id), month_start)

    @get("/reminders", opt=allow(READERS))
    async def reminders(self, request: Request) -> list[ReminderRead]:
        """The reminders meant for the caller: the desk's (and the director's), or their window's."""
        return await reminders.list_reminders(viewer=await viewer(request))

    @get("/attachments/{attachment_id:int}", opt=allow(READERS))
    async def attachment(self, request: Request, attachment_id: FromPath[int]) -> File:
        """A complaint's file, for whoever may read the complaint."""
        read, path = await services.attachment_file(attachment_id=attachment_id, viewer=await viewer(request))
        return File(
            path=path,
            filename=read.filename,
            media_type=read.content_type,
            content_disposition_type="inline",
            headers=NO_STORE,
        )

    @get("/{complaint_id:int}", opt=allow(READERS))
    async def detail(self, request: Request, complaint_id: FromPath[int]) -> Response[ComplaintRead]:
        """One complaint with all its steps; the complainant for the desk (each look logged)."""
        read = await services.get_complaint(
            complaint_id=complaint_id, viewer=await viewer(request), now=now_of(request)
        )
        return Response(read, headers=NO_STORE)

    @get("/{complaint_id:int}/identity-views", opt=allow(DESK))
    async def identity_views(self, request: Request, complaint_id: FromPath[int]) -> list[dict[str, Any]]:
        """Who looked at the complainant's name and contact, when and from where; newest first."""
        return await services.identity_views(complaint_id=complaint_id, viewer=await viewer(request))

    @post("/{complaint_id:int}/assign", opt=allow(DESK), status_code=200)
    async def assign(
        self, request: Request, complaint_id: FromPath[int], data: JSONBody[AssignRequest]
    ) -> ComplaintRead:
        """Pass to one or more units (windows of the hall or departments), each with its part
        and due time; two or more units make the complaint complex."""
        return await workflow.assign(
            complaint_id=complaint_id, data=data, viewer=await viewer(request), now=now_of(request)
        )

    @post("/{complaint_id:int}/units/{unit_id:int}/report", opt=allow(REPORTERS), status_code=200)
    async def report(
        self,
        request: Request,
        complaint_id: FromPath[int],
        unit_id: FromPath[int],
        data: JSONBody[ReportCreate],
    ) -> ComplaintRead:
        """A unit reports back: the staff of the window it was passed to, or the desk."""
        return await workflow.report(
            complaint_id=complaint_id,
            unit_id=unit_id,
            data=data,
            viewer=await viewer(request),
            now=now_of(request),
        )

    @post("/{complaint_id:int}/reply", opt=allow(DESK), status_code=200)
    async def reply(
        self, request: Request, complaint_id: FromPath[int], data: JSONBody[ReplyCreate]
    ) -> ComplaintRead:
        return await workflow.reply(
            complaint_id=complaint_id, data=data, viewer=await viewer(request), now=now_of(request)
        )

    @post("/{complaint_id:int}/extend", opt=allow(DESK), status_code=200)
    async def extend(
        self, request: Request, complaint_id: FromPath[int], data: JSONBody[ExtensionCreate]
    ) -> ComplaintRead:
        """A later deadline with its reason and how the complainant was told; the original stays."""
        return await workflow.extend(
            complaint_id=complaint_id, data=data, viewer=await viewer(request), now=now_of(request)
        )

    @post("/{complaint_id:int}/decide", opt=allow(DESK), status_code=200)
    async def decide(
        self, request: Request, complaint_id: FromPath[int], data: JSONBody[DecisionCreate]
    ) -> ComplaintRead:
        return await workflow.decide(
            complaint_id=complaint_id, data=data, viewer=await viewer(request), now=now_of(request)
        )

    @post("/{complaint_id:int}/close", opt=allow(DESK), status_code=200)
    async def close(
        self, request: Request, complaint_id: FromPath[int], data: JSONBody[NoteCreate]
    ) -> ComplaintRead:
        return await workflow.close(
            complaint_id=complaint_id, note=data.note, viewer=await viewer(request), now=now_of(request)
        )

    @post("/{complaint_id:int}/follow-up", opt=allow(DESK), status_code=200)
    async def follow_up(
        self, request: Request, complaint_id: FromPath[int], data: JSONBody[FollowUpCreate]
    ) -> ComplaintRead:
        return await workflow.follow_up(
            complaint_id=complaint_id, data=data, viewer=await viewer(request), now=now_of(request)
        )

    @post("/{complaint_id:int}/reopen", opt=allow(DESK), status_code=200)
    async def reopen(
        self, request: Request, complaint_id: FromPath[int], data: JSONBody[ReasonCreate]
    ) -> ComplaintRead:
        """Back to work with a reason: the finding is withdrawn, a new deadline counted."""
        return await workflow.reopen(
            complaint_id=complaint_id, reason=data.reason, viewer=await viewer(request), now=now_of(request)
        )

    @post(
        "/{complaint_id:int}/attachments",
        opt=allow(DESK),
        request_max_body_size=body_limit(),
        status_code=201,
    )
    async def attach(self, request: Request, complaint_id: FromPath[int]) -> list[AttachmentRead]:
        """multipart/form-data with up to five images or PDFs in `attachments`; the complaint's
        files after."""
        _, uploads = await submitted(request)
        return await services.add_attachments(
            complaint_id=complaint_id, uploads=uploads, viewer=await viewer(request), limits=limits(request)
        )


# ---- the pages ---------------------------------------------------------------------------------------


ROUTES = [ComplaintApi]
