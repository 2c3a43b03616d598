"""Complaint background jobs; listed in `worker.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from complaints import reminders
from hall.config import get_config


async def send_complaint_reminders(ctx: dict[str, Any], *, local_now: dt.datetime | None = None) -> int:
    """Every minute: mark what passed its deadline and send the reminders now due (at
    `local_now`, hall-local; by default the clock's). Returns how many reminders were new."""
    return await reminders.send_due_reminders(
        now=dt.datetime.now(dt.UTC), local_now=local_now or get_config().local_now()
    )
