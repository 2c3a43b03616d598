"""Attendance background jobs; listed in `worker.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from attendance import face_enrolment, faces, months, verdicts
from hall.config import get_config
from hall.tables import Hall


async def finalize_attendance_days(ctx: dict[str, Any], *, now: dt.datetime | None = None) -> int:
    """Nightly: make every hall's verdicts of yesterday final, catching up on any day of the
    month the job missed (a worker that was down). Returns the number of halls."""
    now = now or get_config().local_now()
    yesterday = now.date() - dt.timedelta(days=1)
    halls = await Hall.select(Hall.id)
    for hall in halls:
        await verdicts.ensure_current(
            hall_id=hall["id"], start=months.month_of(yesterday), end=yesterday, now=now
        )
    return len(halls)


async def settle_pending_days(ctx: dict[str, Any]) -> int:
    """Every minute: recompute the days bulk punches marked, should the process that stored
    them have stopped before doing it. Returns the markers taken."""
    return await verdicts.settle_pending(now=get_config().local_now())


async def recompute_attendance(
    ctx: dict[str, Any], *, hall_id: int | None, start: dt.date, end: dt.date
) -> int:
    """Recompute the verdicts of start..end for one hall or every hall (hall_id None): after
    a change of the calendar, too large to make a clerk wait for."""
    now = get_config().local_now()
    hall_ids = [hall_id] if hall_id is not None else [row["id"] for row in await Hall.select(Hall.id)]
    written = 0
    for each in hall_ids:
        written += await verdicts.recompute(hall_id=each, start=start, end=end, now=now)
    return written


async def rebuild_face_encodings(ctx: dict[str, Any], *, hall_id: int) -> tuple[int, int]:
    """Encode a hall's stored enrolment photos again: after upgrading the face library."""
    config = get_config()
    return await face_enrolment.rebuild_encodings(
        hall_id=hall_id,
        media_dir=config.media_dir,
        limits=faces.ImageLimits(config.max_upload_bytes, config.max_image_pixels),
    )
