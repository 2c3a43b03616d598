"""The month's export as a workbook (汇总, 日明细, 更正与审批) and as a CSV of the summary.

Numbers stay numbers and days stay dates, so that HR can sum and sort them; every sheet is
set up to print on A4 landscape, one page wide, its header repeated on every page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from attendance.export.content import (
    ABSENT,
    CORRECTION_HEADINGS,
    DAY_OFF,
    FAULTS,
    IDENTITY_HEADINGS,
    LEAVE_MARKS,
    LEGEND,
    LEGEND_NOTE,
    NO_CORRECTIONS,
    SUMMARY_HEADINGS,
    MonthExport,
    summary_rows,
    totals_row,
)
from attendance.rules import SESSION_LABELS, Session
from hall.spreadsheets import BOLD, header, print_setup, widths

SUMMARY_SHEET, GRID_SHEET, CORRECTIONS_SHEET = "汇总", "日明细", "更正与审批"
GENERATED = "生成时间 {at:%Y-%m-%d %H:%M}"
DATE = "yyyy-mm-dd"
DATE_TIME = "yyyy-mm-dd hh:mm"
PUNCH_TIME = "yyyy-mm-dd hh:mm:ss"
GRID_DATE = 'm"月"d"日"'
MONTH = 'yyyy"年"m"月"'
HEADER_ROW = 4  # after the title, the month line and a blank line
# Widths in characters; a Chinese character takes about two.
IDENTITY_WIDTHS = (22, 18, 10, 10)
MARK_WIDTH = 3.6
CORRECTION_WIDTHS = (22, 10, 10, 10, 19, 11, 14, 30, 10, 14, 17)

TITLE_FONT = Font(bold=True, size=14)
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
# Faults stand out in the grid; leave and days off are shaded quietly.
MARK_FILLS = (
    (FAULTS, "FCE4C4"),
    ((ABSENT,), "F4B6B6"),
    (tuple(LEAVE_MARKS.values()), "DCE9F5"),
    ((DAY_OFF,), "EDEDED"),
)


def _heading_block(sheet: Worksheet, export: MonthExport, width: int, generated_at: dt.datetime) -> None:
    """Row 1 the title (草稿 while the month is open), row 2 the month, the day the figures
    run to, when it was made and the notes."""
    sheet.cell(row=1, column=1, value=export.heading()).font = TITLE_FONT
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    line = [
        ("月份", export.month, MONTH),
        ("统计至", export.counted_to, DATE),
        ("生成时间", generated_at, DATE_TIME),
    ]
    column = 1
    for label, value, number_format in line:
        sheet.cell(row=2, column=column, value=label).font = BOLD
        sheet.cell(row=2, column=column + 1, value=value).number_format = number_format
        column += 2
    sheet.cell(row=2, column=column, value=" ".join(export.notes()))


def _summary(sheet: Worksheet, export: MonthExport, generated_at: dt.datetime) -> None:
    headings = (*IDENTITY_HEADINGS, *SUMMARY_HEADINGS)
    _heading_block(sheet, export, len(headings), generated_at)
    header(sheet, HEADER_ROW, headings)
    for values in summary_rows(export):
        sheet.append(values)
    last = sheet.max_row
    sheet.append(totals_row(export))
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = BOLD, TOTAL_FILL
    if last > HEADER_ROW:
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(headings))}{last}"
    widths(sheet, [*IDENTITY_WIDTHS, *(max(6.0, len(heading) * 2.0 + 1) for heading in SUMMARY_HEADINGS)])
    sheet.row_dimensions[HEADER_ROW].height = 30
    print_setup(sheet, f"{HEADER_ROW}:{HEADER_ROW}", f"E{HEADER_ROW + 1}")


def _grid(sheet: Worksheet, export: MonthExport, generated_at: dt.datetime) -> None:
    """One row a person, two cells a working day (上午, 下午), the day a date over both."""
    first_mark = len(IDENTITY_HEADINGS) + 1
    width = len(IDENTITY_HEADINGS) + 2 * len(export.days)
    _heading_block(sheet, export, width, generated_at)
    sessions_row = HEADER_ROW + 1
    header(sheet, HEADER_ROW, IDENTITY_HEADINGS)
    header(sheet, sessions_row, ["", "", "", ""])
    for column in range(1, first_mark):
        sheet.merge_cells(start_row=HEADER_ROW, start_column=column, end_row=sessions_row, end_column=column)
    for index, day in enumerate(export.days):
        column = first_mark + 2 * index
        header(sheet, HEADER_ROW, [day, ""], start=column)
        sheet.cell(row=HEADER_ROW, column=column).number_format = GRID_DATE
        sheet.merge_cells(
            start_row=HEADER_ROW, start_column=column, end_row=HEADER_ROW, end_column=column + 1
        )
        header(
            sheet, sessions_row, [SESSION_LABELS[Session.MORNING], SESSION_LABELS[Session.AFTERNOON]], column
        )
    for hall in export.halls:
        for group in hall.groups:
            for line in group.lines:
                sheet.append([hall.hall_name, group.window, line.staff_number, line.staff_name, *line.marks])
    last = sheet.max_row
    if export.days and last > sessions_row:
        corner = f"{get_column_letter(first_mark)}{sessions_row + 1}"
        marks = f"{corner}:{get_column_letter(width)}{last}"
        for texts, colour in MARK_FILLS:
            matches = ",".join(f'{corner}="{text}"' for text in texts)
            fill = PatternFill("solid", fgColor=colour, bgColor=colour)
            sheet.conditional_formatting.add(marks, FormulaRule(formula=[f"OR({matches})"], fill=fill))
    sheet.append([])
    sheet.append(["图例"])
    sheet.cell(row=sheet.max_row, column=1).font = BOLD
    for mark, meaning in LEGEND:
        sheet.append([mark, meaning])
    sheet.append([LEGEND_NOTE])
    widths(sheet, [*IDENTITY_WIDTHS, *([MARK_WIDTH] * (2 * len(export.days)))])
    print_setup(sheet, f"{HEADER_ROW}:{sessions_row}", f"{get_column_letter(first_mark)}{sessions_row + 1}")


def _corrections(sheet: Worksheet, export: MonthExport, generated_at: dt.datetime) -> None:
    _heading_block(sheet, export, len(CORRECTION_HEADINGS), generated_at)
    header(sheet, HEADER_ROW, CORRECTION_HEADINGS)
    for hall in export.halls:
        for item in hall.corrections:
            sheet.append(
                [
                    hall.hall_name,
                    item.kind,
                    item.staff_number,
                    item.staff_name,
                    item.start,
                    item.end,
                    item.sessions,
                    item.reason,
                    item.substitute,
                    item.by,
                    item.at,
                ]
            )
            row = sheet.max_row
            sheet.cell(row=row, column=5).number_format = (
                PUNCH_TIME if isinstance(item.start, dt.datetime) else DATE
            )
            sheet.cell(row=row, column=6).number_format = DATE
            sheet.cell(row=row, column=11).number_format = DATE_TIME
    if sheet.max_row == HEADER_ROW:
        sheet.append([NO_CORRECTIONS])
    widths(sheet, CORRECTION_WIDTHS)
    print_setup(sheet, f"{HEADER_ROW}:{HEADER_ROW}", f"A{HEADER_ROW + 1}")


def workbook(export: MonthExport, generated_at: dt.datetime) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = SUMMARY_SHEET
    _summary(summary, export, generated_at)
    _grid(book.create_sheet(GRID_SHEET), export, generated_at)
    _corrections(book.create_sheet(CORRECTIONS_SHEET), export, generated_at)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def summary_csv(export: MonthExport, generated_at: dt.datetime) -> bytes:
    """The summary sheet as CSV, UTF-8 with a byte-order mark: without it Excel reads the
    Chinese as the local code page."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([export.heading(), GENERATED.format(at=generated_at), *export.notes()])
    writer.writerow([*IDENTITY_HEADINGS, *SUMMARY_HEADINGS])
    rows: list[list[Any]] = [*summary_rows(export), totals_row(export)]
    writer.writerows([[_text(value) for value in row] for row in rows])
    return out.getvalue().encode("utf-8-sig")
