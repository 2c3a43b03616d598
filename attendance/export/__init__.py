"""月度考勤汇总: a hall's month of attendance for HR, as a workbook (汇总, 日明细, 更正与审批), a
CSV of the summary or a PDF to post and sign (RULES.md, "Monthly summary": the clerk exports
it for HR and posts it). A county centre's export holds every hall below it that has staff,
by hall and window. Until every hall shown has closed the month it is a draft (草稿), and
says so.

    python -m attendance.export --hall town --month 2026-10 --format xlsx -o 考勤.xlsx

reading.py reads, content.py decides what is shown, spreadsheet.py and pdf.py lay it out.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from attendance.export import pdf, reading, spreadsheet
from attendance.export.content import DRAFT
from hall.config import get_config
from hall.documents import Export, Format, Progress, fingerprint
from hall.services import HallScope

FILENAME = "{hall}-{title}{draft}.{extension}"


async def export_month(
    *,
    hall_id: int,
    month: dt.date,
    format: Format,
    now: dt.datetime,
    scope: HallScope = None,
    progress: Progress | None = None,
    timezone: dt.tzinfo | None = None,
) -> Export:
    """The month's attendance of the hall and the halls below it. `now` is the halls'
    wall-clock time: days due count up to it, and it is printed as when the file was made;
    the times corrections were entered are shown in `timezone` (the configured one)."""
    hall, halls = await reading.halls_shown(hall_id=hall_id, scope=scope)
    # Reading each hall, then laying out: the PDF's parts one by one, the others at once.
    layout_steps = pdf.part_count(hall.id, [shown.id for shown in halls]) if format == Format.PDF else 1
    total = len(halls) + layout_steps

    def advance(done: int) -> None:
        if progress is not None:
            progress(done, total)

    advance(0)
    export = await reading.read_month(
        hall=hall,
        halls=halls,
        month=month,
        now=now,
        timezone=timezone or get_config().timezone,
        advance=advance,
    )
    if format == Format.PDF:
        content = await pdf.document(export, now, lambda done: advance(len(halls) + done))
    elif format == Format.XLSX:
        content = await asyncio.to_thread(spreadsheet.workbook, export, now)
    else:
        content = spreadsheet.summary_csv(export, now)
    advance(total)
    filename = FILENAME.format(
        hall=export.hall_name,
        title=export.title,
        draft=f"（{DRAFT}）" if export.draft else "",
        extension=format.value,
    )
    shown = {"format": format.value, **export.shown()}
    return Export(content, filename, format, fingerprint(shown), draft=export.draft)
