"""Documents to hand out (月度考勤汇总, 季度窗口考核排名): the files made so far with when and
at whose request, making one now with its progress followed, and downloading one. The
attendance office of a hall (director, clerk) and the admin; the builders are the domain
packages' (hall/documents.py says which)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import File, Redirect, Template
from pydantic import BaseModel, Field

from hall import documents
from hall.documents import DocumentJobRead, DocumentRead, Format
from hall.errors import DomainError, InvalidInput
from hall.roles import ATTENDANCE_OFFICE
from hall.tables import DocumentKind
from web.guards import allow
from web.pages import config, form_values, hall_choice, local_now, principal, render, render_form, scope_of

OptionalInt = Annotated[int | None, QueryParameter(required=False)]
OptionalKind = Annotated[DocumentKind | None, QueryParameter(required=False)]
FORMAT_LABELS = {Format.XLSX: "Excel（XLSX）", Format.PDF: "PDF", Format.CSV: "CSV"}


class DocumentAsk(BaseModel):
    hall_id: int = Field(title="中心")
    kind: DocumentKind = Field(title="文件")
    period: str = Field(title="期间", description="月份 2026-10，或季度 2026-Q3")
    format: Format = Field(title="格式")


def _period(kind: DocumentKind, text: str) -> dt.date:
    """The form's period, whichever the kind's (a month, a quarter), its faults the field's."""
    if not text.strip():
        raise InvalidInput.single("period", "期间", "请填写期间")
    try:
        return documents.period_from_label(kind, text)
    except InvalidInput as error:
        raise InvalidInput([replace(item, field="period", label="期间") for item in error.errors]) from None


async def ask(request: Request, data: DocumentAsk) -> DocumentJobRead:
    """A document asked for: its job recorded, then made by a background worker."""
    job = await documents.request_document(
        hall_id=data.hall_id,
        kind=data.kind,
        period=_period(data.kind, data.period),
        format=data.format,
        actor_id=principal(request).account_id,
        scope=await scope_of(request),
    )
    await request.app.state.jobs.enqueue("make_document", job_id=job.id)
    return job


async def download(request: Request, document_id: int) -> File:
    path, document = await documents.document_file(document_id=document_id, scope=await scope_of(request))
    return File(path=path, filename=document.filename, media_type=documents.CONTENT_TYPES[document.format])


class DocumentsApi(Controller):
    path = "/api/documents"
    tags = ["documents"]

    @get("/", opt=allow(ATTENDANCE_OFFICE))
    async def list_documents(
        self, request: Request, hall_id: OptionalInt = None, kind: OptionalKind = None
    ) -> list[DocumentRead]:
        return await documents.list_documents(scope=await scope_of(request), hall_id=hall_id, kind=kind)

    @get("/{document_id:int}/file", opt=allow(ATTENDANCE_OFFICE))
    async def file(self, request: Request, document_id: FromPath[int]) -> File:
        return await download(request, document_id)

    @post("/jobs", opt=allow(ATTENDANCE_OFFICE), status_code=202)
    async def ask(self, request: Request, data: JSONBody[DocumentAsk]) -> DocumentJobRead:
        """Make a document in the background; follow it at /api/documents/jobs/{id}."""
        return await ask(request, data)

    @get("/jobs/{job_id:int}", opt=allow(ATTENDANCE_OFFICE))
    async def job(self, request: Request, job_id: FromPath[int]) -> DocumentJobRead:
        return await documents.job_state(job_id=job_id, scope=await scope_of(request))


class DocumentPages(Controller):
    path = "/documents"
    include_in_schema = False

    async def _index(
        self, request: Request, hall_id: int | None, error: DomainError | None, values: dict[str, Any]
    ) -> Template:
        halls, chosen = await hall_choice(request, hall_id)
        today = local_now(request).date()
        last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
        return render_form(
            request,
            "documents/index.html",
            error=error,
            values=values or {"period": last_month, "kind": DocumentKind.ATTENDANCE_MONTH},
            halls=halls,
            hall_id=chosen,
            documents=await documents.list_documents(scope=await scope_of(request), hall_id=chosen),
            kinds=documents.KIND_LABELS,
            formats=FORMAT_LABELS,
            timezone=config(request).timezone,
        )

    @get("/", opt=allow(ATTENDANCE_OFFICE))
    async def index(self, request: Request, hall_id: OptionalInt = None) -> Template:
        return await self._index(request, hall_id, None, {})

    @post("/", opt=allow(ATTENDANCE_OFFICE))
    async def make(self, request: Request) -> Response:
        values = await form_values(request)
        try:
            data = DocumentAsk(
                hall_id=int(values.get("hall_id") or 0),
                kind=values.get("kind") or DocumentKind.ATTENDANCE_MONTH,
                period=values.get("period") or "",
                format=values.get("format") or Format.XLSX,
            )
            job = await ask(request, data)
        except (DomainError, ValueError) as error:
            problem = (
                error
                if isinstance(error, DomainError)
                else InvalidInput.single("kind", "文件", "请选择文件和格式")
            )
            hall_id = int(values["hall_id"]) if str(values.get("hall_id", "")).isdigit() else None
            response = await self._index(request, hall_id, problem, values)
            response.status_code = problem.status_code
            return response
        return Redirect(f"/documents/jobs/{job.id}", status_code=303)

    @get("/jobs/{job_id:int}", opt=allow(ATTENDANCE_OFFICE))
    async def job(self, request: Request, job_id: FromPath[int]) -> Template:
        """The progress of a document being made; the page follows it until it is ready."""
        job = await documents.job_state(job_id=job_id, scope=await scope_of(request))
        return render(
            request, "documents/job.html", job=job, kinds=documents.KIND_LABELS, formats=FORMAT_LABELS
        )

    @get("/{document_id:int}", opt=allow(ATTENDANCE_OFFICE))
    async def file(self, request: Request, document_id: FromPath[int]) -> File:
        return await download(request, document_id)


ROUTES = [DocumentsApi, DocumentPages]
