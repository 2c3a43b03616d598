"""The monthly attendance export read back by independent readers: the workbook by openpyxl,
the CSV by the csv module, the PDF by poppler (`pdftotext` for its words and figures,
`pdftoppm` for a page drawn); and the command line as a clerk runs it.

October 2026 has 18 working days (1-7 October are the National Day holiday, Saturday the
10th is a make-up working day), winter hours 08:00-11:00 and 13:30-16:30. Everyone punches
07:55, 11:02, 13:25 and 16:33 on each of them, except:

王芳 (QS001, 民政窗口)   10-12 in at 08:20:00: 迟到 (20 minutes, more than 15).
                        10-16 no morning punch from the terminal; the clerk enters 07:58
                        by hand (补录, "考勤机故障"): on time.
李强 (QS002, 民政窗口)   10-13 morning only: the afternoon is 旷工 (half a day).
                        10-14 no 11:02: 缺卡. 10-15 no 07:55: 缺卡, cleared by an approved
                        补卡 ("忘记打卡"): 已补卡.
张敏 (QS003, 社保窗口)   10-19..10-20 approved sick leave (病假, 2 days, 王芳 covering).
                        10-21 out at 16:10:00: 早退. 10-22 in at 08:40:00: 脱岗 (40 minutes).
赵丽 (LS001, 绿水镇)     10-09 in at 08:16:00: 迟到.

Summary (days due, present, 迟到, 早退, 脱岗, 缺卡, 已补卡, 旷工 half days, leave days by
type: 因公外出, 出差, 病假, 事假, 年休假, then trips):
    王芳  18 18 1 0 0 0 0 0  0 0 0 0 0  0
    李强  18 18 0 0 0 1 1 1  0 0 0 0 0  0
    张敏  18 16 0 1 1 0 0 0  0 0 2 0 0  0
    合计  54 52 1 1 1 1 1 1  0 0 2 0 0  0
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from attendance import months, punches, requests
from attendance.export import export_month
from attendance.punches import TerminalPunch
from attendance.rules import LeaveType, Session, Slot
from attendance.schemas import PunchCreate, RequestCreate, RequestDecision
from attendance.tables import PunchSource, RequestKind
from hall.calendar import hall_calendar
from hall.config import PROJECT_ROOT
from hall.documents import Format
from hall.errors import NotFound
from hall.roles import Role
from tests.conftest import World

TZ = dt.timezone(dt.timedelta(hours=8))
OCTOBER = dt.date(2026, 10, 1)
NOW = dt.datetime(2026, 11, 2, 9, 30)
DAY = ("07:55:00", "11:02:00", "13:25:00", "16:33:00")
HEADINGS = [
    "中心",
    "窗口",
    "工号",
    "姓名",
    "应出勤天数",
    "出勤天数",
    "迟到",
    "早退",
    "脱岗",
    "缺卡",
    "已补卡",
    "旷工（半天）",
    "因公外出（天）",
    "出差（天）",
    "病假（天）",
    "事假（天）",
    "年休假（天）",
    "出差次数",
]
TOWN = "青山镇便民服务中心"
OTHER_TOWN = "绿水镇便民服务中心"
WANG = [TOWN, "1 · 民政窗口", "QS001", "王芳", 18, 18, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
LI = [TOWN, "1 · 民政窗口", "QS002", "李强", 18, 18, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]
ZHANG = [TOWN, "2 · 社保窗口", "QS003", "张敏", 18, 16, 0, 1, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0]
TOTALS = ["合计", None, None, "3人", 54, 52, 1, 1, 1, 1, 1, 1, 0, 0, 2, 0, 0, 0]
ZHAO = [OTHER_TOWN, "1 · 民政窗口", "LS001", "赵丽", 18, 18, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]


async def _terminal(hall_id: int, people: list[int], changed: dict[tuple[int, str], tuple[str, ...]]) -> None:
    calendar = await hall_calendar(hall_id=hall_id, start=OCTOBER, end=months.month_end(OCTOBER))
    batch = [
        TerminalPunch(person, dt.datetime.combine(day, dt.time.fromisoformat(time)), PunchSource.FACE, "15")
        for day in calendar.working_days(OCTOBER, months.month_end(OCTOBER))
        for person in people
        for time in changed.get((person, day.isoformat()), DAY)
    ]
    await punches.store_terminal_punches(hall_id=hall_id, device="T1", punches=batch)


async def _approved(world: World, data: RequestCreate, substitute_id: int | None = None) -> None:
    submitted = await requests.submit_request(
        data=data, scope=None, actor_id=world.account_ids[Role.CLERK], own_staff_id=None, now=NOW
    )
    await requests.approve_request(
        request_id=submitted.id,
        data=RequestDecision(substitute_id=substitute_id),
        scope=None,
        actor_id=world.account_ids[Role.DIRECTOR],
        now=NOW,
    )


@pytest.fixture
async def october(world: World) -> World:
    wang, li, zhang = (person.id for person in world.staff)
    await _terminal(
        world.town.id,
        [wang, li, zhang],
        {
            (wang, "2026-10-12"): ("08:20:00", "11:02:00", "13:25:00", "16:33:00"),
            (wang, "2026-10-16"): ("11:02:00", "13:25:00", "16:33:00"),
            (li, "2026-10-13"): ("07:55:00", "11:02:00"),
            (li, "2026-10-14"): ("07:55:00", "13:25:00", "16:33:00"),
            (li, "2026-10-15"): ("11:02:00", "13:25:00", "16:33:00"),
            (zhang, "2026-10-19"): (),
            (zhang, "2026-10-20"): (),
            (zhang, "2026-10-21"): ("07:55:00", "11:02:00", "13:25:00", "16:10:00"),
            (zhang, "2026-10-22"): ("08:40:00", "11:02:00", "13:25:00", "16:33:00"),
        },
    )
    other = world.other_staff.id
    await _terminal(world.other_town.id, [other], {(other, "2026-10-09"): ("08:16:00", *DAY[1:])})
    await punches.record_punch(
        data=PunchCreate(
            staff_id=wang,
            punched_at=dt.datetime(2026, 10, 16, 7, 58),
            source=PunchSource.MANUAL,
            reason="考勤机故障，本人当日在岗",
        ),
        scope=None,
        actor_id=world.account_ids[Role.CLERK],
        now=NOW,
        timezone=TZ,
    )
    await _approved(
        world,
        RequestCreate(
            kind=RequestKind.MAKEUP,
            staff_id=li,
            first_day=dt.date(2026, 10, 15),
            first_session=Session.MORNING,
            slot=Slot.START,
            reason="忘记打卡",
        ),
    )
    await _approved(
        world,
        RequestCreate(
            kind=RequestKind.LEAVE,
            staff_id=zhang,
            leave_type=LeaveType.SICK,
            first_day=dt.date(2026, 10, 19),
            last_day=dt.date(2026, 10, 20),
            reason="发烧",
        ),
        substitute_id=wang,
    )
    return world


async def _close(world: World, hall_id: int) -> None:
    await months.close_month(
        hall_id=hall_id, month=OCTOBER, scope=None, actor_id=world.account_ids[Role.CLERK], now=NOW
    )


def _values(sheet, first_row: int) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=first_row, values_only=True)]


def _column_of(sheet, row: int, value) -> int:
    return next(cell.column for cell in sheet[row] if cell.value == value)


# ---- the workbook -------------------------------------------------------------------------------


async def test_the_workbook_has_the_summary_the_day_grid_and_the_corrections(october: World) -> None:
    steps: list[tuple[int, int]] = []
    made = await export_month(
        hall_id=october.town.id,
        month=OCTOBER,
        format=Format.XLSX,
        now=NOW,
        progress=lambda done, total: steps.append((done, total)),
    )
    assert made.filename == "青山镇便民服务中心-2026年10月考勤汇总（草稿）.xlsx"
    assert made.draft and made.format == Format.XLSX
    assert steps[0] == (0, 2) and steps[-1] == (2, 2)

    book = load_workbook(io.BytesIO(made.content))
    assert book.sheetnames == ["汇总", "日明细", "更正与审批"]

    summary = book["汇总"]
    assert summary["A1"].value == "青山镇便民服务中心 2026年10月考勤汇总（草稿）"
    assert summary["B2"].value == dt.datetime(2026, 10, 1) and summary["B2"].is_date
    assert summary["F2"].value == NOW and summary["F2"].is_date
    assert _values(summary, 4) == [HEADINGS, WANG, LI, ZHANG, TOTALS]
    # Figures are numbers, not text: 李强's row.
    assert all(type(value) is int for value in _values(summary, 6)[0][4:])
    assert summary.freeze_panes == "E5"
    assert (
        summary.page_setup.orientation == "landscape"
        and str(summary.page_setup.paperSize) == summary.PAPERSIZE_A4
    )
    assert (summary.page_setup.fitToWidth, summary.page_setup.fitToHeight) == (1, 0)
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert summary.print_title_rows == "$4:$4"

    grid = book["日明细"]
    assert grid["A1"].value == summary["A1"].value
    days = [cell.value for cell in grid[4][4::2]]
    assert days[:4] == [
        dt.datetime(2026, 10, 8),
        dt.datetime(2026, 10, 9),
        dt.datetime(2026, 10, 10),
        dt.datetime(2026, 10, 12),
    ]
    assert len(days) == 18 and all(cell.is_date for cell in grid[4][4::2])
    assert [cell.value for cell in grid[5][4:6]] == ["上午", "下午"]
    rows = {row[3]: row for row in _values(grid, 6) if row[2]}
    assert set(rows) == {"王芳", "李强", "张敏"}

    def marks(name: str, day: int) -> tuple[str, str]:
        column = _column_of(grid, 4, dt.datetime(2026, 10, day)) - 1
        return rows[name][column], rows[name][column + 1]

    assert marks("王芳", 12) == ("迟", "・") and marks("王芳", 16) == ("・", "・")
    assert marks("李强", 13) == ("・", "旷") and marks("李强", 14) == ("缺", "・")
    assert marks("李强", 15) == ("补", "・")
    assert marks("张敏", 19) == ("病", "病") and marks("张敏", 21) == ("・", "早")
    assert marks("张敏", 22) == ("脱", "・") and marks("张敏", 8) == ("・", "・")
    assert grid.freeze_panes == "E6" and grid.print_title_rows == "$4:$5"
    legend = [row[:2] for row in _values(grid, 10)]
    assert ["图例", None] in legend and ["旷", "旷工（半天）"] in legend and ["病", "病假"] in legend

    corrections = book["更正与审批"]
    rows = _values(corrections, 4)
    assert rows[0] == [
        "中心",
        "类别",
        "工号",
        "姓名",
        "开始",
        "结束",
        "时段",
        "事由",
        "顶岗人员",
        "录入人/审批人",
        "录入/审批时间",
    ]
    assert [row[:10] for row in rows[1:]] == [
        [
            TOWN,
            "补卡",
            "QS002",
            "李强",
            dt.datetime(2026, 10, 15),
            None,
            "上午上班",
            "忘记打卡",
            None,
            "大厅主任",
        ],
        [
            TOWN,
            "补录打卡",
            "QS001",
            "王芳",
            dt.datetime(2026, 10, 16, 7, 58),
            None,
            None,
            "考勤机故障，本人当日在岗",
            None,
            "考勤员",
        ],
        [
            TOWN,
            "病假",
            "QS003",
            "张敏",
            dt.datetime(2026, 10, 19),
            dt.datetime(2026, 10, 20),
            "全天",
            "发烧",
            "王芳",
            "大厅主任",
        ],
    ]
    assert all(isinstance(row[10], dt.datetime) for row in rows[1:])
    assert corrections.cell(row=6, column=5).number_format == "yyyy-mm-dd hh:mm:ss"


async def test_a_county_export_holds_its_township_halls_by_hall_and_window(october: World) -> None:
    made = await export_month(hall_id=october.county.id, month=OCTOBER, format=Format.XLSX, now=NOW)
    assert made.filename == "示范县政务服务中心-2026年10月考勤汇总（草稿）.xlsx"
    summary = load_workbook(io.BytesIO(made.content))["汇总"]
    assert summary["A1"].value == "示范县政务服务中心 2026年10月考勤汇总（草稿）"
    county_totals = ["合计", None, None, "4人", 72, 70, 2, 1, 1, 1, 1, 1, 0, 0, 2, 0, 0, 0]
    assert _values(summary, 5) == [WANG, LI, ZHANG, ZHAO, county_totals]

    # A director of one town sees only that town, even when asking for the county.
    seen = await export_month(
        hall_id=october.county.id,
        month=OCTOBER,
        format=Format.XLSX,
        now=NOW,
        scope=frozenset({october.county.id, october.other_town.id}),
    )
    assert _values(load_workbook(io.BytesIO(seen.content))["汇总"], 5)[0] == ZHAO
    with pytest.raises(NotFound):
        await export_month(
            hall_id=october.town.id,
            month=OCTOBER,
            format=Format.XLSX,
            now=NOW,
            scope=frozenset({october.other_town.id}),
        )


async def test_a_closed_month_is_no_draft_and_its_fingerprint_ignores_when_it_was_made(
    october: World,
) -> None:
    draft = await export_month(hall_id=october.town.id, month=OCTOBER, format=Format.CSV, now=NOW)
    await _close(october, october.town.id)
    final = await export_month(hall_id=october.town.id, month=OCTOBER, format=Format.CSV, now=NOW)
    later = await export_month(
        hall_id=october.town.id, month=OCTOBER, format=Format.CSV, now=NOW + dt.timedelta(days=3)
    )
    assert draft.draft and not final.draft
    assert final.filename == "青山镇便民服务中心-2026年10月考勤汇总.csv"
    assert "草稿" not in final.content.decode("utf-8-sig") and "草稿" in draft.content.decode("utf-8-sig")
    assert final.fingerprint != draft.fingerprint
    assert later.content != final.content and later.fingerprint == final.fingerprint
    # The county is still a draft: the other town has not closed October.
    county = await export_month(hall_id=october.county.id, month=OCTOBER, format=Format.CSV, now=NOW)
    assert county.draft and "草稿" in county.filename


# ---- the CSV ----------------------------------------------------------------------------------


async def test_the_csv_is_the_summary_in_utf8_with_a_byte_order_mark(october: World) -> None:
    made = await export_month(hall_id=october.town.id, month=OCTOBER, format=Format.CSV, now=NOW)
    assert made.content.startswith(b"\xef\xbb\xbf") and made.content_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(made.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["青山镇便民服务中心 2026年10月考勤汇总（草稿）", "生成时间 2026-11-02 09:30"]
    assert rows[1] == HEADINGS
    text = [[str(value) if value is not None else "" for value in row] for row in (WANG, LI, ZHANG, TOTALS)]
    assert rows[2:] == text


# ---- the PDF ----------------------------------------------------------------------------------


def _pdf_text(content: bytes, tmp_path: Path) -> str:
    source = tmp_path / "month.pdf"
    source.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True
    ).stdout


def _first_page_drawn(content: bytes, tmp_path: Path) -> Path:
    source = tmp_path / "month.pdf"
    source.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    (png,) = tmp_path.glob("page*.png")
    return png


def _line(text: str, *starts: str) -> list[str]:
    """The words of the first line that starts with these words."""
    found = [line.split() for line in text.splitlines() if line.split()[: len(starts)] == list(starts)]
    assert found, f"no line starts with {starts}"
    return found[0]


def _grid_days(text: str, number: str, name: str) -> list[str]:
    """A person's days in the PDF's grid: the morning's and the afternoon's mark of each."""
    found = [
        words[2].split("｜")
        for words in map(str.split, text.splitlines())
        if words[:2] == [number, name] and len(words) == 3 and "｜" in words[2]
    ]
    assert found, f"no grid line for {number} {name}"
    return found[0]


async def test_the_pdf_has_the_summary_the_grid_the_corrections_and_the_signatures(
    october: World, tmp_path: Path
) -> None:
    made = await export_month(hall_id=october.town.id, month=OCTOBER, format=Format.PDF, now=NOW)
    assert made.content.startswith(b"%PDF") and made.filename.endswith("考勤汇总（草稿）.pdf")
    text = _pdf_text(made.content, tmp_path)
    assert "2026年10月考勤汇总" in text and "草稿" in text and "生成时间 2026-11-02 09:30" in text
    assert f"{TOWN} · 2026-10-01 至 2026-10-31" in text
    # The headings with a unit break before it: 病假 above （天）.
    assert _line(text, "工号", "姓名", "应出勤天数", "出勤天数", "迟到", "早退", "脱岗", "缺卡", "已补卡")
    assert _line(text, "旷工", "因公外出", "出差", "病假", "事假", "年休假")
    # Zeros are blank: the figures of a line are its faults, in the columns' order.
    assert _line(text, "QS002", "李强", "18") == ["QS002", "李强", "18", "18", "1", "1", "1"]
    assert _line(text, "QS003", "张敏", "18") == ["QS003", "张敏", "18", "16", "1", "1", "2"]
    assert _line(text, "合计（3人）") == ["合计（3人）", "54", "52", "1", "1", "1", "1", "1", "1", "2"]
    assert "表中空白表示 0。" in text
    assert "1 · 民政窗口" in text and "2 · 社保窗口" in text

    # The grid: the 12th is the fourth working day; the days are the columns between ｜.
    assert _line(text, "日明细") == ["日明细"]
    lines = [line.strip() for line in text.splitlines()]
    assert (
        "０８｜０９｜１０｜１２｜１３｜１４｜１５｜１６｜１９｜２０｜２１｜２２｜２３｜２６｜２７｜２８｜２９｜３０"
        in lines
    )
    assert (
        "周四｜周五｜周六｜周一｜周二｜周三｜周四｜周五｜周一｜周二｜周三｜周四｜周五｜周一｜周二｜周三｜周四｜周五"
        in lines
    )
    wang = _grid_days(text, "QS001", "王芳")
    assert len(wang) == 18 and wang[3] == "迟・" and set(wang[:3] + wang[4:]) == {"・・"}
    assert _grid_days(text, "QS002", "李强")[4:7] == ["・旷", "缺・", "补・"]
    assert _grid_days(text, "QS003", "张敏")[8:12] == ["病病", "病病", "・早", "脱・"]
    assert "图例" in text and "旷 旷工（半天）" in text

    assert "更正与审批" in text and "考勤机故障，本人当日在岗" in text and "忘记打卡" in text
    assert "考勤员：" in text and "中心主任：" in text and "第 1 页" in text
    assert _first_page_drawn(made.content, tmp_path).stat().st_size > 0


async def test_a_county_pdf_opens_with_its_halls_totals_and_binds_each_halls_part(
    october: World, tmp_path: Path
) -> None:
    await _close(october, october.town.id)
    steps: list[tuple[int, int]] = []
    made = await export_month(
        hall_id=october.county.id,
        month=OCTOBER,
        format=Format.PDF,
        now=NOW,
        progress=lambda done, total: steps.append((done, total)),
    )
    assert steps[-1] == (5, 5) and [done for done, _ in steps] == sorted(done for done, _ in steps)
    text = _pdf_text(made.content, tmp_path)
    assert "示范县政务服务中心" in text and TOWN in text and OTHER_TOWN in text and "赵丽" in text
    assert _line(text, TOWN) == [TOWN, "3", "54", "52", "1", "1", "1", "1", "1", "1", "2"]
    assert _line(text, f"{OTHER_TOWN}（草稿）") == [f"{OTHER_TOWN}（草稿）", "1", "18", "18", "1"]
    assert _line(text, "合计", "4") == ["合计", "4", "72", "70", "2", "1", "1", "1", "1", "1", "2"]
    # Each part is numbered on its own, as each hall posts its own.
    assert text.count("第 1 页") == 3
    assert [
        item.title for item in PdfReader(io.BytesIO(made.content)).outline if not isinstance(item, list)
    ] == [
        "示范县政务服务中心",
        TOWN,
        OTHER_TOWN,
    ]
    assert _first_page_drawn(made.content, tmp_path).stat().st_size > 0


# ---- the command line -------------------------------------------------------------------------


def _command(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "attendance.export", *arguments],
        cwd=PROJECT_ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
    )


async def test_the_command_line_writes_the_workbook_a_clerk_asks_for(october: World, tmp_path: Path) -> None:
    target = tmp_path / "考勤.xlsx"
    run = _command("--hall", "town", "--month", "2026-10", "--format", "xlsx", "-o", str(target))
    assert run.returncode == 0, run.stderr
    assert f"已生成 {target}" in run.stdout
    summary = load_workbook(target)["汇总"]
    assert _values(summary, 5)[:3] == [WANG, LI, ZHANG]


async def test_the_command_line_refuses_a_bad_month_or_an_unknown_hall_in_chinese(world: World) -> None:
    bad_month = _command("--hall", "town", "--month", "2026-13", "--format", "csv")
    assert bad_month.returncode == 2 and "月份：格式不正确，应为 YYYY-MM" in bad_month.stderr
    unknown = _command("--hall", "nowhere", "--month", "2026-10")
    assert unknown.returncode == 2 and "没有找到编码或编号为 nowhere 的中心" in unknown.stderr
