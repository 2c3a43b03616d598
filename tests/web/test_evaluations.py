"""The evaluators over HTTP: an evaluator's press (201, then 200 on a re-send), refused for
another kind of device or a level it does not know; the tablet page paired with the
evaluator's secret; the satisfaction figures for the office and for window staff."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from litestar.testing import AsyncTestClient

from assessment.tables import Evaluation
from hall import settings
from hall.config import PROJECT_ROOT, get_config
from hall.roles import Role
from tests.conftest import World
from tests.web.test_i18n import CJK

FACES = PROJECT_ROOT.parent / "shared" / "faces"


def now() -> dt.datetime:
    return get_config().local_now()


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _session(secret: str) -> dict[str, str]:
    return {"Cookie": f"hall_session={secret}"}


async def _register(
    client: AsyncTestClient, world: World, *, window: int = 0, kind: str = "evaluator"
) -> dict[str, Any]:
    response = await client.post(
        "/api/devices",
        json={
            "hall_id": world.town.id,
            "name": f"{kind}{window}",
            "kind": kind,
            "window_id": world.windows[window].id if kind == "evaluator" else None,
        },
        headers=world.auth(Role.ADMIN),
    )
    assert response.status_code == 201, response.text
    return response.json()


# ---- the API: presses ----------------------------------------------------------------------------


async def test_a_press_is_stored_once_however_often_it_is_sent(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world, window=1)  # 张敏's window: she alone is due
    body = {"level": "dissatisfied", "pressed_at": (now() - dt.timedelta(minutes=1)).isoformat()}
    first = await client.post("/api/evaluations", json=body, headers=_bearer(issued["secret"]))
    assert first.status_code == 201, first.text
    stored = first.json()
    assert (stored["level"], stored["level_label"], stored["satisfied"]) == ("dissatisfied", "不满意", False)
    assert (stored["window_id"], stored["staff_id"], stored["staff_name"]) == (
        world.windows[1].id,
        world.staff[2].id,
        "张敏",
    )
    assert stored["attribution_label"] == "未打卡"
    again = await client.post("/api/evaluations", json=body, headers=_bearer(issued["secret"]))
    assert (again.status_code, again.json()) == (200, stored)
    assert await Evaluation.count() == 1
    # Without a time: now.
    plain = await client.post(
        "/api/evaluations", json={"level": "satisfied"}, headers=_bearer(issued["secret"])
    )
    assert plain.status_code == 201 and plain.json()["satisfied"]


async def test_another_kind_of_device_may_not_press(client: AsyncTestClient, world: World) -> None:
    for headers in (
        world.auth(Role.DEVICE),
        _bearer((await _register(client, world, kind="face_kiosk"))["secret"]),
    ):
        response = await client.post("/api/evaluations", json={"level": "satisfied"}, headers=headers)
        assert response.status_code == 403
        assert response.json()["detail"].startswith("此设备类型（")
        current = await client.get("/api/evaluations/current", headers=headers)
        assert current.status_code == 403
    assert await Evaluation.count() == 0


async def test_an_unknown_level_or_a_future_time_is_refused_in_chinese(
    client: AsyncTestClient, world: World
) -> None:
    headers = _bearer((await _register(client, world))["secret"])
    unknown = await client.post("/api/evaluations", json={"level": "meh"}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == "评价等级：不是可选的值"
    ahead = (now() + dt.timedelta(minutes=10)).isoformat()
    future = await client.post(
        "/api/evaluations", json={"level": "satisfied", "pressed_at": ahead}, headers=headers
    )
    assert future.status_code == 422
    assert future.json()["errors"] == [
        {"field": "pressed_at", "label": "评价时间", "message": "不能晚于当前时间 5 分钟以上"}
    ]
    english = await client.post(
        "/api/evaluations", json={"level": "meh"}, headers={**headers, "Cookie": "lang=en"}
    )
    assert english.json()["detail"] == "Rating: is not one of the allowed values"
    assert await Evaluation.count() == 0


async def test_the_evaluator_is_told_who_is_at_its_window(client: AsyncTestClient, world: World) -> None:
    headers = _bearer((await _register(client, world, window=1))["secret"])
    response = await client.get("/api/evaluations/current", headers=headers)
    assert response.status_code == 200
    assert {
        key: response.json()[key] for key in ("window_number", "window_name", "staff_id", "staff_name")
    } == {
        "window_number": "2",
        "window_name": "社保窗口",
        "staff_id": world.staff[2].id,
        "staff_name": "张敏",
    }


# ---- the API: the office's figures ---------------------------------------------------------------


async def test_the_office_reads_a_months_presses_and_satisfaction(
    client: AsyncTestClient, world: World
) -> None:
    headers = _bearer((await _register(client, world, window=1))["secret"])
    for level in ("satisfied", "dissatisfied", "very_satisfied"):
        response = await client.post(
            "/api/evaluations",
            json={"level": level, "pressed_at": (now() - dt.timedelta(seconds=len(level))).isoformat()},
            headers=headers,
        )
        assert response.status_code == 201
    month = now().strftime("%Y-%m")
    presses = await client.get(
        "/api/evaluations", params={"month": month}, headers=world.auth(Role.INSPECTOR)
    )
    assert presses.status_code == 200
    assert sorted(item["level"] for item in presses.json()) == ["dissatisfied", "satisfied", "very_satisfied"]
    report = await client.get(
        "/api/evaluations/satisfaction", params={"month": month}, headers=world.auth(Role.CLERK)
    )
    assert report.status_code == 200
    body = report.json()
    assert (body["total"]["presses"], body["total"]["satisfied"]) == (3, 2)
    window = next(item for item in body["windows"] if item["window_id"] == world.windows[1].id)
    assert window["month"]["counts"]["very_satisfied"] == 1
    assert abs(window["month"]["rate"] - 2 / 3) < 1e-9
    assert sum(week["presses"] for week in window["weeks"]) == 3
    # Another hall's figures are nobody's business here.
    other = await client.get(
        "/api/evaluations/satisfaction",
        params={"hall_id": world.other_town.id},
        headers=world.auth(Role.CLERK),
    )
    assert other.status_code == 404
    bad = await client.get(
        "/api/evaluations/satisfaction", params={"month": "2026-13"}, headers=world.auth(Role.CLERK)
    )
    assert bad.status_code == 422


# ---- pages: the figures --------------------------------------------------------------------------


async def test_the_satisfaction_page_lists_windows_people_and_weeks(
    client: AsyncTestClient, world: World
) -> None:
    headers = _bearer((await _register(client, world, window=1))["secret"])
    await client.post("/api/evaluations", json={"level": "dissatisfied"}, headers=headers)
    page = await client.get("/assessment/satisfaction", headers=world.cookie(Role.DIRECTOR))
    assert page.status_code == 200
    assert 'type="month"' in page.text and "第 " in page.text and "满意率" in page.text
    row = re.search(rf'<tr data-window-id="{world.windows[1].id}">(.*?)</tr>', page.text, re.S)
    assert row and "<td data-presses>1</td>" in row.group(1) and "0.0%" in row.group(1)
    person = re.search(rf'<tr data-staff-id="{world.staff[2].id}">(.*?)</tr>', page.text, re.S)
    assert person and "张敏" in person.group(1) and "<td data-dissatisfied>1</td>" in person.group(1)
    assert 'href="/assessment/satisfaction"' in page.text, "the office finds it in the navigation"

    english = await client.get(
        "/assessment/satisfaction", headers={"Cookie": f"lang=en; {world.cookie(Role.DIRECTOR)['Cookie']}"}
    )
    assert "Satisfaction rate" in english.text and "满意率" not in english.text


async def test_window_staff_see_their_own_window_and_themselves(
    client: AsyncTestClient, world: World
) -> None:
    headers = _bearer((await _register(client, world, window=1))["secret"])
    await client.post("/api/evaluations", json={"level": "dissatisfied"}, headers=headers)
    page = await client.get("/assessment/me", headers=world.cookie(Role.STAFF))  # 王芳, window 1
    assert page.status_code == 200
    assert "我的满意度" in page.text and 'href="/assessment/me"' in page.text
    assert f'data-window-id="{world.windows[0].id}"' in page.text
    assert f'data-window-id="{world.windows[1].id}"' not in page.text
    assert f'data-staff-id="{world.staff[0].id}"' in page.text
    assert f'data-staff-id="{world.staff[2].id}"' not in page.text
    assert 'name="hall_id"' not in page.text


# ---- the tablet page -----------------------------------------------------------------------------


def _texts(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="evaluator-texts">(.*?)</script>', page, re.S)
    assert found, "the evaluator page carries its texts"
    return json.loads(found.group(1))


async def test_pairing_opens_the_tablet_page(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world, window=1)
    form = await client.get("/evaluate/pair")
    assert (
        form.status_code == 200 and "窗口评价器配对" in form.text and 'action="/evaluate/pair"' in form.text
    )
    paired = await client.post("/evaluate/pair", data={"secret": issued["secret"]}, follow_redirects=False)
    assert (paired.status_code, paired.headers["location"]) == (303, "/evaluate")
    assert "samesite=strict" in paired.headers["set-cookie"].lower()

    client.cookies.clear()
    page = await client.get("/evaluate", headers=_session(issued["secret"]))
    assert page.status_code == 200
    for text in ("青山镇便民服务中心", "2 · 社保窗口", "张敏", "/static/evaluator.js", "/static/terminal.js"):
        assert text in page.text, text
    assert re.findall(r'data-level="(\w+)"', page.text) == ["satisfied", "dissatisfied"]
    assert f'data-staff-id="{world.staff[2].id}"' in page.text
    assert 'class="top"' not in page.text, "the tablet shows no site navigation"
    assert _texts(page.text)["revoked"] == "设备已停用，请联系管理员"

    told = await client.get("/evaluate/pair", headers=_session(issued["secret"]))
    assert (
        "本浏览器已配对为 青山镇便民服务中心 的 evaluator1" in told.text and 'href="/evaluate"' in told.text
    )


async def test_a_hall_with_five_button_evaluators(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    await settings.change_setting(
        hall_id=world.town.id,
        key="evaluator_buttons",
        value="5",
        effective_from=now().date(),
        reason="换用五档评价器",
        scope=None,
        actor_id=world.account_ids[Role.DIRECTOR],
        today=now().date(),
    )
    page = await client.get("/evaluate", headers=_session(issued["secret"]))
    assert re.findall(r'data-level="(\w+)"', page.text) == [
        "very_satisfied",
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
        "very_dissatisfied",
    ]


async def test_only_an_evaluator_pairs_and_opens_the_tablet_page(
    client: AsyncTestClient, world: World
) -> None:
    kiosk = await _register(client, world, kind="face_kiosk")
    refused = await client.post("/evaluate/pair", data={"secret": kiosk["secret"]}, follow_redirects=False)
    assert refused.status_code == 403 and "此设备类型（人脸考勤网页终端）不能进行此操作" in refused.text
    assert "set-cookie" not in refused.headers
    for headers in (_session(kiosk["secret"]), world.cookie(Role.DEVICE)):
        response = await client.get("/evaluate", headers=headers, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/evaluate/pair")
    # And an evaluator's secret opens no kiosk.
    evaluator = await _register(client, world)
    kiosk_page = await client.get("/kiosk", headers=_session(evaluator["secret"]), follow_redirects=False)
    assert (kiosk_page.status_code, kiosk_page.headers["location"]) == (303, "/kiosk/pair")
    signed_out = await client.get("/evaluate", follow_redirects=False)
    assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/evaluate/pair")
    unpaired = await client.post(
        "/evaluate/unpair", headers=_session(evaluator["secret"]), follow_redirects=False
    )
    assert (unpaired.status_code, unpaired.headers["location"]) == (303, "/evaluate/pair")


async def test_the_tablet_shows_photos_of_its_own_hall(client: AsyncTestClient, world: World) -> None:
    tablet = _session((await _register(client, world, window=1))["secret"])
    person = world.staff[2]
    assert (await client.get(f"/evaluate/staff/{person.id}/photo", headers=tablet)).status_code == 404
    uploaded = await client.put(
        f"/api/staff/{person.id}/photo",
        content=(FACES / "obama-1.jpg").read_bytes(),
        headers={**world.auth(Role.DIRECTOR), "Content-Type": "image/jpeg"},
    )
    assert uploaded.status_code == 200
    shown = await client.get(f"/evaluate/staff/{person.id}/photo", headers=tablet)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert (
        await client.get(f"/evaluate/staff/{world.other_staff.id}/photo", headers=tablet)
    ).status_code == 404
    assert (
        await client.get(f"/evaluate/staff/{person.id}/photo", headers=world.cookie(Role.DEVICE))
    ).status_code == 404


async def test_the_tablet_script_and_styles_are_served(client: AsyncTestClient) -> None:
    for name, marker in (
        ("evaluator.js", "/api/evaluations"),
        ("terminal.js", "hallClock"),
        ("evaluator.css", ""),
    ):
        response = await client.get(f"/static/{name}")
        assert response.status_code == 200 and marker in response.text, name
        assert not CJK.search(response.text), name


async def test_the_tablet_page_in_english(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    page = await client.get("/evaluate", headers={"Cookie": f"hall_session={issued['secret']}; lang=en"})
    assert page.status_code == 200
    assert "Thank you for your evaluation" in page.text and "谢谢您的评价" not in page.text
    assert ">Satisfied</button>" in page.text and ">Dissatisfied</button>" in page.text
