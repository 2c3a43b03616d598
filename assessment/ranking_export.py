"""季度窗口考核排名公示: a published quarter's ranking (assessment/ranking.py) as a PDF for
the notice board and an XLSX for the home departments (RULES.md, Scores: excellent windows
are commended publicly, the ranking is posted and sent to the home departments). A county
centre's document holds every hall below it that has published the quarter, one section
each, each from a new page.

    python -m assessment.ranking_export --hall town --quarter 2026-Q3 --format pdf -o 排名.pdf
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from assessment import scores
from assessment.ranking import Publication, published_quarter, quarter_from_label, quarter_period
from assessment.schemas import QuarterRead
from assessment.scoring import Grade
from hall import db
from hall.config import get_config
from hall.documents import Export, Format, Progress, fingerprint
from hall.errors import DomainError, InvalidInput, NotFound
from hall.pdf import FONT_FAMILY, FontMissing, font_path, render_pdf
from hall.photos import ImageRefused, probe
from hall.services import HallScope, list_halls

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
STEPS = 3  # read, laid out, written
WRITTEN = "已生成 {path}（{size} 字节）"


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


def _pdf(publication: Publication, now: dt.datetime, timezone: dt.tzinfo) -> bytes:
    period = quarter_period(publication.quarter)
    files = {staff_id: path for section in publication.sections for staff_id, path in section.photos.items()}
    photos = {staff_id: photo for staff_id, path in files.items() if (photo := _printed(path)) is not None}
    initials = {
        star.staff_name[:1]: _initial(star.staff_name[:1])
        for section in publication.sections
        for star in section.stars
        if star.staff_id not in photos
    }
    return render_pdf(
        [PDF_TEMPLATES],
        "ranking.html",
        title=TITLE.format(period=period),
        hall_name=publication.hall.name,
        period=None,
        generated_at=now.strftime("%Y-%m-%d %H:%M"),
        draft=False,
        landscape=False,
        signers=[],
        sections=publication.sections,
        hall_id=publication.hall.id,
        unpublished=publication.unpublished,
        published_on={s.report.hall_id: _when(s.report.published_at, timezone) for s in publication.sections},
        photos=photos,
        initials=initials,
        charts={section.report.hall_id: _chart(section.report) for section in publication.sections},
        chart_width=CHART_WIDTH,
        grades=Grade,
    )


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
    advance(0, STEPS)
    publication = await published_quarter(
        hall_id=hall_id, quarter=quarter, now=now, media_dir=media_dir, scope=scope
    )
    advance(1, STEPS)
    shown = {
        "sections": [section.shown() for section in publication.sections],
        "unpublished": publication.unpublished,
    }
    advance(2, STEPS)
    if format == Format.PDF:
        content = await asyncio.to_thread(_pdf, publication, now, timezone)
    elif format == Format.XLSX:
        content = await asyncio.to_thread(_xlsx, publication)
    else:
        raise InvalidInput.single("format", "格式", "只能导出 PDF 或 XLSX")
    advance(STEPS, STEPS)
    filename = FILENAME.format(
        hall=publication.hall.name, period=quarter_period(publication.quarter), extension=format.value
    )
    return Export(content, filename, format, fingerprint({"format": format.value, **shown}))


# ---- the command line ---------------------------------------------------------------------------


async def _hall_id(text: str) -> int:
    wanted = text.strip()
    for hall in await list_halls(scope=None):
        if hall.code == wanted or str(hall.id) == wanted:
            return hall.id
    raise NotFound("没有找到编号为 {id} 的中心", id=wanted)


def _message(error: DomainError) -> str:
    if isinstance(error, InvalidInput):
        return "；".join(f"{item.label}：{item.message.format(**item.params)}" for item in error.errors)
    return str(error)


async def _command(arguments: argparse.Namespace) -> Export:
    from rich.console import Console
    from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as ProgressBar

    config = get_config()
    quarter = quarter_from_label(arguments.quarter)
    await db.start(config.database)
    try:
        hall_id = await _hall_id(arguments.hall)
        with ProgressBar(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task(scores.quarter_label(quarter), total=STEPS)
            return await export_ranking(
                hall_id=hall_id,
                quarter=quarter,
                format=Format(arguments.format),
                now=config.local_now(),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        await db.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assessment.ranking_export",
        description="The published quarterly window ranking of a hall (and the halls below it).",
    )
    parser.add_argument("--hall", required=True, help="the hall's code or id")
    parser.add_argument("--quarter", required=True, help="e.g. 2026-Q3")
    parser.add_argument("--format", choices=[Format.PDF.value, Format.XLSX.value], default=Format.PDF.value)
    parser.add_argument("-o", "--output", type=Path, help="the file to write (default: its own name, here)")
    arguments = parser.parse_args(argv)
    try:
        export = asyncio.run(_command(arguments))
    except DomainError as error:
        print("错误：" + _message(error), file=sys.stderr)
        return 2
    except FontMissing as error:
        print(error, file=sys.stderr)
        return 1
    target = arguments.output or Path(export.filename)
    target.write_bytes(export.content)
    print(WRITTEN.format(path=target, size=len(export.content)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
