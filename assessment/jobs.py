"""Assessment background jobs; listed in `worker.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assessment.scores import bring_up_to_date
from attendance.months import month_of, shift_month
from hall.config import get_config
from hall.tables import Hall


async def sync_assessment_findings(ctx: dict[str, Any], *, local_now: dt.datetime | None = None) -> int:
    """Nightly, after the attendance days are made final: every hall's automatic findings of
    last month and this one put in step with their verdicts, presses and complaints, read in
    full (pages do the same before they show an open month, but only when a source shows a
    change; a deleted cover assignment shows none). Returns how many halls were done."""
    now = local_now or get_config().local_now()
    month = month_of(now.date())
    halls = [row["id"] for row in await Hall.select(Hall.id)]
    await bring_up_to_date(hall_ids=halls, months=[shift_month(month, -1), month], now=now, always=True)
    return len(halls)
