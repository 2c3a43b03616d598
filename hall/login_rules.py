"""When a login is refused before its password is looked at: too many failures for the
username, or from the client's address, in a short time. A pure rule; the failures are
counted in the database (hall/accounts.py) so that every app process sees the same ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)
FAILURES_PER_USERNAME = 5
# Higher than a username's: a hall's clerks share one office address, and a typo each
# must not lock the office out; one machine trying many usernames soon reaches it.
FAILURES_PER_ADDRESS = 20
# How far back a failure can still matter: a lock-out starts at most a window after the
# first failure it counts and lasts LOCKOUT.
LOOK_BACK = FAILURE_WINDOW + LOCKOUT


def locked_until(failures: Iterable[dt.datetime], *, limit: int, now: dt.datetime) -> dt.datetime | None:
    """The end of the lock-out `failures` impose at `now`, or None: `limit` failures within
    FAILURE_WINDOW lock for LOCKOUT from the last of them. Logins refused during a lock-out
    are not failures (no password was checked), so the lock ends when it says it will."""
    times = sorted(failures)
    ends = [
        times[last] + LOCKOUT
        for last in range(limit - 1, len(times))
        if times[last] - times[last - limit + 1] < FAILURE_WINDOW
    ]
    until = max(ends, default=None)
    return until if until is not None and until > now else None
