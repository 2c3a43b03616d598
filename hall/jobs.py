"""Background jobs of the shared package; listed in `worker.py`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from hall import accounts, documents
from hall.config import get_config
from hall.tables import DocumentKind, Trigger

log = logging.getLogger(__name__)


async def purge_expired_tokens(ctx: dict[str, Any]) -> int:
    """Delete expired and revoked sessions and API tokens (hourly)."""
    return await accounts.purge_expired_tokens(now=dt.datetime.now(dt.UTC))


async def make_document(ctx: dict[str, Any], *, job_id: int) -> int | None:
    """A document asked for from a page (`documents.request_document`). Returns its id."""
    done = await documents.run_job(job_id=job_id, now=get_config().local_now())
    return done.document_id if done else None


async def generate_documents(
    ctx: dict[str, Any], *, hall_id: int, kind: str, period: dt.date, local_now: dt.datetime | None = None
) -> list[int]:
    """Every format of one document: when a clerk closes a month, when a director publishes
    a quarter. Made again from the same data, each is found rather than kept twice."""
    now = local_now or get_config().local_now()
    made = []
    for format in documents.FORMATS[DocumentKind(kind)]:
        document = await documents.generate(
            hall_id=hall_id,
            kind=DocumentKind(kind),
            period=period,
            format=format,
            now=now,
            trigger=Trigger.SCHEDULE,
        )
        made.append(document.id)
    return made


async def generate_monthly_documents(ctx: dict[str, Any], *, local_now: dt.datetime | None = None) -> int:
    """On the 1st: last month's attendance summary of every hall with windows, in every
    format, a draft (草稿) where the clerk has not closed the month yet; closing it later
    makes the final one. Returns how many halls were done; one hall failing does not stop
    the others."""
    now = local_now or get_config().local_now()
    month = (now.date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    done = 0
    for hall_id in await documents.township_halls():
        try:
            await generate_documents(
                ctx, hall_id=hall_id, kind=DocumentKind.ATTENDANCE_MONTH, period=month, local_now=now
            )
        except Exception:
            log.exception("the monthly documents of hall %s failed", hall_id)
        else:
            done += 1
    return done
