"""The working-day calendar over HTTP: national years (only the admin writes them), hall
closures (the attendance office, in its own halls), the page, and the unknown-year warning."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient

from attendance import verdicts
from attendance.tables import Verdict
from hall import calendar
from hall.i18n import catalog
from hall.roles import Role
from tests.conftest import World

TEXT_2027 = "2027-01-01,休,元旦\n2027-02-20,班,春节调休\n2027-10-01,休,国庆节\n"
WARNING_MESSAGE = (
    "{year} 年的法定节假日和调休安排尚未录入，"
    "工作日暂按周一至周五（扣除已知法定节假日）计算，结果为临时结果。"
)
WARNING = WARNING_MESSAGE.format(year=2027)


async def test_the_years_around_this_one_and_their_sources(client: AsyncTestClient, world: World) -> None:
    response = await client.get(
        "/api/calendar/years", params={"around": 2026}, headers=world.auth(Role.CLERK)
    )
    assert response.status_code == 200
    assert [(y["year"], y["source"]) for y in response.json()] == [
        (2025, "library"),
        (2026, "library"),
        (2027, "unknown"),
    ]
    year = (await client.get("/api/calendar/years/2026", headers=world.auth(Role.INSPECTOR))).json()
    days = {d["day"]: (d["kind"], d["name"]) for d in year["days"]}
    assert days["2026-10-01"] == ("holiday", "国庆节")
    assert days["2026-10-10"] == ("workday", "调休上班")


async def test_only_the_admin_enters_a_year(client: AsyncTestClient, world: World) -> None:
    body = {"note": "国务院办公厅通知", "text": TEXT_2027}
    refused = await client.put("/api/calendar/years/2027", json=body, headers=world.auth(Role.CLERK))
    assert (refused.status_code, refused.json()["detail"]) == (403, "您的角色无权进行此操作")

    entered = await client.put("/api/calendar/years/2027", json=body, headers=world.auth(Role.ADMIN))
    assert entered.status_code == 200
    assert (entered.json()["source"], entered.json()["note"]) == ("entered", "国务院办公厅通知")
    assert [d["day"] for d in entered.json()["days"]] == ["2027-01-01", "2027-02-20", "2027-10-01"]

    by_list = await client.put(
        "/api/calendar/years/2027",
        json={"days": [{"day": "2027-10-01", "kind": "holiday", "name": "国庆节"}]},
        headers=world.auth(Role.ADMIN),
    )
    assert [d["day"] for d in by_list.json()["days"]] == ["2027-10-01"]

    assert (
        await client.delete("/api/calendar/years/2027", headers=world.auth(Role.ADMIN))
    ).status_code == 204
    after = await client.get("/api/calendar/years/2027", headers=world.auth(Role.ADMIN))
    assert after.json()["source"] == "unknown"


async def test_a_wrong_text_is_refused_line_by_line_in_chinese(client: AsyncTestClient, world: World) -> None:
    await client.put("/api/calendar/years/2027", json={"text": TEXT_2027}, headers=world.auth(Role.ADMIN))
    response = await client.put(
        "/api/calendar/years/2027",
        json={"text": "2027-01-01,休,元旦\n2027-02-22,班,春节调休\n2027-13-01,休"},
        headers=world.auth(Role.ADMIN),
    )
    assert response.status_code == 422
    assert [e["message"] for e in response.json()["errors"]] == [
        "第 2 行：2027-02-22 是周一至周五，本来就是工作日，不能作为调休上班日",
        "第 3 行：没有 2027-13-01 这一天",
    ]
    kept = await client.get("/api/calendar/years/2027", headers=world.auth(Role.ADMIN))
    assert len(kept.json()["days"]) == 3  # the refused text wrote nothing

    english = await client.put(
        "/api/calendar/years/2027",
        json={"text": "2027-02-22,班,春节调休"},
        headers={**world.auth(Role.ADMIN), "Cookie": "lang=en"},
    )
    assert english.json()["errors"][0]["message"] == catalog("en")[
        "第 {line} 行：{day} 是周一至周五，本来就是工作日，不能作为调休上班日"
    ].format(line=1, day="2027-02-22")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": "两者都没有"}, "text"),
        ({"text": "2027-01-01,休", "days": []}, "text"),
        ({"days": [{"day": "2027-01-01", "kind": "放假"}]}, "days.0.kind"),
    ],
)
async def test_a_malformed_body_names_the_field(
    client: AsyncTestClient, world: World, body: dict, field: str
) -> None:
    response = await client.put("/api/calendar/years/2027", json=body, headers=world.auth(Role.ADMIN))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_a_library_year_cannot_be_deleted(client: AsyncTestClient, world: World) -> None:
    response = await client.delete("/api/calendar/years/2026", headers=world.auth(Role.ADMIN))
    assert (response.status_code, response.json()["detail"]) == (
        409,
        "2026 年的日历来自 chinesecalendar 库，不能删除",
    )


async def _a_recent_working_day(hall_id: int) -> dt.date:
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    recent = await calendar.hall_calendar(hall_id=hall_id, start=today - dt.timedelta(days=20), end=today)
    return recent.working_days(today - dt.timedelta(days=20), today - dt.timedelta(days=1))[-1]


async def _verdicts_on(hall_id: int, day: dt.date) -> int:
    return await Verdict.count().where((Verdict.hall == hall_id) & (Verdict.day == day))


async def test_the_director_closes_their_own_hall(client: AsyncTestClient, world: World) -> None:
    day = await _a_recent_working_day(world.town.id)
    now = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9))
    await verdicts.recompute(hall_id=world.town.id, start=day, end=day, now=now)
    assert await _verdicts_on(world.town.id, day) == 2 * len(world.staff)
    path = f"/api/halls/{world.town.id}/closures"
    created = await client.post(
        path, json={"day": day.isoformat(), "reason": "停电检修"}, headers=world.auth(Role.DIRECTOR)
    )
    assert created.status_code == 201
    closure = created.json()
    assert (closure["hall_id"], closure["day"], closure["reason"]) == (
        world.town.id,
        day.isoformat(),
        "停电检修",
    )
    assert await _verdicts_on(world.town.id, day) == 0  # the closed day is no longer due

    again = await client.post(
        path, json={"day": day.isoformat(), "reason": "再次"}, headers=world.auth(Role.CLERK)
    )
    assert (again.status_code, again.json()["detail"]) == (409, f"{day.isoformat()} 已是本中心的闭厅日")
    blank = await client.post(path, json={"day": "2026-12-02", "reason": ""}, headers=world.auth(Role.CLERK))
    assert (blank.status_code, blank.json()["detail"]) == (422, "闭厅原因：不能为空")
    listed = await client.get(path, params={"year": 2026}, headers=world.auth(Role.INSPECTOR))
    assert [c["id"] for c in listed.json()] == [closure["id"]]
    inspector = await client.delete(f"{path}/{closure['id']}", headers=world.auth(Role.INSPECTOR))
    assert inspector.status_code == 403

    removed = await client.delete(f"{path}/{closure['id']}", headers=world.auth(Role.DIRECTOR))
    assert removed.status_code == 204
    assert await _verdicts_on(world.town.id, day) == 2 * len(world.staff)


async def test_another_halls_closures_are_not_found(client: AsyncTestClient, world: World) -> None:
    other = f"/api/halls/{world.other_town.id}/closures"
    made = await client.post(
        other, json={"day": "2026-12-01", "reason": "停电"}, headers=world.auth(Role.ADMIN)
    )
    closure_id = made.json()["id"]
    director = world.auth(Role.DIRECTOR)

    listed = await client.get(other, headers=director)
    assert (listed.status_code, listed.json()["detail"]) == (
        404,
        f"没有找到编号为 {world.other_town.id} 的中心",
    )
    added = await client.post(other, json={"day": "2026-12-02", "reason": "停电"}, headers=director)
    assert added.status_code == 404
    deleted = await client.delete(f"{other}/{closure_id}", headers=director)
    assert deleted.status_code == 404
    # Nor through their own hall's path.
    sideways = await client.delete(f"/api/halls/{world.town.id}/closures/{closure_id}", headers=director)
    assert (sideways.status_code, sideways.json()["detail"]) == (
        404,
        f"没有找到编号为 {closure_id} 的闭厅安排",
    )


# ---- the page ----------------------------------------------------------------------------


async def test_the_page_warns_about_an_unknown_year(client: AsyncTestClient, world: World) -> None:
    page = await client.get("/calendar", params={"year": 2027}, headers=world.cookie(Role.CLERK))
    assert page.status_code == 200
    assert WARNING in page.text
    assert 'action="/calendar/years/2027"' not in page.text  # only the admin enters a year
    assert f'action="/calendar/halls/{world.town.id}/closures"' in page.text

    known = await client.get("/calendar", params={"year": 2026}, headers=world.cookie(Role.CLERK))
    assert "data-calendar-warning" not in known.text
    assert "2026-10-10" in known.text

    english = await client.get(
        "/calendar",
        params={"year": 2027},
        headers={"Cookie": f"hall_session={world.tokens[Role.CLERK]}; lang=en"},
    )
    assert catalog("en")[WARNING_MESSAGE].format(year=2027) in english.text


async def test_the_admin_enters_a_year_on_the_page(client: AsyncTestClient, world: World) -> None:
    form = await client.get("/calendar", params={"year": 2027}, headers=world.cookie(Role.ADMIN))
    assert "2027-10-01,休,国庆节" in form.text  # prefilled from the holidays package

    refused = await client.post(
        "/calendar/years/2027",
        data={"text": "2027-01-01,休,元旦\n2027-02-22,班,春节调休", "note": ""},
        headers=world.cookie(Role.ADMIN),
    )
    assert refused.status_code == 422
    assert "第 2 行：2027-02-22 是周一至周五，本来就是工作日，不能作为调休上班日" in refused.text
    assert "2027-02-22,班,春节调休" in refused.text  # what was typed is kept

    saved = await client.post(
        "/calendar/years/2027",
        data={"text": TEXT_2027, "note": "国办通知"},
        headers=world.cookie(Role.ADMIN),
        follow_redirects=False,
    )
    assert (saved.status_code, saved.headers["location"]) == (303, "/calendar?year=2027")
    page = await client.get("/calendar", params={"year": 2027}, headers=world.cookie(Role.ADMIN))
    assert "data-calendar-warning" not in page.text
    assert 'data-year="2027" data-source="entered"' in page.text

    deleted = await client.post(
        "/calendar/years/2027/delete", headers=world.cookie(Role.ADMIN), follow_redirects=False
    )
    assert deleted.status_code == 303
    page = await client.get("/calendar", params={"year": 2027}, headers=world.cookie(Role.ADMIN))
    assert WARNING in page.text


async def test_the_clerk_closes_the_hall_on_the_page(client: AsyncTestClient, world: World) -> None:
    saved = await client.post(
        f"/calendar/halls/{world.town.id}/closures",
        data={"day": "2026-12-01", "reason": "停电检修"},
        headers=world.cookie(Role.CLERK),
        follow_redirects=False,
    )
    assert (saved.status_code, saved.headers["location"]) == (
        303,
        f"/calendar?year=2026&hall_id={world.town.id}",
    )
    page = await client.get(saved.headers["location"], headers=world.cookie(Role.CLERK))
    assert "停电检修" in page.text

    refused = await client.post(
        f"/calendar/halls/{world.town.id}/closures",
        data={"day": "2026-12-02"},
        headers=world.cookie(Role.CLERK),
    )
    assert refused.status_code == 422
    assert "必须填写" in refused.text
