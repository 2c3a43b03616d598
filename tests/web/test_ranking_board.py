"""The public ranking board over HTTP, signed out: the latest published quarter exactly as
published (tests/assessment/test_ranking_export.py publishes the worked quarter), nothing of
a hall that has not published, and only the stars' photos."""

from __future__ import annotations

import datetime as dt
import html
import re

from litestar.testing import AsyncTestClient

from hall import services
from hall.config import get_config
from hall.i18n import catalog
from hall.schemas import WindowCreate
from tests.assessment.test_quarter import quarter  # noqa: F401
from tests.assessment.test_ranking_export import portrait, published  # noqa: F401
from tests.conftest import World

ROW = re.compile(r"<tr data-window-id=[^>]*>(.*?)</tr>", re.S)


def cells(row: str) -> list[str]:
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def ranking(page: str) -> list[list[str]]:
    return [cells(row) for row in ROW.findall(page)]


async def test_the_board_shows_the_published_quarter_to_anyone(
    client: AsyncTestClient,
    published: World,  # noqa: F811
) -> None:
    world = published
    # A window opened after the publication is not in the published ranking.
    await services.create_window(
        data=WindowCreate(
            hall_id=world.town.id,
            department_id=world.windows[0].department_id,
            number="9",
            name="综合受理窗口",
        ),
        scope=None,
    )
    response = await client.get(f"/board/ranking/{world.town.id}")
    assert response.status_code == 200
    page = response.text
    assert '<meta http-equiv="refresh" content="60">' in page
    assert "青山镇便民服务中心" in page and "2026年第三季度窗口考核排名公示" in page
    published_on = dt.datetime.now(get_config().timezone).date()  # published just now, in the halls' time
    assert f"公示日期：{published_on.isoformat()}" in page
    assert ranking(page) == [
        ["1", "3 · 不动产窗口", "民政办", "97.67", "100", "95", "98", "66.7%", "0", "优胜窗口"],
        ["2", "1 · 民政窗口", "民政办", "97.67", "99", "95", "99", "—", "1", "达标窗口"],
        ["3", "2 · 社保窗口", "社保所", "95.67", "87", "100", "100", "100.0%", "0", "优胜窗口"],
    ]
    assert page.count('class="excellent"') == 2
    assert "综合受理窗口" not in page
    assert "退出" not in page and "/login" not in page  # no staff navigation
    stars = re.findall(
        r'<div class="star[^"]*" data-staff-id="(\d+)">.*?<div class="name">(.*?)</div>', page, re.S
    )
    zhang, chen = world.staff[2].id, world.staff[3].id
    assert stars == [(str(zhang), "张敏"), (str(chen), "陈刚"), (str(zhang), "张敏"), (str(zhang), "张敏")]
    assert page.count(f'src="/board/ranking/{world.town.id}/photos/{zhang}"') == 3
    assert '<div class="initial" aria-hidden="true">陈</div>' in page

    english = await client.get(f"/board/ranking/{world.town.id}", headers={"Cookie": "lang=en"})
    assert catalog("en")["暂无公示的考核结果"] not in english.text
    assert catalog("en")["季度服务明星"] in english.text


async def test_a_hall_without_a_published_quarter_shows_nothing_of_it(
    client: AsyncTestClient,
    published: World,  # noqa: F811
) -> None:
    world = published
    response = await client.get(f"/board/ranking/{world.other_town.id}")
    assert response.status_code == 200
    assert "绿水镇便民服务中心" in response.text
    assert "暂无公示的考核结果" in response.text
    assert "赵丽" not in response.text and "民政窗口" not in response.text
    assert ranking(response.text) == []
    assert (await client.get("/board/ranking/987654")).status_code == 404


async def test_the_board_serves_the_stars_photos_and_no_one_elses(
    client: AsyncTestClient,
    published: World,  # noqa: F811
) -> None:
    world = published
    wang, zhang, chen = world.staff[0].id, world.staff[2].id, world.staff[3].id
    await services.set_staff_photo(
        staff_id=wang,
        content=portrait((10, 10, 10)),
        media_dir=get_config().media_dir,
        max_pixels=10_000_000,
        scope=None,
    )
    photo = await client.get(f"/board/ranking/{world.town.id}/photos/{zhang}")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.content.startswith(b"\xff\xd8")
    assert (
        await client.get(f"/board/ranking/{world.town.id}/photos/{wang}")
    ).status_code == 404  # not a star
    assert (await client.get(f"/board/ranking/{world.town.id}/photos/{chen}")).status_code == 404  # no photo
    # A star is a star of their own hall's board only.
    assert (await client.get(f"/board/ranking/{world.other_town.id}/photos/{zhang}")).status_code == 404
