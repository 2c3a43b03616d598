"""The month's export as a PDF (A4 landscape): per hall, its summary by window with the
totals, its day grid and its corrections and approved requests, with a line for the clerk
(考勤员) and the director (中心主任) to sign. A county's document opens with an overview, one
line per hall, and binds each hall's part after it, each part numbered on its own.

xhtml2pdf spends about a millisecond on every table cell, so the parts are made side by side
(hall/pdf.py, `lay_out`), and the day grid gives each person one line of marks rather than a cell
a session (a county of 2,000 people has up to 90,000 sessions a month). The marks, the separators
and the day numbers are all full-width characters, so that the lines align as columns;
an ideographic space would not do, xhtml2pdf narrows it to an ordinary one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from attendance.export.content import (
    CORRECTION_HEADINGS,
    LEGEND,
    LEGEND_NOTE,
    NO_CORRECTIONS,
    SUMMARY_HEADINGS,
    MonthExport,
)
from hall.pdf import bind, lay_out, render_pdf

PDF_TEMPLATES = Path(__file__).resolve().parents[1] / "pdf_templates"
SIGNERS = ("考勤员", "中心主任")
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
DAY_SEPARATOR = "｜"
# The corrections' columns (the hall is the part's own), with their widths in percent.
CORRECTION_COLUMNS = tuple(zip(CORRECTION_HEADINGS[1:], (8, 7, 7, 12, 9, 9, 21, 7, 9, 11), strict=True))
# The width the grid's line of marks may take on A4 landscape, in points, and its largest font.
GRID_LINE_WIDTH = 600.0
GRID_FONT_MAX = 10.0


def full_width(text: str) -> str:
    """ "09" -> "０９": digits as wide as a Chinese character."""
    return "".join(chr(ord(char) + 0xFEE0) if "0" <= char <= "9" else char for char in text)


def grid_header(days: Sequence[dt.date]) -> tuple[str, str]:
    """The grid's two header lines: the days of the month, and their weekdays."""
    return (
        DAY_SEPARATOR.join(full_width(f"{day.day:02d}") for day in days),
        DAY_SEPARATOR.join(WEEKDAYS[day.weekday()] for day in days),
    )


def grid_line(marks: Sequence[str]) -> str:
    """A person's marks, two a day, the days separated: "・・｜・迟｜病病"."""
    return DAY_SEPARATOR.join("".join(marks[index : index + 2]) for index in range(0, len(marks), 2))


def grid_font(days: int) -> float:
    """The largest size, to a tenth of a point, at which a line of `days` fits."""
    characters = max(1, 3 * days - 1)
    return min(GRID_FONT_MAX, int(GRID_LINE_WIDTH / characters * 10) / 10)


def when(moment: dt.datetime | dt.date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        return f"{moment:%Y-%m-%d %H:%M}"
    return f"{moment:%Y-%m-%d}"


@dataclass(frozen=True)
class Part:
    """One document of the bound PDF, rendered on its own (in a worker process)."""

    outline: str  # its bookmark in the bound document
    template: str
    context: dict[str, Any]


def render_part(part: Part) -> bytes:
    return render_pdf([PDF_TEMPLATES], part.template, **part.context)


def part_count(hall_id: int, hall_ids: Sequence[int]) -> int:
    """A hall's own document is one part; one that shows other halls (a county's) opens with
    an overview of them."""
    return len(hall_ids) if hall_ids and set(hall_ids) == {hall_id} else len(hall_ids) + 1


def parts(export: MonthExport, generated_at: dt.datetime) -> list[Part]:
    common = {
        "title": export.title,
        "period": f"{export.month:%Y-%m-%d} 至 {export.counted_to:%Y-%m-%d}",
        "generated_at": f"{generated_at:%Y-%m-%d %H:%M}",
        "landscape": True,
        "signers": SIGNERS,
        "headings": SUMMARY_HEADINGS,
        "notes": export.notes(),
    }
    header = grid_header(export.days)
    made = [
        Part(
            hall.hall_name,
            "month.html",
            {
                **common,
                "hall_name": hall.hall_name,
                "draft": not hall.closed,
                "hall": hall,
                "grid": [
                    (group.window, [(line, grid_line(line.marks)) for line in group.lines])
                    for group in hall.groups
                ],
                "grid_header": header,
                "grid_font": grid_font(len(export.days)),
                "legend": LEGEND,
                "legend_note": LEGEND_NOTE,
                "correction_columns": CORRECTION_COLUMNS,
                "no_corrections": NO_CORRECTIONS,
                "when": when,
            },
        )
        for hall in export.halls
    ]
    if part_count(export.hall_id, [hall.hall_id for hall in export.halls]) == len(made):
        return made
    overview = Part(
        export.hall_name,
        "month_overview.html",
        {**common, "hall_name": export.hall_name, "draft": export.draft, "export": export},
    )
    return [overview, *made]


async def document(export: MonthExport, generated_at: dt.datetime, advance: Callable[[int], None]) -> bytes:
    """The PDF; `advance(n)` after the n-th part is made."""
    made = parts(export, generated_at)
    rendered = await lay_out(render_part, made, advance)
    return bind([(part.outline, content) for part, content in zip(made, rendered, strict=True)])
