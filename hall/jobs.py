"""Background jobs of the shared package; listed in `worker.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hall import accounts


async def purge_expired_tokens(ctx: dict[str, Any]) -> int:
    """Delete expired and revoked sessions and API tokens (hourly)."""
    return await accounts.purge_expired_tokens(now=dt.datetime.now(dt.UTC))
