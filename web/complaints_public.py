"""The public complaint page: anyone files a complaint without an account (a one-time
question to answer, a limit per address), takes away a number and a code, and follows the
complaint with both. Pages under /complain, the same as JSON under /api/public/complaints.

The pages show no navigation of the staff app, and a lookup says the same thing whether
the number does not exist or the code is wrong (complaints/public.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import SerializationException, ValidationException
from litestar.params import JSONBody, QueryParameter
from litestar.response import Template

from complaints import public
from complaints.attachments import MAX_FILES, Limits, Upload
from complaints.schemas import Challenge, ComplaintFiled, PublicComplaintCreate, PublicStatus, TrackRequest
from complaints.tables import ReplyChannel
from complaints.workflow import STATE_LABELS
from hall.config import get_config
from hall.errors import DomainError
from hall.schemas import HallRead
from hall.services import list_halls, list_windows
from web.guards import PUBLIC
from web.pages import WEEKDAYS, config, render, render_form

OptionalInt = Annotated[int | None, QueryParameter(required=False)]
OptionalText = Annotated[str | None, QueryParameter(required=False)]
ATTACHMENTS = "attachments"
NO_STORE = {"Cache-Control": "no-store"}  # the code is on the page: no cache keeps it
REPLY_CHANNELS = {
    ReplyChannel.ON_THE_SPOT: "当场答复",
    ReplyChannel.IN_PERSON: "当面答复",
    ReplyChannel.PHONE: "电话答复",
    ReplyChannel.WRITTEN: "书面答复",
    ReplyChannel.ONLINE: "网上答复",
}


def body_limit() -> int:
    # Each file is held to MAX_UPLOAD_BYTES on its own; a filing carries up to five.
    return MAX_FILES * get_config().max_upload_bytes + 64 * 1024


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def limits(request: Request) -> Limits:
    return Limits(max_bytes=config(request).max_upload_bytes, max_pixels=config(request).max_image_pixels)


async def submitted(request: Request) -> tuple[dict[str, Any], list[Upload]]:
    """A multipart (or urlencoded) form: its text fields without the blank ones (optional
    fields then take their defaults), and the files chosen in `attachments`."""
    form = await request.form()
    values = {
        key: value
        for key, value in form.items()
        if key != ATTACHMENTS and isinstance(value, str) and value.strip() != ""
    }
    uploads = []
    for item in form.getall(ATTACHMENTS, []):
        if not isinstance(item, UploadFile):
            continue
        content = await item.read()
        if item.filename or content:  # a file input left empty sends a nameless empty part
            uploads.append(Upload(filename=item.filename or "", content=content))
    return values, uploads


async def _file(request: Request, values: dict[str, Any], uploads: list[Upload]) -> ComplaintFiled:
    return await public.file_complaint(
        data=PublicComplaintCreate.model_validate(values),
        uploads=uploads,
        client=_client(request),
        now=_utc_now(),
        local_now=config(request).local_now(),
        limits=limits(request),
    )


def _hall_id(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _context() -> dict[str, Any]:
    return {
        "state_labels": STATE_LABELS,
        "reply_channels": REPLY_CHANNELS,
        "weekdays": WEEKDAYS,
        "max_files": MAX_FILES,
    }


async def _form_page(
    request: Request, *, hall_id: int | None, error: DomainError | None, values: dict[str, Any]
) -> Template:
    """The form for a hall with a new question, or the list of halls to choose from."""
    halls = await list_halls(scope=None)
    hall = _chosen(halls, hall_id)
    if hall is None:
        return render_form(
            request, "complaints_public/halls.html", error=error, values={}, halls=halls, **_context()
        )
    windows = [w for w in await list_windows(scope=None, hall_id=hall.id) if w.active]
    # What was typed is kept, except the answer: a question is answered once, right or wrong.
    kept = {key: value for key, value in values.items() if key not in ("challenge", "answer")}
    response = render_form(
        request,
        "complaints_public/form.html",
        error=error,
        values=kept,
        hall=hall,
        halls=halls,
        windows=windows,
        challenge=await public.new_challenge(client=_client(request), now=_utc_now()),
        now=config(request).local_now(),
        **_context(),
    )
    response.headers.update(NO_STORE)
    return response


def _chosen(halls: list[HallRead], hall_id: int | None) -> HallRead | None:
    if hall_id is None and len(halls) == 1:
        return halls[0]
    return next((hall for hall in halls if hall.id == hall_id), None)


async def _track_page(
    request: Request, *, error: DomainError | None, number: str, status: PublicStatus | None = None
) -> Template:
    response = render_form(
        request,
        "complaints_public/track.html",
        error=error,
        values={"number": number},
        status=status,
        **_context(),
    )
    response.headers.update(NO_STORE)
    return response


class PublicComplaintPages(Controller):
    path = "/complain"

    @get("/", opt=PUBLIC)
    async def form(self, request: Request, hall_id: OptionalInt = None) -> Template:
        """The halls to choose from, or the form for the chosen one (`?hall_id=`)."""
        return await _form_page(request, hall_id=hall_id, error=None, values={})

    @post("/", opt=PUBLIC, request_max_body_size=body_limit(), status_code=200)
    async def file(self, request: Request) -> Template:
        values, uploads = await submitted(request)
        try:
            filed = await _file(request, values, uploads)
        except DomainError as error:
            return await _form_page(
                request, hall_id=_hall_id(values.get("hall_id")), error=error, values=values
            )
        halls = await list_halls(scope=None)
        response = render(
            request,
            "complaints_public/filed.html",
            filed=filed,
            hall=_chosen(halls, _hall_id(values.get("hall_id"))),
            **_context(),
        )
        response.headers.update(NO_STORE)
        return response

    @get("/track", opt=PUBLIC)
    async def track_form(self, request: Request, number: OptionalText = None) -> Template:
        return await _track_page(request, error=None, number=(number or "").strip())

    @post("/track", opt=PUBLIC, status_code=200)
    async def track(self, request: Request) -> Template:
        form = await request.form()
        number = str(form.get("number") or "").strip()
        try:
            status = await public.track(
                **TrackRequest.model_validate(
                    {"number": number, "code": str(form.get("code") or "")}
                ).model_dump(),
                client=_client(request),
                now=_utc_now(),
            )
        except DomainError as error:
            return await _track_page(request, error=error, number=number)
        return await _track_page(request, error=None, number=number, status=status)


class PublicComplaintApi(Controller):
    path = "/api/public/complaints"

    @get("/challenge", opt=PUBLIC)
    async def challenge(self, request: Request) -> Response[Challenge]:
        """A question to answer with the filing: send back its `token` as `challenge` and the
        sum as `answer`. Each question is good for one filing, right or wrong, for 30 minutes."""
        return Response(await public.new_challenge(client=_client(request), now=_utc_now()), headers=NO_STORE)

    @post("/", opt=PUBLIC, request_max_body_size=body_limit(), status_code=201)
    async def file(self, request: Request) -> Response[ComplaintFiled]:
        """A complaint: a JSON PublicComplaintCreate, or the same fields as multipart/form-data
        with up to five images or PDFs in `attachments`. 201 with the number (in `status`) and
        the code to follow it with; 422 for a wrong answer (ask a new question), 429 when this
        address has filed too often in the last hour."""
        if request.content_type[0] in ("multipart/form-data", "application/x-www-form-urlencoded"):
            values, uploads = await submitted(request)
        else:
            try:
                values, uploads = await request.json(), []
            except SerializationException:
                raise ValidationException() from None
        filed = await _file(request, values, uploads)
        return Response(filed, status_code=201, headers=NO_STORE)

    @post("/track", opt=PUBLIC, status_code=200)
    async def track(self, request: Request, data: JSONBody[TrackRequest]) -> Response[PublicStatus]:
        """The state of a complaint for its number and code; 404 with the same message whether
        the number does not exist or the code is wrong; 429 after too many failed tries."""
        status = await public.track(
            number=data.number, code=data.code, client=_client(request), now=_utc_now()
        )
        return Response(status, headers=NO_STORE)


ROUTES = [PublicComplaintPages, PublicComplaintApi]
