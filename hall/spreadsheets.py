"""What the product's workbooks (月度考勤汇总, 季度排名) share: their header style and their
print set-up, A4 landscape, one page wide, the header repeated on every page and the pages
numbered, as clerks print them."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8E8E8")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
PAGE_FOOTER = "第 &P 页，共 &N 页"


def header(sheet: Worksheet, row: int, headings: Sequence[str], start: int = 1) -> None:
    for column, heading in enumerate(headings, start=start):
        cell = sheet.cell(row=row, column=column, value=heading)
        cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEADER_FILL, CENTRE, BOX


def widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    """Column widths in characters, from the first column; a Chinese character takes about two."""
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def print_setup(sheet: Worksheet, title_rows: str, frozen: str) -> None:
    """`title_rows` ("4:4") repeated on every printed page; panes frozen at `frozen` ("E5")."""
    sheet.freeze_panes = frozen
    sheet.print_title_rows = title_rows
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = PAGE_FOOTER
