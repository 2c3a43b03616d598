"""The public ranking board on a hall's screen: headless Chromium, signed out, against a real
server that reads the tests' own database, so that the worked quarter of
tests/assessment/test_quarter.py, published, is what it shows."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, expect

from hall import services
from hall.schemas import WindowCreate
from tests.assessment.test_quarter import quarter  # noqa: F401
from tests.assessment.test_ranking_export import published  # noqa: F401
from tests.conftest import RUN_DIR, World
from tests.server import AppServer

pytestmark = pytest.mark.browser

EXCELLENT_ROW = "rgb(253, 233, 169)"


@pytest.fixture(scope="module")
def shared_server() -> Iterator[str]:
    """The app on the tests' database and data folder: what a test writes, it serves."""
    app = AppServer(
        demo_data=False, environ={"DATABASE_URL": os.environ["DATABASE_URL"], "DATA_DIR": str(RUN_DIR)}
    )
    try:
        app.start()
        yield app.url
    finally:
        app.close()


async def test_the_screen_shows_exactly_the_published_ranking(
    shared_server: str,
    browser: Browser,
    published: World,  # noqa: F811
) -> None:
    world = published
    await services.create_window(
        data=WindowCreate(
            hall_id=world.town.id,
            department_id=world.windows[0].department_id,
            number="9",
            name="综合受理窗口",
        ),
        scope=None,
    )
    page = await browser.new_page(viewport={"width": 1920, "height": 1080})
    url = f"{shared_server}/board/ranking/{world.town.id}"
    await page.goto(url)
    await expect(page).to_have_url(url)  # no sign-in asked for
    await expect(page.locator("#title")).to_have_text("2026年第三季度窗口考核排名公示")
    rows = page.locator("#ranking tbody tr")
    await expect(rows).to_have_count(3)
    shown = [
        [text.strip() for text in await rows.nth(index).locator("td").all_inner_texts()] for index in range(3)
    ]
    assert shown == [
        ["1", "3 · 不动产窗口", "民政办", "97.67", "100", "95", "98", "66.7%", "0", "优胜窗口"],
        ["2", "1 · 民政窗口", "民政办", "97.67", "99", "95", "99", "—", "1", "达标窗口"],
        ["3", "2 · 社保窗口", "社保所", "95.67", "87", "100", "100", "100.0%", "0", "优胜窗口"],
    ]
    backgrounds = [
        await rows.nth(index).locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
        for index in range(3)
    ]
    assert (backgrounds[0], backgrounds[2]) == (EXCELLENT_ROW, EXCELLENT_ROW)
    assert backgrounds[1] != EXCELLENT_ROW
    await expect(page.locator("body")).not_to_contain_text("综合受理窗口")

    stars = page.locator("#stars .star")
    await expect(stars).to_have_count(4)
    assert [name.strip() for name in await page.locator("#stars .name").all_inner_texts()] == [
        "张敏",
        "陈刚",
        "张敏",
        "张敏",
    ]
    await expect(stars.first.locator(".title")).to_have_text("季度服务明星")
    # 张敏's photo comes from the board's own route; 陈刚 has none: his initial.
    widths = await page.locator("#stars img").evaluate_all(
        "images => images.map(image => image.naturalWidth)"
    )
    assert widths == [300, 300, 300]
    await expect(stars.nth(1).locator(".initial")).to_have_text("陈")

    # Large type for a screen across the hall, and it reloads itself.
    size = await rows.first.locator("td.score").evaluate("td => parseFloat(getComputedStyle(td).fontSize)")
    assert size >= 24
    refresh = await page.locator('meta[http-equiv="refresh"]').get_attribute("content")
    assert refresh == "60"
    await page.screenshot(path=str(RUN_DIR / "ranking-board.png"), full_page=True)

    other = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await other.goto(f"{shared_server}/board/ranking/{world.other_town.id}")
    await expect(other.locator("#nothing")).to_have_text("暂无公示的考核结果")
    await expect(other.locator("body")).not_to_contain_text("赵丽")
    await expect(other.locator("#ranking")).to_have_count(0)
