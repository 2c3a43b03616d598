"""Documents the product hands out (月度考勤表, 季度排名公示): what a builder returns, and
the record of every file generated, kept with its time and who asked for it.

A builder (`attendance.export.export_month`, `assessment.ranking_export.export_ranking`)
returns an `Export`; `fingerprint` is a digest of the data the document shows, not of its
bytes (which carry the time it was made), so that generating it again from the same data is
recognised and stored once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import importlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from hall import db
from hall.config import get_config
from hall.errors import DomainError, InvalidInput, NotFound, describe
from hall.services import HallScope, get_hall
from hall.tables import DocumentJob, DocumentKind, GeneratedFile, Trigger, Window

log = logging.getLogger(__name__)


class Format(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"
    PDF = "pdf"


CONTENT_TYPES = {
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.CSV: "text/csv; charset=utf-8",
    Format.PDF: "application/pdf",
}

# Steps done, steps in all: a long export reports as it goes (the page's progress bar, the
# command line's).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Export:
    content: bytes
    filename: str  # e.g. 示范镇便民服务中心-2026年10月考勤汇总.xlsx
    format: Format
    fingerprint: str
    draft: bool = False

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def fingerprint(data: Any) -> str:
    """A digest of JSON-able data (dates and decimals as text)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ---- making and keeping documents -------------------------------------------------------------


@dataclass(frozen=True)
class Builder:
    """How a kind of document is made, by import paths ("module:function"): the domain
    packages build, this one keeps. The function takes hall_id, the period under
    `period_keyword`, format, now, scope and progress; `reader` reads a period as people
    write it ("2026-10", "2026-Q3")."""

    function: str
    period_keyword: str
    reader: str


BUILDERS = {
    DocumentKind.ATTENDANCE_MONTH: Builder(
        "attendance.export:export_month", "month", "attendance.months:month_from_label"
    ),
    DocumentKind.QUARTER_RANKING: Builder(
        "assessment.ranking_export:export_ranking", "quarter", "assessment.ranking:quarter_from_label"
    ),
}
FORMATS = {
    DocumentKind.ATTENDANCE_MONTH: (Format.XLSX, Format.PDF, Format.CSV),
    DocumentKind.QUARTER_RANKING: (Format.PDF, Format.XLSX),
}
KIND_LABELS = {
    DocumentKind.ATTENDANCE_MONTH: "月度考勤汇总",
    DocumentKind.QUARTER_RANKING: "季度窗口考核排名",
}
FOLDER = "documents"


class DocumentRead(BaseModel):
    id: int
    hall_id: int
    hall_name: str
    kind: DocumentKind
    kind_label: str
    period: dt.date
    format: Format
    draft: bool
    filename: str
    size: int
    trigger: Trigger
    generated_by: str | None
    generated_at: dt.datetime


class DocumentJobRead(BaseModel):
    id: int
    hall_id: int
    kind: DocumentKind
    period: dt.date
    format: Format
    state: str  # queued, running, done, failed
    done: int
    total: int
    error: str
    document_id: int | None


def _document_read(row: dict[str, Any]) -> DocumentRead:
    return DocumentRead(
        id=row["id"],
        hall_id=row["hall"],
        hall_name=row["hall_name"],
        kind=row["kind"],
        kind_label=KIND_LABELS[DocumentKind(row["kind"])],
        period=row["period"],
        format=row["format"],
        draft=row["draft"],
        filename=row["filename"],
        size=row["size"],
        trigger=row["trigger"],
        generated_by=row["by_name"],
        generated_at=row["generated_at"],
    )


def _documents():
    return GeneratedFile.select(
        GeneratedFile.all_columns(),
        GeneratedFile.hall.name.as_alias("hall_name"),
        GeneratedFile.generated_by.display_name.as_alias("by_name"),
    )


async def list_documents(
    *, scope: HallScope, hall_id: int | None = None, kind: DocumentKind | None = None, limit: int = 200
) -> list[DocumentRead]:
    query = _documents().order_by(GeneratedFile.generated_at, ascending=False).limit(limit)
    if hall_id is not None:
        await get_hall(hall_id=hall_id, scope=scope)
        query = query.where(GeneratedFile.hall == hall_id)
    elif scope is not None:
        query = query.where(GeneratedFile.hall.is_in(list(scope) or [-1]))
    if kind is not None:
        query = query.where(GeneratedFile.kind == kind)
    return [_document_read(row) for row in await query]


async def document_file(*, document_id: int, scope: HallScope) -> tuple[Path, DocumentRead]:
    row = await _documents().where(GeneratedFile.id == document_id).first()
    if row is None or (scope is not None and row["hall"] not in scope):
        raise NotFound("没有找到这份文件")
    return get_config().media_dir / row["path"], _document_read(row)


async def keep(
    export: Export,
    *,
    hall_id: int,
    kind: DocumentKind,
    period: dt.date,
    trigger: Trigger,
    actor_id: int | None,
) -> DocumentRead:
    """Keep a document made: its file under the media folder and its record. The same
    content made again is found, not kept twice (its first time and requester stay)."""
    key = (
        (GeneratedFile.hall == hall_id)
        & (GeneratedFile.kind == kind)
        & (GeneratedFile.period == period)
        & (GeneratedFile.format == export.format)
        & (GeneratedFile.fingerprint == export.fingerprint)
    )
    found = await _documents().where(key).first()
    if found is not None:
        return _document_read(found)
    relative = f"{FOLDER}/{hall_id}/{kind}/{period:%Y-%m}/{export.fingerprint[:16]}.{export.format}"
    target = get_config().media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(export.content)
    partial.replace(target)  # a reader never sees half a file
    row = {
        "hall": hall_id,
        "kind": kind,
        "period": period,
        "format": export.format,
        "draft": export.draft,
        "fingerprint": export.fingerprint,
        "filename": export.filename,
        "path": relative,
        "size": len(export.content),
        "trigger": trigger,
        "generated_by": actor_id,
        "generated_at": dt.datetime.now(dt.UTC),
    }
    # Two makers of the same content at once: the unique index keeps one record.
    async with db.transaction():
        await db.insert_new(GeneratedFile, list(row), [tuple(row.values())])
    return _document_read(await _documents().where(key).first())


def _imported(path: str) -> Any:
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def builder(kind: DocumentKind) -> tuple[Callable[..., Awaitable[Export]], str]:
    """The function that makes the kind of document, and its period's keyword."""
    return _imported(BUILDERS[kind].function), BUILDERS[kind].period_keyword


def period_from_label(kind: DocumentKind, text: str) -> dt.date:
    """ "2026-10" -> 2026-10-01 for a month's document, "2026-Q3" -> 2026-07-01 for a
    quarter's; InvalidInput else."""
    return _imported(BUILDERS[kind].reader)(text)


async def generate(
    *,
    hall_id: int,
    kind: DocumentKind,
    period: dt.date,
    format: Format,
    now: dt.datetime,
    trigger: Trigger,
    actor_id: int | None = None,
    scope: HallScope = None,
    progress: Progress | None = None,
) -> DocumentRead:
    """Make a document and keep it (once per content)."""
    build, period_keyword = builder(kind)
    export = await build(
        hall_id=hall_id, format=format, now=now, scope=scope, progress=progress, **{period_keyword: period}
    )
    return await keep(export, hall_id=hall_id, kind=kind, period=period, trigger=trigger, actor_id=actor_id)


# ---- documents asked for from a page, made in the background ------------------------------------


def _job_read(row: dict[str, Any]) -> DocumentJobRead:
    return DocumentJobRead(
        id=row["id"],
        hall_id=row["hall"],
        kind=row["kind"],
        period=row["period"],
        format=row["format"],
        state=row["state"],
        done=row["done"],
        total=row["total"],
        error=row["error"],
        document_id=row["document"],
    )


async def request_document(
    *,
    hall_id: int,
    kind: DocumentKind,
    period: dt.date,
    format: Format,
    actor_id: int | None,
    scope: HallScope,
) -> DocumentJobRead:
    """A document asked for: a job the page follows (`job_state`) while `make_document`
    runs it in the background."""
    await get_hall(hall_id=hall_id, scope=scope)
    if format not in FORMATS[kind]:
        raise InvalidInput.single("format", "格式", "这种文件没有 {format} 格式", format=format)
    inserted = await DocumentJob.insert(
        DocumentJob(
            hall=hall_id,
            kind=kind,
            period=period,
            format=format,
            requested_by=actor_id,
            requested_at=dt.datetime.now(dt.UTC),
        )
    ).returning(DocumentJob.id)
    row = await DocumentJob.select().where(DocumentJob.id == inserted[0]["id"]).first()
    return _job_read(row)


async def job_state(*, job_id: int, scope: HallScope) -> DocumentJobRead:
    row = await DocumentJob.select().where(DocumentJob.id == job_id).first()
    if row is None or (scope is not None and row["hall"] not in scope):
        raise NotFound("没有找到这项生成任务")
    return _job_read(row)


PROGRESS_EVERY = 0.5  # seconds between the progress a page sees
TIMED_OUT = "生成超时，请稍后重试或联系管理员"


async def run_job(*, job_id: int, now: dt.datetime) -> DocumentJobRead | None:
    """Make the document a job asks for, its progress written as it goes; a job already
    done (a retried one) is left as it is."""
    job = await DocumentJob.select().where(DocumentJob.id == job_id).first()
    if job is None or job["state"] == "done":
        return _job_read(job) if job else None
    steps = {"done": 0, "total": 0}

    def progress(done: int, total: int) -> None:
        steps.update(done=done, total=total)

    async def report() -> None:
        while True:
            await DocumentJob.update(
                {DocumentJob.done: steps["done"], DocumentJob.total: steps["total"]}
            ).where(DocumentJob.id == job_id)
            await asyncio.sleep(PROGRESS_EVERY)

    await DocumentJob.update({DocumentJob.state: "running"}).where(DocumentJob.id == job_id)
    reporter = asyncio.create_task(report())
    try:
        document = await generate(
            hall_id=job["hall"],
            kind=DocumentKind(job["kind"]),
            period=job["period"],
            format=Format(job["format"]),
            now=now,
            trigger=Trigger.PAGE,
            actor_id=job["requested_by"],
            progress=progress,
        )
    except asyncio.CancelledError:
        # arq cancels a job past its timeout and does not retry it: without this the page
        # would wait on a job "running" for ever.
        await DocumentJob.update({DocumentJob.state: "failed", DocumentJob.error: TIMED_OUT}).where(
            DocumentJob.id == job_id
        )
        raise
    except Exception as error:
        log.exception("document job %s failed", job_id)
        update = {DocumentJob.state: "failed", DocumentJob.error: _failure(error)}
    else:
        update = {
            DocumentJob.state: "done",
            DocumentJob.document: document.id,
            DocumentJob.done: steps["total"] or 1,
            DocumentJob.total: steps["total"] or 1,
        }
    finally:
        reporter.cancel()
    await DocumentJob.update(update).where(DocumentJob.id == job_id)
    return await job_state(job_id=job_id, scope=None)


def _failure(error: Exception) -> str:
    """What the page says of a failed job: the product's own refusals are worded for the
    clerk; anything else is not shown as it is."""
    if isinstance(error, DomainError):
        return describe(error)
    return "生成失败，请稍后重试或联系管理员"


async def township_halls() -> list[int]:
    """The halls with windows of their own: those whose documents the schedule makes."""
    rows = await Window.select(Window.hall).distinct()
    return sorted({row["hall"] for row in rows})
