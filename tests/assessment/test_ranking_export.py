"""The quarterly ranking publication read back by independent readers: the PDF by poppler
(`pdftotext` for its words and figures, `pdftoppm` for a page drawn, `pdffonts` for the
embedded Chinese font), the XLSX by openpyxl; and the command line as an operator runs it.

The quarter is the worked one of test_quarter.py, published: 不动产窗口 (C) 1st with 97.67
(100, 95, 98; 4 of 6 presses satisfied: 66.7 %), 民政窗口 (A) 2nd with 97.67 and an upheld
complaint (达标), 社保窗口 (B) 3rd with 95.67 (87, 100, 100; 1 of 1: 100.0 %). Stars: 张敏 of
the quarter, 陈刚 in July, 张敏 in August and September. 张敏 has a photo, 陈刚 none.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from assessment import ranking, ranking_export, scores
from hall import services
from hall.config import PROJECT_ROOT, get_config
from hall.documents import Format
from hall.errors import Conflict
from hall.roles import Role
from tests.assessment.test_quarter import AFTER_QUARTER, AUGUST, JULY, SEPTEMBER, quarter  # noqa: F401
from tests.conftest import World

GENERATED = dt.datetime(2026, 11, 2, 9, 30)
GOLD = (253, 233, 169)  # an excellent window's row
BAR_BLUE = (74, 126, 187)
INITIAL_BOX = (242, 242, 242)


def portrait(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), colour).save(out, format="PNG")
    return out.getvalue()


async def publish(world: World, hall_id: int) -> None:
    director = world.account_ids[Role.DIRECTOR]
    for month in (JULY, AUGUST, SEPTEMBER):
        await scores.sign_off(hall_id=hall_id, month=month, actor_id=director, now=AFTER_QUARTER, scope=None)
    await scores.publish_quarter(
        hall_id=hall_id, quarter=JULY, star_staff_id=None, actor_id=director, now=AFTER_QUARTER, scope=None
    )


@pytest.fixture
async def published(quarter: World) -> World:  # noqa: F811
    world = quarter
    zhang = world.staff[2].id
    await services.set_staff_photo(
        staff_id=zhang,
        content=portrait((40, 90, 160)),
        media_dir=get_config().media_dir,
        max_pixels=10_000_000,
        scope=None,
    )
    await publish(world, world.town.id)
    return world


async def export(world: World, format: Format, hall_id: int | None = None, **options):
    return await ranking_export.export_ranking(
        hall_id=hall_id or world.town.id, quarter=JULY, format=format, now=GENERATED, **options
    )


def pdf_text(content: bytes, tmp_path: Path, *options: str) -> str:
    source = tmp_path / "ranking.pdf"
    source.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", *options, str(source), "-"], check=True, capture_output=True, text=True
    ).stdout


def poppler(command: list[str], content: bytes) -> str:
    return subprocess.run(command, input=content, check=True, capture_output=True).stdout.decode()


def words(line: str) -> list[str]:
    return line.split()


def ranking_rows(text: str) -> list[list[str]]:
    """The ranking's lines as pdftotext lays them out: those starting with a rank."""
    return [words(line) for line in text.splitlines() if re.match(r"^\s*\d+\s+\d+ · ", line)]


def page_image(content: bytes, tmp_path: Path) -> Image.Image:
    source = tmp_path / "ranking.pdf"
    source.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(source), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    (png,) = tmp_path.glob("page*.png")
    return Image.open(png).convert("RGB")


def has_colour(image: Image.Image, colour: tuple[int, int, int], at_least: int = 50) -> bool:
    close = (np.abs(np.asarray(image, dtype=int) - colour) <= 6).all(axis=2)
    return int(close.sum()) >= at_least


async def test_the_pdf_shows_the_published_ranking_stars_and_bars(published: World, tmp_path: Path) -> None:
    steps: list[tuple[int, int]] = []
    made = await export(published, Format.PDF, progress=lambda done, total: steps.append((done, total)))
    assert made.filename == "青山镇便民服务中心-2026年第三季度窗口考核排名.pdf"
    assert made.content.startswith(b"%PDF") and made.content_type == "application/pdf"
    assert not made.draft
    assert steps == [(1, 2), (2, 2), (2, 2)]  # read; its one hall laid out; done

    text = pdf_text(made.content, tmp_path)
    assert "2026年第三季度窗口考核排名公示" in text
    assert "青山镇便民服务中心" in text and "生成时间 2026-11-02 09:30" in text
    header = next(words(line) for line in text.splitlines() if "名次" in line)
    assert header == [
        "名次",
        "窗口",
        "进驻单位",
        "季度得分",
        "7月",
        "8月",
        "9月",
        "满意率",
        "有效投诉",
        "等级",
    ]
    assert ranking_rows(text) == [
        ["1", "3", "·", "不动产窗口", "民政办", "97.67", "100", "95", "98", "66.7%", "0", "优胜窗口"],
        ["2", "1", "·", "民政窗口", "民政办", "97.67", "99", "95", "99", "—", "1", "达标窗口"],
        ["3", "2", "·", "社保窗口", "社保所", "95.67", "87", "100", "100", "100.0%", "0", "优胜窗口"],
    ]
    assert "优胜窗口 2 个" in text
    # The stars side by side, the quarter's first.
    lines = text.splitlines()
    titles = next(index for index, line in enumerate(lines) if "季度服务明星" in line)
    assert [words(line) for line in lines[titles : titles + 4]] == [
        ["季度服务明星", "7月服务明星", "8月服务明星", "9月服务明星"],
        ["张敏", "陈刚", "张敏", "张敏"],
        ["社保窗口", "不动产窗口", "社保窗口", "社保窗口"],
        "得分 99.00 · 满意率 100.0% 得分 100.00 · 满意率 100.0% 得分 100.00 · 满意率 100.0%"
        " 得分 100.00 · 满意率 100.0%".split(),
    ]
    # The chart: each window in rank order with its score after the bar, on an axis from 80.
    chart = text[text.index("季度得分\n") :]
    bars = [words(line) for line in chart.splitlines() if re.match(r"^\s*\d · \S+\s+\d+\.\d\d\s*$", line)]
    assert bars == [
        ["3", "·", "不动产窗口", "97.67"],
        ["1", "·", "民政窗口", "97.67"],
        ["2", "·", "社保窗口", "95.67"],
    ]
    assert ["80", "85", "90", "95", "100"] in [words(line) for line in chart.splitlines()]
    assert "横轴自 80 分起" in text

    fonts = poppler(["pdffonts", "-"], made.content)
    assert re.search(r"(?m)^\S+\s+TrueType\s+\S+\s+yes\s+yes", fonts), fonts  # embedded, subset
    # 张敏's photo three times (the quarter's star, August's, September's), one image in the
    # file; 陈刚 has no photo: his initial in a grey box stands in.
    images = [line.split() for line in poppler(["pdfimages", "-list", "-"], made.content).splitlines()[2:]]
    assert len(images) == 4 and len({image[10] for image in images}) == 2

    page = page_image(made.content, tmp_path)
    assert page.size[0] > 300
    assert has_colour(page, GOLD), "the excellent windows' rows are highlighted"
    assert has_colour(page, BAR_BLUE), "the bars"
    assert has_colour(page, (40, 90, 160)), "张敏's photo is drawn"
    assert has_colour(page, INITIAL_BOX, at_least=1000), "陈刚's initial stands in for his photo"


async def test_the_xlsx_has_typed_values_in_rank_order(published: World) -> None:
    made = await export(published, Format.XLSX)
    assert made.filename == "青山镇便民服务中心-2026年第三季度窗口考核排名.xlsx"
    workbook = load_workbook(io.BytesIO(made.content))
    assert workbook.sheetnames == ["排名", "服务明星"]
    sheet = workbook["排名"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "中心",
        "名次",
        "窗口编号",
        "窗口",
        "进驻单位",
        "季度得分",
        "7月",
        "8月",
        "9月",
        "满意率",
        "评价次数",
        "有效投诉",
        "等级",
    )
    hall = "青山镇便民服务中心"
    assert rows[1:] == [
        (hall, 1, "3", "不动产窗口", "民政办", 97.67, 100, 95, 98, pytest.approx(4 / 6), 6, 0, "优胜窗口"),
        (hall, 2, "1", "民政窗口", "民政办", 97.67, 99, 95, 99, None, 0, 1, "达标窗口"),
        (hall, 3, "2", "社保窗口", "社保所", 95.67, 87, 100, 100, 1.0, 1, 0, "优胜窗口"),
    ]
    first = sheet[2]
    assert [type(first[index].value) for index in (1, 5, 6, 7, 8, 9)] == [int, float, int, int, int, float]
    assert first[5].number_format == "0.00" and first[9].number_format == "0.0%"
    assert (
        first[0].fill.fgColor.rgb.endswith("FDE9A9")
        and sheet[3][0].fill.fgColor.rgb != first[0].fill.fgColor.rgb
    )
    assert sheet.freeze_panes == "A2"
    assert (int(sheet.page_setup.paperSize), sheet.page_setup.orientation) == (9, "landscape")  # 9: A4
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.column_dimensions["D"].width == 20

    stars = list(workbook["服务明星"].iter_rows(values_only=True))
    assert stars[0] == ("中心", "称号", "姓名", "窗口", "得分", "满意率", "评价次数")
    assert [(title, name, score) for _, title, name, _, score, _, _ in stars[1:]] == [
        ("季度服务明星", "张敏", 99),
        ("7月服务明星", "陈刚", 100),
        ("8月服务明星", "张敏", 100),
        ("9月服务明星", "张敏", 100),
    ]


async def test_only_a_published_quarter_is_exported(quarter: World) -> None:  # noqa: F811
    world = quarter
    with pytest.raises(Conflict) as refused:
        await export(world, Format.PDF)
    assert str(refused.value) == "2026-Q3的考核结果尚未公示"
    # The county: none of its halls has published.
    with pytest.raises(Conflict):
        await export(world, Format.XLSX, hall_id=world.county.id)
    # Another director's hall is not even there.
    with pytest.raises(Exception, match="没有找到编号为"):
        await export(world, Format.PDF, hall_id=world.other_town.id, scope=frozenset({world.town.id}))


async def test_a_county_exports_each_published_hall_from_a_new_page(published: World, tmp_path: Path) -> None:
    world = published
    made = await export(world, Format.PDF, hall_id=world.county.id)
    assert made.filename == "示范县政务服务中心-2026年第三季度窗口考核排名.pdf"
    text = pdf_text(made.content, tmp_path)
    # 绿水镇 has not published: named as missing, none of its figures shown.
    assert "以下中心尚未公示本季度考核结果，未列入：绿水镇便民服务中心" in text
    assert re.search(r"(?m)^青山镇便民服务中心$", text), "the section is headed with its hall"
    assert "赵丽" not in text
    assert [row[3] for row in ranking_rows(text)] == ["不动产窗口", "民政窗口", "社保窗口"]

    await publish(world, world.other_town.id)
    made = await export(world, Format.PDF, hall_id=world.county.id)
    pages = pdf_text(made.content, tmp_path).split("\f")
    first = next(
        index for index, page in enumerate(pages) if "青山镇便民服务中心" in page and "不动产窗口" in page
    )
    second = next(
        index for index, page in enumerate(pages) if "绿水镇便民服务中心" in page and "赵丽" in page
    )
    assert second > first
    assert "尚未公示" not in "".join(pages)
    # Laid out apart and bound, each hall under its bookmark.
    outline = [
        item.title for item in PdfReader(io.BytesIO(made.content)).outline if not isinstance(item, list)
    ]
    assert outline == ["青山镇便民服务中心", "绿水镇便民服务中心"]
    workbook = load_workbook(io.BytesIO((await export(world, Format.XLSX, hall_id=world.county.id)).content))
    halls = [row[0] for row in workbook["排名"].iter_rows(min_row=2, values_only=True)]
    assert halls == ["青山镇便民服务中心"] * 3 + ["绿水镇便民服务中心"]


async def test_the_fingerprint_is_of_the_data_shown(published: World) -> None:
    first = await export(published, Format.PDF)
    later = await ranking_export.export_ranking(
        hall_id=published.town.id, quarter=JULY, format=Format.PDF, now=GENERATED + dt.timedelta(days=3)
    )
    assert first.fingerprint == later.fingerprint
    assert first.fingerprint != (await export(published, Format.XLSX)).fingerprint
    await services.set_staff_photo(
        staff_id=published.staff[2].id,
        content=portrait((200, 30, 30)),
        media_dir=get_config().media_dir,
        max_pixels=10_000_000,
        scope=None,
    )
    assert (await export(published, Format.PDF)).fingerprint != first.fingerprint


def run_command(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assessment.ranking_export", *arguments],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_POOL": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_the_command_line_writes_the_file_or_says_why_not(published: World, tmp_path: Path) -> None:
    target = tmp_path / "排名.xlsx"
    done = run_command("--hall", "town", "--quarter", "2026-Q3", "--format", "xlsx", "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert f"已生成 {target}" in done.stdout
    sheet = load_workbook(target)["排名"]
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "不动产窗口",
        "民政窗口",
        "社保窗口",
    ]

    pdf = tmp_path / "排名.pdf"
    done = run_command("--hall", str(published.town.id), "--quarter", "2026q3", "-o", str(pdf))
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF")

    refused = run_command(
        "--hall", "other", "--quarter", "2026-Q3", "--format", "pdf", "-o", str(tmp_path / "x")
    )
    assert (refused.returncode, refused.stderr.strip()) == (2, "错误：2026-Q3的考核结果尚未公示")
    assert not (tmp_path / "x").exists()
    wrong = run_command("--hall", "town", "--quarter", "2026-Q5")
    assert (wrong.returncode, wrong.stderr.strip()) == (2, "错误：季度：格式不正确，应为 YYYY-Qn，如 2026-Q3")
    unknown = run_command("--hall", "nowhere", "--quarter", "2026-Q3")
    assert (unknown.returncode, unknown.stderr.strip()) == (2, "错误：没有找到编码或编号为 nowhere 的中心")


def test_quarter_labels() -> None:
    assert ranking.quarter_from_label("2026-Q3") == JULY
    assert ranking.quarter_from_label(" 2027q1 ") == dt.date(2027, 1, 1)
    assert ranking.quarter_period(dt.date(2026, 10, 1)) == "2026年第四季度"
