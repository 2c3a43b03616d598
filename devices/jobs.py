"""Device background jobs; listed in `worker.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from devices.push import commands, ingest
from hall.config import get_config


async def sync_push_terminals(ctx: dict[str, Any], *, hall_id: int | None = None) -> int:
    """Bring the push terminals' users in line with the hall's staff, and turn held lines
    whose PIN is now known into punches: after a staff change, and every few minutes.
    Returns the commands queued."""
    config = get_config()
    now = dt.datetime.now(dt.UTC)
    terminals = await commands.hall_terminals(hall_id)
    queued = 0
    for terminal in terminals:
        queued += await commands.sync_users(
            device_id=terminal["id"], hall_id=terminal["hall"], today=config.local_now().date(), now=now
        )
    for hall in sorted({terminal["hall"] for terminal in terminals}):
        await ingest.release_held(hall_id=hall, local_now=config.local_now())
    return queued
