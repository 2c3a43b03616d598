"""Issue 9, accounts over HTTP: the lock-out on the login page and the token API, the
admin's page of sessions and tokens in force, and the API to revoke them."""

from __future__ import annotations

import datetime as dt

from litestar.testing import AsyncTestClient

from devices import registry
from hall import accounts
from hall.roles import Role
from hall.tables import TokenKind
from tests.conftest import PASSWORD, World


async def _api_token(world: World, role: Role) -> str:
    token, _ = await accounts.issue_token(
        account_id=world.account_ids[role],
        kind=TokenKind.API,
        now=dt.datetime.now(dt.UTC),
        lifetime=dt.timedelta(days=1),
        label="报表脚本",
    )
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _signed_in(client: AsyncTestClient, token: str) -> bool:
    return (await client.get("/api/auth/me", headers=_bearer(token))).status_code == 200


async def test_the_login_page_locks_after_five_failures_even_for_the_right_password(
    client: AsyncTestClient, world: World
) -> None:
    for _ in range(4):
        wrong = await client.post("/login", data={"username": "test_clerk", "password": "wrong password"})
        assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
    fifth = await client.post("/login", data={"username": "test_clerk", "password": "wrong password"})
    assert fifth.status_code == 429 and "登录失败次数过多，请于 " in fifth.text
    right = await client.post(
        "/login", data={"username": "test_clerk", "password": PASSWORD}, follow_redirects=False
    )
    assert right.status_code == 429 and "后再试" in right.text
    assert "set-cookie" not in right.headers or "hall_session" not in right.headers["set-cookie"]


async def test_the_token_api_answers_a_locked_account_with_429_and_a_message(
    client: AsyncTestClient, world: World
) -> None:
    for _ in range(5):
        await client.post("/api/auth/token", json={"username": "test_clerk", "password": "wrong password"})
    locked = await client.post("/api/auth/token", json={"username": "test_clerk", "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["detail"].startswith("登录失败次数过多，请于 ")


async def test_a_weak_new_password_is_refused_beside_its_field(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        f"/accounts/{world.account_ids[Role.CLERK]}/password",
        data={"password": "1234567890"},
        headers=world.cookie(Role.DIRECTOR),
    )
    assert response.status_code == 422 and "密码不能全是数字" in response.text
    assert await _signed_in(client, world.tokens[Role.CLERK])


async def test_the_admin_sees_every_session_and_token_in_force(client: AsyncTestClient, world: World) -> None:
    await _api_token(world, Role.CLERK)
    page = await client.get("/accounts/sessions", headers=world.cookie(Role.ADMIN))
    assert page.status_code == 200
    assert "报表脚本" in page.text and "登录会话" in page.text and "API 令牌" in page.text
    assert page.text.count(">全部退出</button>") == len(Role) - 1  # one per person's account, not the device
    device = (await registry.list_devices(scope=None))[0]
    # The device's secret is replaced on its own page, not revoked here.
    assert f'action="/devices/{device.id}/secret"' in page.text and "设备密钥" in page.text


async def test_revoking_one_session_ends_only_that_one(client: AsyncTestClient, world: World) -> None:
    api = await _api_token(world, Role.CLERK)
    listed = await client.get("/api/accounts/tokens", headers=world.auth(Role.ADMIN))
    clerk = [t for t in listed.json() if t["account_id"] == world.account_ids[Role.CLERK]]
    session = next(t for t in clerk if t["kind"] == "session")
    assert {t["kind"] for t in clerk} == {"session", "api"} and "token" not in session
    response = await client.post(
        f"/accounts/sessions/{session['id']}/revoke", headers=world.cookie(Role.ADMIN), follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/accounts/sessions")
    assert not await _signed_in(client, world.tokens[Role.CLERK])
    assert await _signed_in(client, api)


async def test_sign_out_everywhere_ends_every_session_and_token_of_the_account(
    client: AsyncTestClient, world: World
) -> None:
    api = await _api_token(world, Role.CLERK)
    response = await client.post(
        f"/api/accounts/{world.account_ids[Role.CLERK]}/sign-out", headers=world.auth(Role.DIRECTOR)
    )
    assert response.status_code == 204
    assert not await _signed_in(client, world.tokens[Role.CLERK]) and not await _signed_in(client, api)
    assert await _signed_in(client, world.tokens[Role.INSPECTOR])
    listed = await client.get("/api/accounts/tokens", headers=world.auth(Role.ADMIN))
    assert world.account_ids[Role.CLERK] not in {t["account_id"] for t in listed.json()}


async def test_a_director_sees_and_ends_only_their_halls_sessions(
    client: AsyncTestClient, world: World
) -> None:
    listed = await client.get("/api/accounts/tokens", headers=world.auth(Role.DIRECTOR))
    seen = {t["account_id"] for t in listed.json()}
    assert world.account_ids[Role.CLERK] in seen and world.account_ids[Role.ADMIN] not in seen
    admin_session = next(
        t["id"]
        for t in (await client.get("/api/accounts/tokens", headers=world.auth(Role.ADMIN))).json()
        if t["account_id"] == world.account_ids[Role.ADMIN]
    )
    refused = await client.post(
        f"/api/accounts/tokens/{admin_session}/revoke", headers=world.auth(Role.DIRECTOR)
    )
    assert refused.status_code == 404
    assert await _signed_in(client, world.tokens[Role.ADMIN])


async def test_a_device_secret_is_not_revoked_from_the_sessions_list(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.post(
        f"/api/accounts/{world.account_ids[Role.DEVICE]}/sign-out", headers=world.auth(Role.ADMIN)
    )
    assert (response.status_code, response.json()["detail"]) == (
        409,
        "终端设备的密钥请在设备页面更换或停用设备",
    )
    assert await _signed_in(client, world.tokens[Role.DEVICE])
