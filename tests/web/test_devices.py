"""The device registry over HTTP: a manager registers a hall's terminal and sees its secret
once; the secret signs the device in until it is replaced or the device revoked, and then
not a request longer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from devices.tables import Device
from hall.roles import Role
from tests.conftest import World

# As tests/web/test_i18n.py: Han ideographs, CJK punctuation and full-width forms.
CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
# tests/conftest.py registers the world's own face terminal.
WORLD_DEVICES = 1


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def _register(
    client: AsyncTestClient, world: World, *, name: str = "一号考勤机", kind: str = "face_kiosk"
) -> dict[str, Any]:
    response = await client.post(
        "/api/devices",
        json={"hall_id": world.town.id, "name": name, "kind": kind},
        headers=world.auth(Role.ADMIN),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_registered_device_signs_in_with_its_secret(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    device = issued["device"]
    assert (device["name"], device["hall_name"], device["kind_label"]) == (
        "一号考勤机",
        "青山镇便民服务中心",
        "人脸考勤网页终端",
    )
    assert device["active"]
    me = await client.get("/api/auth/me", headers=_bearer(issued["secret"]))
    assert me.status_code == 200
    assert (me.json()["role"], me.json()["hall_id"], me.json()["display_name"]) == (
        "device",
        world.town.id,
        "一号考勤机",
    )


async def test_the_secret_is_shown_only_once(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    shown = await client.get(f"/api/devices/{issued['device']['id']}", headers=world.auth(Role.ADMIN))
    listed = await client.get("/api/devices", headers=world.auth(Role.ADMIN))
    page = await client.get("/devices", headers=world.cookie(Role.ADMIN))
    assert shown.status_code == listed.status_code == page.status_code == 200
    assert "secret" not in shown.json()
    assert issued["device"]["id"] in [d["id"] for d in listed.json()]
    for response in (shown, listed, page):
        assert issued["secret"] not in response.text


async def test_the_secret_is_not_kept_by_any_cache(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/devices",
        json={"hall_id": world.town.id, "name": "一号考勤机", "kind": "face_kiosk"},
        headers=world.auth(Role.ADMIN),
    )
    assert "no-store" in response.headers["cache-control"]


async def test_a_replaced_secret_is_refused_at_once(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    assert (await client.get("/api/auth/me", headers=_bearer(issued["secret"]))).status_code == 200
    replaced = await client.post(
        f"/api/devices/{issued['device']['id']}/secret", headers=world.auth(Role.ADMIN)
    )
    assert replaced.status_code == 200
    assert replaced.json()["secret"] != issued["secret"]
    assert (await client.get("/api/auth/me", headers=_bearer(issued["secret"]))).status_code == 401
    assert (await client.get("/api/auth/me", headers=_bearer(replaced.json()["secret"]))).status_code == 200


async def test_a_revoked_device_is_refused_at_once(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    device_id = issued["device"]["id"]
    assert (await client.get("/api/auth/me", headers=_bearer(issued["secret"]))).status_code == 200
    revoked = await client.post(f"/api/devices/{device_id}/revoke", headers=world.auth(Role.ADMIN))
    assert revoked.status_code == 200
    assert not revoked.json()["active"] and revoked.json()["revoked_at"] is not None
    assert (await client.get("/api/auth/me", headers=_bearer(issued["secret"]))).status_code == 401
    # A revoked device gets no new secret either.
    again = await client.post(f"/api/devices/{device_id}/secret", headers=world.auth(Role.ADMIN))
    assert (again.status_code, again.json()["detail"]) == (409, "设备已停用，不能更换密钥")
    page = await client.get("/devices", headers=world.cookie(Role.ADMIN))
    assert "已停用" in page.text
    assert f'action="/devices/{device_id}/revoke"' not in page.text


async def test_a_duplicate_name_in_a_hall_is_a_conflict(client: AsyncTestClient, world: World) -> None:
    await _register(client, world)
    response = await client.post(
        "/api/devices",
        json={"hall_id": world.town.id, "name": "一号考勤机", "kind": "face_terminal"},
        headers=world.auth(Role.ADMIN),
    )
    assert (response.status_code, response.json()["detail"]) == (409, "本中心已有名为 一号考勤机 的设备")
    elsewhere = await client.post(
        "/api/devices",
        json={"hall_id": world.other_town.id, "name": "一号考勤机", "kind": "face_kiosk"},
        headers=world.auth(Role.ADMIN),
    )
    assert elsewhere.status_code == 201


async def test_a_bad_name_or_kind_is_named_in_chinese(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/devices",
        json={"hall_id": world.town.id, "name": " 甲 ", "kind": "toaster"},
        headers=world.auth(Role.ADMIN),
    )
    assert response.status_code == 422
    errors = {e["field"]: (e["label"], e["message"]) for e in response.json()["errors"]}
    assert errors == {"name": ("设备名称", "至少 2 个字符"), "kind": ("设备类型", "不是可选的值")}
    assert await Device.count() == WORLD_DEVICES


async def test_a_director_reaches_only_the_devices_of_their_halls(
    client: AsyncTestClient, world: World
) -> None:
    mine = await _register(client, world)
    theirs = await client.post(
        "/api/devices",
        json={"hall_id": world.other_town.id, "name": "绿水考勤机", "kind": "face_terminal"},
        headers=world.auth(Role.ADMIN),
    )
    theirs_id = theirs.json()["device"]["id"]
    director = world.auth(Role.DIRECTOR)
    listed = await client.get("/api/devices", headers=director)
    ids = [d["id"] for d in listed.json()]
    assert mine["device"]["id"] in ids and theirs_id not in ids
    for response in (
        await client.get(f"/api/devices/{theirs_id}", headers=director),
        await client.post(f"/api/devices/{theirs_id}/secret", headers=director),
        await client.post(f"/api/devices/{theirs_id}/revoke", headers=director),
    ):
        assert (response.status_code, response.json()["detail"]) == (
            404,
            f"没有找到编号为 {theirs_id} 的设备",
        )
    assert (await client.get("/api/auth/me", headers=_bearer(theirs.json()["secret"]))).status_code == 200
    registered = await client.post(
        "/api/devices",
        json={"hall_id": world.other_town.id, "name": "越权考勤机", "kind": "face_kiosk"},
        headers=director,
    )
    assert registered.status_code == 404
    page = await client.get("/devices", headers=world.cookie(Role.DIRECTOR))
    assert "一号考勤机" in page.text and "绿水考勤机" not in page.text


@pytest.mark.parametrize("role", [Role.CLERK, Role.STAFF, Role.DEVICE])
async def test_only_managers_keep_the_registry(client: AsyncTestClient, world: World, role: Role) -> None:
    issued = await _register(client, world)
    device_id = issued["device"]["id"]
    for method, path in (
        ("GET", "/api/devices"),
        ("POST", "/api/devices"),
        ("GET", f"/api/devices/{device_id}"),
        ("POST", f"/api/devices/{device_id}/secret"),
        ("POST", f"/api/devices/{device_id}/revoke"),
    ):
        response = await client.request(method, path, headers=world.auth(role))
        assert response.status_code == 403, (method, path)
    page = await client.get("/devices", headers=world.cookie(role))
    assert page.status_code == 403
    # Not even a device with a secret of its own manages devices.
    assert (await client.get("/api/devices", headers=_bearer(issued["secret"]))).status_code == 403


async def test_the_devices_page_lists_and_offers_the_register_form(
    client: AsyncTestClient, world: World
) -> None:
    await _register(client, world)
    page = await client.get("/devices", headers=world.cookie(Role.ADMIN))
    assert page.status_code == 200
    for text in ("设备", "一号考勤机", "人脸考勤网页终端", "青山镇便民服务中心", "启用", "更换密钥", "停用"):
        assert text in page.text, text
    assert 'name="kind"' in page.text and "人脸考勤终端程序" in page.text
    assert '<a href="/devices" class="active">设备</a>' in page.text


async def test_a_registration_with_a_blank_name_is_shown_again(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/devices",
        data={"hall_id": str(world.town.id), "name": " ", "kind": "face_terminal"},
        headers=world.cookie(Role.ADMIN),
    )
    assert response.status_code == 422
    assert "提交的内容有误" in response.text
    assert '<em class="error">必须填写</em>' in response.text
    assert '<option value="face_terminal" selected>' in response.text  # what was chosen is kept
    assert await Device.count() == WORLD_DEVICES


async def test_the_kiosk_secret_page_shows_the_secret_and_how_to_pair(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.post(
        "/devices",
        data={"hall_id": str(world.town.id), "name": "大厅平板", "kind": "face_kiosk"},
        headers=world.cookie(Role.ADMIN),
    )
    assert response.status_code == 201
    assert "no-store" in response.headers["cache-control"]
    device = await Device.objects().get(Device.name == "大厅平板")
    secret = response.text.split('id="secret"', 1)[1].split("<code", 1)[1].split(">", 1)[1].split("<", 1)[0]
    me = await client.get("/api/auth/me", headers=_bearer(secret))
    assert (me.status_code, me.json()["account_id"]) == (200, device.account)
    assert "此密钥只显示这一次" in response.text
    assert "在终端浏览器打开 http://testserver.local/kiosk/pair 并输入此密钥" in response.text
    assert "devices.face_terminal" not in response.text
    listed = await client.get("/devices", headers=world.cookie(Role.ADMIN))
    assert secret not in listed.text


async def test_a_replaced_terminal_secret_comes_with_its_command_line(
    client: AsyncTestClient, world: World
) -> None:
    issued = await _register(client, world, name="二号考勤机", kind="face_terminal")
    response = await client.post(
        f"/devices/{issued['device']['id']}/secret", headers=world.cookie(Role.ADMIN)
    )
    assert response.status_code == 200
    secret = response.text.split('id="secret"', 1)[1].split("<code", 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert secret != issued["secret"]
    assert (
        f"python -m devices.face_terminal --server http://testserver.local --token={secret} --camera 0"
        in response.text
    )
    assert (await client.get("/api/auth/me", headers=_bearer(issued["secret"]))).status_code == 401


async def test_revoking_from_the_page(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    response = await client.post(
        f"/devices/{issued['device']['id']}/revoke",
        data={"confirm": "1"},
        headers=world.cookie(Role.ADMIN),
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/devices")
    assert (await client.get("/api/auth/me", headers=_bearer(issued["secret"]))).status_code == 401
    page = await client.get("/devices", headers=world.cookie(Role.ADMIN))
    assert "已停用" in page.text


async def test_the_devices_pages_speak_english_when_asked(client: AsyncTestClient, world: World) -> None:
    english = {**world.cookie(Role.ADMIN)}
    english["Cookie"] += "; lang=en"
    data = (
        world.county.name,
        world.town.name,
        world.other_town.name,
        *(window.name for window in (*world.windows, world.other_window)),
        Role.ADMIN.label,
        "中文",
        "测试终端",
    )
    registered = await client.post(
        "/devices",
        data={"hall_id": str(world.town.id), "name": "Lobby", "kind": "face_kiosk"},
        headers=english,
    )
    page = await client.get("/devices", headers=english)
    for response in (registered, page):
        text = response.text
        for name in data:
            text = text.replace(name, "")
        assert not CJK.findall(text), CJK.findall(text)
    assert "Face clock-in web kiosk" in page.text
