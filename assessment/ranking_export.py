"""季度窗口考核排名公示: a published quarter's ranking (assessment/ranking.py) as a PDF for
the notice board and an XLSX for the home departments (RULES.md, Scores: excellent windows
are commended publicly, the ranking is posted and sent to the home departments). A county
centre's document holds every hall below it that has published the quarter, one section
each, each from a new page.

    python -m assessment.ranking_export --hall town --quarter 2026-Q3 --format pdf -o 排名.pdf
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from assessment.ranking import Publication, Section, published_quarter, quarter_period
from assessment.schemas import QuarterRead
from assessment.scoring import Grade
from hall import documents_cli
from hall.config import get_config
from hall.documents import Export, Format, Progress, fingerprint
from hall.errors import InvalidInput
from hall.pdf import FONT_FAMILY, bind, font_path, lay_out, render_pdf
from hall.photos import ImageRefused, probe
from hall.services import HallScope
from hall.tables import DocumentKind

PDF_TEMPLATES = Path(__file__).parent / "pdf_templates"
TITLE = "{period}窗口考核排名公示"
FILENAME = "{hall}-{period}窗口考核排名.{extension}"
MONTH = "{month}月"
MONTH_STAR = "{month}月服务明星"
QUARTER_STAR = "季度服务明星"
# A star's photo as printed, in points (2.4 cm x 3.2 cm), its proportions kept, and in
# pixels: about 200 dpi.
PHOTO_BOX = (68.0, 90.7)
PHOTO_PIXELS = (190, 253)
# Any photo we would have stored passes; a file put there by other means is checked first.
PHOTO_MAX_PIXELS = 40_000_000
# The bar chart, in points: the page's width, a row per window, room for the names.
CHART_WIDTH, CHART_ROW, CHART_LABELS = 520, 15, 110


# ---- the PDF ------------------------------------------------------------------------------------


def window_label(number: str, name: str) -> str:
    return f"{number} · {name}" if number else name


def _scale_floor(report: QuarterRead) -> int:
    """The tens below the lowest score, less ten, and never above 80: the bars' differences
    show, and the axis says where it starts."""
    lowest = min((line.score for line in report.lines), default=100)
    return max(0, min(80, int(lowest) // 10 * 10 - 10))


def _chart(report: QuarterRead) -> dict[str, Any]:
    """A reportlab bar chart as xhtml2pdf's <canvas type="graph"> reads it: one drawing for a
    hall's windows, where a table cell per bar would lay out hundreds of cells. Reportlab
    draws the first category at the bottom: the ranking is given upside down."""
    lines = report.lines[::-1]
    font = {"fontName": FONT_FAMILY, "fontSize": 7}
    return {
        "type": "horizontalbar",
        "x": CHART_LABELS,
        "y": 16,
        "width": CHART_WIDTH - CHART_LABELS - 40,
        "height": max(1, len(lines)) * CHART_ROW,
        "data": [[float(line.score) for line in lines]],
        "labels": [window_label(line.window_number, line.window_name) for line in lines],
        "barLabelFormat": "%.2f",
        "barLabels": {**font, "nudge": 14},
        "bars": {"strokeColor": "#4a7ebb"},
        "seriesColors": ["#4a7ebb"],
        "valueAxis": {
            "valueMin": _scale_floor(report),
            "valueMax": 100,
            "valueStep": 5,
            "visibleGrid": True,
            "gridStrokeColor": "#dddddd",
            "labels": font,
        },
        "categoryAxis": {"visibleTicks": 0, "labels": font},
    }


@dataclass(frozen=True)
class PrintedPhoto:
    source: str  # a data: URI: xhtml2pdf reads no file outside the working directory
    width: float  # as printed, in points
    height: float


def _jpeg(picture: Image.Image) -> PrintedPhoto:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85)
    scale = min(PHOTO_BOX[0] / picture.width, PHOTO_BOX[1] / picture.height)
    return PrintedPhoto(
        f"data:image/jpeg;base64,{base64.b64encode(out.getvalue()).decode()}",
        round(picture.width * scale, 1),
        round(picture.height * scale, 1),
    )


def _printed(path: Path) -> PrintedPhoto | None:
    """A star's photo made small enough for its box at about 200 dpi: the stored 600x800
    would make a county's document tens of megabytes, and slower to draw."""
    try:
        content = path.read_bytes()
        probe(content, max_pixels=PHOTO_MAX_PIXELS)
        with Image.open(io.BytesIO(content)) as image:
            image.draft("RGB", PHOTO_PIXELS)  # a JPEG decoded at the scale needed, not in full
            picture = image.convert("RGB")
    except (OSError, ImageRefused):
        return None
    picture.thumbnail(PHOTO_PIXELS)
    return _jpeg(picture)


def _initial(character: str) -> PrintedPhoto:
    """The stand-in for a missing photo: the name's first character in a grey box, as a
    picture like the photos (a box of its own, a nested table, cost a county's document
    seconds to lay out)."""
    picture = Image.new("RGB", PHOTO_PIXELS, "#f2f2f2")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, PHOTO_PIXELS[0] - 1, PHOTO_PIXELS[1] - 1), outline="#888888", width=3)
    font = ImageFont.truetype(str(font_path()), size=PHOTO_PIXELS[0] // 2)
    draw.text((PHOTO_PIXELS[0] / 2, PHOTO_PIXELS[1] / 2), character, fill="#555555", font=font, anchor="mm")
    return _jpeg(picture)


def _when(moment: dt.datetime | None, timezone: dt.tzinfo) -> str:
    return moment.astimezone(timezone).strftime("%Y-%m-%d") if moment else ""


@dataclass(frozen=True)
class Page:
    """One hall's section of the document, laid out on its own (in a worker process): the
    county's halls side by side, each from a new page and numbered on its own."""

    section: Section
    hall_id: int  # the document's hall: its own section needs no heading
    hall_name: str
    title: str
    generated_at: str
    published_on: str
    unpublished: list[str]  # named on the first page only


def render_page(page: Page) -> bytes:
    stars = {star.staff_id: star.staff_name[:1] for star in page.section.stars}
    photos = {
        staff_id: photo
        for staff_id, path in page.section.photos.items()
        if (photo := _printed(path)) is not None
    }
    report = page.section.report
    return render_pdf(
        [PDF_TEMPLATES],
        "ranking.html",
        title=page.title,
        hall_name=page.hall_name,
        period=None,
        generated_at=page.generated_at,
        draft=False,
        landscape=False,
        signers=[],
        section=page.section,
        heading=report.hall_id != page.hall_id,
        unpublished=page.unpublished,
        published_on=page.published_on,
        photos=photos,
        initials={
            initial: _initial(initial) for staff_id, initial in stars.items() if staff_id not in photos
        },
        chart=_chart(report),
        chart_width=CHART_WIDTH,
        grades=Grade,
    )


def _pages(publication: Publication, now: dt.datetime, timezone: dt.tzinfo) -> list[Page]:
    return [
        Page(
            section,
            publication.hall.id,
            publication.hall.name,
            TITLE.format(period=quarter_period(publication.quarter)),
            now.strftime("%Y-%m-%d %H:%M"),
            _when(section.report.published_at, timezone),
            publication.unpublished if index == 0 else [],
        )
        for index, section in enumerate(publication.sections)
    ]


# ---- the XLSX -----------------------------------------------------------------------------------


def _xlsx(publication: Publication) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    from hall.spreadsheets import header, print_setup, widths

    excellent_fill = PatternFill("solid", fgColor="FDE9A9")
    months = publication.sections[0].report.months

    def sheet(worksheet, headers: list[tuple[str, int]]) -> None:
        header(worksheet, 1, [heading for heading, _ in headers])
        widths(worksheet, [width for _, width in headers])
        print_setup(worksheet, "1:1", "A2")

    def formats(worksheet, row: int, by_column: dict[int, str]) -> None:
        for column, number_format in by_column.items():
            worksheet.cell(row=row, column=column).number_format = number_format

    workbook = Workbook()
    ranking = workbook.active
    ranking.title = "排名"
    sheet(
        ranking,
        [
            ("中心", 24),
            ("名次", 6),
            ("窗口编号", 9),
            ("窗口", 20),
            ("进驻单位", 16),
            ("季度得分", 10),
            *((MONTH.format(month=month.month), 7) for month in months),
            ("满意率", 9),
            ("评价次数", 9),
            ("有效投诉", 9),
            ("等级", 10),
        ],
    )
    for section in publication.sections:
        for line in section.report.lines:
            ranking.append(
                [
                    section.report.hall_name,
                    line.rank,
                    line.window_number,
                    line.window_name,
                    line.department,
                    line.score,
                    *line.monthly,
                    line.satisfaction,
                    line.evaluations,
                    line.upheld_complaints,
                    line.grade_label,
                ]
            )
            row = ranking.max_row
            formats(ranking, row, {6: "0.00", 7 + len(months): "0.0%"})
            if line.grade == Grade.EXCELLENT:
                for cell in ranking[row]:
                    cell.fill = excellent_fill
    ranking.auto_filter.ref = ranking.dimensions

    stars = workbook.create_sheet("服务明星")
    sheet(
        stars,
        [("中心", 24), ("称号", 16), ("姓名", 10), ("窗口", 20), ("得分", 8), ("满意率", 9), ("评价次数", 9)],
    )
    for section in publication.sections:
        for star in section.stars:
            title = QUARTER_STAR if star.month is None else MONTH_STAR.format(month=star.month.month)
            stars.append(
                [
                    section.report.hall_name,
                    title,
                    star.staff_name,
                    star.window_name,
                    star.score,
                    star.satisfaction,
                    star.evaluations,
                ]
            )
            formats(stars, stars.max_row, {5: "0.00", 6: "0.0%"})
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---- either ------------------------------------------------------------------------------------


async def export_ranking(
    *,
    hall_id: int,
    quarter: dt.date,
    format: Format,
    now: dt.datetime,
    scope: HallScope = None,
    progress: Progress | None = None,
    media_dir: Path | None = None,
    timezone: dt.tzinfo | None = None,
) -> Export:
    """The published quarter's ranking of the hall (and of the halls below it) as a PDF or an
    XLSX; Conflict while unpublished. `now` is the halls' wall-clock time, printed on it. The
    stars' photos are under `media_dir` and the publication dates shown in `timezone`: the
    configured ones unless given."""
    config = get_config()
    media_dir = media_dir or config.media_dir
    timezone = timezone or config.timezone
    advance = progress or (lambda done, total: None)
    publication = await published_quarter(
        hall_id=hall_id, quarter=quarter, now=now, media_dir=media_dir, scope=scope
    )
    shown = {
        "sections": [section.shown() for section in publication.sections],
        "unpublished": publication.unpublished,
    }
    # Read, then each hall laid out (the PDF) or all at once (the XLSX).
    total = 1 + (len(publication.sections) if format == Format.PDF else 1)
    advance(1, total)
    if format == Format.PDF:
        pages = _pages(publication, now, timezone)
        rendered = await lay_out(render_page, pages, lambda done: advance(1 + done, total))
        content = bind(
            [(page.section.report.hall_name, part) for page, part in zip(pages, rendered, strict=True)]
        )
    elif format == Format.XLSX:
        content = await asyncio.to_thread(_xlsx, publication)
    else:
        raise InvalidInput.single("format", "格式", "只能导出 PDF 或 XLSX")
    advance(total, total)
    filename = FILENAME.format(
        hall=publication.hall.name, period=quarter_period(publication.quarter), extension=format.value
    )
    return Export(content, filename, format, fingerprint({"format": format.value, **shown}))


# ---- the command line (hall/documents_cli.py) ---------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    return documents_cli.main(
        DocumentKind.QUARTER_RANKING,
        prog="python -m assessment.ranking_export",
        description="导出中心（县级中心连同下级中心）已公示的季度窗口考核排名。",
        period_help="季度，如 2026-Q3",
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
