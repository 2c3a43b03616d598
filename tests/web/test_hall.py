"""The hall API and pages over HTTP: what is stored, and what a clerk is told when the
input is wrong (a 4xx naming the field, in Chinese, with nothing half-written)."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import AsyncTestClient

from hall.config import PROJECT_ROOT
from hall.roles import Role
from hall.tables import Staff, Window
from tests.conftest import PASSWORD, World

FACES = PROJECT_ROOT.parent / "shared" / "faces"


async def test_the_director_adds_a_person_to_a_window(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/staff",
        json={
            "hall_id": world.town.id,
            "name": " 刘洋 ",
            "staff_number": "QS010",
            "window_id": world.windows[1].id,
        },
        headers=world.auth(Role.DIRECTOR),
    )
    assert response.status_code == 201
    assert (response.json()["name"], response.json()["window_name"]) == ("刘洋", "社保窗口")


async def test_missing_and_malformed_fields_are_named_in_chinese(
    client: AsyncTestClient, world: World
) -> None:
    before = await Staff.count()
    response = await client.post(
        "/api/staff",
        json={"hall_id": "青山镇", "name": "", "phone": "电话号码"},
        headers=world.auth(Role.DIRECTOR),
    )
    assert response.status_code == 422
    errors = {e["field"]: (e["label"], e["message"]) for e in response.json()["errors"]}
    assert errors == {
        "hall_id": ("所属中心", "必须是整数"),
        "name": ("姓名", "不能为空"),
        "staff_number": ("工号", "必须填写"),
        "phone": ("电话", "格式不正确"),
    }
    assert response.json()["detail"].startswith("所属中心：必须是整数；姓名：不能为空")
    assert await Staff.count() == before


async def test_a_duplicate_staff_number_is_a_conflict(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/staff",
        json={"hall_id": world.town.id, "name": "重号", "staff_number": "QS001"},
        headers=world.auth(Role.DIRECTOR),
    )
    assert (response.status_code, response.json()["detail"]) == (409, "本中心已有工号为 QS001 的人员")


async def test_a_director_cannot_reach_another_towns_staff(client: AsyncTestClient, world: World) -> None:
    response = await client.get(f"/api/staff/{world.other_staff.id}", headers=world.auth(Role.DIRECTOR))
    assert (response.status_code, response.json()["detail"]) == (
        404,
        f"没有找到编号为 {world.other_staff.id} 的人员",
    )
    listed = await client.get("/api/staff", headers=world.auth(Role.DIRECTOR))
    assert world.other_staff.id not in {p["id"] for p in listed.json()}


async def test_a_window_never_changes_hall(client: AsyncTestClient, world: World) -> None:
    response = await client.patch(
        f"/api/windows/{world.windows[0].id}",
        json={"hall_id": world.other_town.id, "name": "民政服务窗口"},
        headers=world.auth(Role.ADMIN),
    )
    assert response.status_code == 200
    assert (response.json()["hall_id"], response.json()["name"]) == (world.town.id, "民政服务窗口")


async def test_malformed_json_is_a_400_in_chinese(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/windows",
        content=b"{not json",
        headers={**world.auth(Role.ADMIN), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "格式不正确" in response.json()["detail"]


async def test_a_malformed_path_id_is_a_4xx_not_a_crash(client: AsyncTestClient, world: World) -> None:
    response = await client.get("/api/windows/abc", headers=world.auth(Role.ADMIN))
    assert response.status_code in (400, 404)
    assert response.json()["detail"]


async def test_an_oversized_body_is_refused(client: AsyncTestClient, world: World) -> None:
    response = await client.put(
        f"/api/staff/{world.staff[0].id}/photo",
        content=b"\xff" * (6 * 1024 * 1024),
        headers={**world.auth(Role.DIRECTOR), "Content-Type": "image/jpeg"},
    )
    assert (response.status_code, response.json()["detail"]) == (413, "提交的内容太大")


async def test_a_photo_is_checked_by_its_content(client: AsyncTestClient, world: World) -> None:
    url = f"/api/staff/{world.staff[0].id}/photo"
    fake = await client.put(
        url, content=b"GIF89a not really", headers={**world.auth(Role.DIRECTOR), "Content-Type": "image/jpeg"}
    )
    assert (fake.status_code, fake.json()["errors"][0]["message"]) == (422, "不是有效的图片文件")
    real = await client.put(
        url,
        content=(FACES / "obama-rgba.png").read_bytes(),
        headers={**world.auth(Role.DIRECTOR), "Content-Type": "image/png"},
    )
    assert real.status_code == 200 and real.json()["has_photo"]
    shown = await client.get(f"/staff/{world.staff[0].id}/photo", headers=world.auth(Role.CLERK))
    assert shown.headers["content-type"] == "image/jpeg" and shown.content[:2] == b"\xff\xd8"


async def test_login_sets_an_http_only_session_and_logout_ends_it(
    client: AsyncTestClient, world: World
) -> None:
    wrong = await client.post("/login", data={"username": "test_director", "password": "nope"})
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
    response = await client.post(
        "/login",
        data={"username": "test_director", "password": PASSWORD, "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=lax" in response.headers["set-cookie"].lower()
    home = await client.get("/")
    assert home.status_code == 200 and "青山镇便民服务中心" in home.text
    await client.post("/logout")
    assert (await client.get("/", follow_redirects=False)).status_code == 303


async def test_a_refused_form_is_shown_again_with_the_reason_beside_the_field(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.post(
        "/windows",
        data={"hall_id": str(world.town.id), "number": "1", "name": ""},
        headers=world.cookie(Role.DIRECTOR),
    )
    assert response.status_code == 422
    assert "提交的内容有误" in response.text
    # A blank field is a missing one: both the name and the department are required.
    assert response.text.count('<em class="error">必须填写</em>') == 2
    assert 'value="1"' in response.text  # what was typed is kept
    assert await Window.count() == 3


async def test_the_api_token_flow(client: AsyncTestClient, world: World) -> None:
    issued = await client.post("/api/auth/token", json={"username": "test_clerk", "password": PASSWORD})
    assert issued.status_code == 201
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    me = await client.get("/api/auth/me", headers=headers)
    assert (me.json()["username"], me.json()["role"]) == ("test_clerk", "clerk")
    assert (await client.delete("/api/auth/token", headers=headers)).status_code == 204
    assert (await client.get("/api/auth/me", headers=headers)).status_code == 401


async def test_a_deactivated_account_is_signed_out_at_once(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        f"/api/accounts/{world.account_ids[Role.INSPECTOR]}/active",
        json={"active": False},
        headers=world.auth(Role.DIRECTOR),
    )
    assert response.status_code == 200
    assert (await client.get("/api/windows", headers=world.auth(Role.INSPECTOR))).status_code == 401


def test_the_shared_faces_are_where_the_tests_expect_them() -> None:
    assert isinstance(FACES, Path) and (FACES / "obama-rgba.png").is_file()


async def test_an_edit_form_starts_from_what_is_stored(client: AsyncTestClient, world: World) -> None:
    page = await client.get(f"/halls/{world.town.id}", headers=world.cookie(Role.DIRECTOR))
    assert 'name="name" value="青山镇便民服务中心"' in page.text


async def test_a_number_past_the_databases_integers_is_refused_in_chinese(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.get("/api/staff", params={"hall_id": 2**64}, headers=world.auth(Role.DIRECTOR))
    assert (response.status_code, response.json()["detail"]) == (400, "请求中的数值超出允许范围")


async def test_a_page_asked_for_a_number_past_the_databases_integers_says_so(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.get("/staff", params={"hall_id": 2**64}, headers=world.cookie(Role.DIRECTOR))
    assert response.status_code == 400
    assert "请求中的数值超出允许范围" in response.text
