"""The desk's monthly statistics per window: received, answered on time, extended, overdue,
upheld (issue 6). A complaint counts in the month it was received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from complaints.access import Viewer
from complaints.schemas import ComplaintRead, MonthStatistics
from complaints.services import list_complaints

NO_WINDOW = "未指明窗口"


def tally(reads: Iterable[ComplaintRead]) -> list[MonthStatistics]:
    """One row per window, in window order, then a row for the complaints about no window.
    Overdue: answered after the deadline in force, or not answered by it; an extended
    complaint answered within its new deadline counts as extended only."""
    rows: dict[int | None, MonthStatistics] = {}
    for read in reads:
        row = rows.setdefault(
            read.window_id,
            MonthStatistics(
                window_id=read.window_id,
                window_label=read.window_label or NO_WINDOW,
                received=0,
                answered_on_time=0,
                extended=0,
                overdue=0,
                upheld=0,
            ),
        )
        late = read.overdue or (read.replied_at is not None and read.replied_at > read.due_at)
        row.received += 1
        row.answered_on_time += read.on_time is True
        row.extended += read.extended
        row.overdue += late
        row.upheld += read.upheld is True
    return sorted(rows.values(), key=lambda row: (row.window_id is None, row.window_label))


def total(rows: Iterable[MonthStatistics]) -> MonthStatistics:
    rows = list(rows)
    return MonthStatistics(
        window_id=None,
        window_label="合计",
        **{
            key: sum(getattr(row, key) for row in rows)
            for key in ("received", "answered_on_time", "extended", "overdue", "upheld")
        },
    )


async def month_statistics(
    *, hall_id: int, month: dt.date, viewer: Viewer, now: dt.datetime
) -> list[MonthStatistics]:
    start = dt.datetime(month.year, month.month, 1)
    end = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1)
    reads = await list_complaints(
        viewer=viewer, now=now, hall_id=hall_id, received_from=start, received_before=end
    )
    return tally(reads)
