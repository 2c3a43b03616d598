"""What every browser is checked for and told (web/security.py): the CSRF token on a
state-changing request its cookies could authenticate, and the security headers."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator

import pytest
from litestar.middleware.csrf import generate_csrf_token
from litestar.testing import AsyncTestClient

from hall.config import get_config
from hall.roles import Role
from hall.tables import Department
from tests.conftest import PASSWORD, World
from tests.devices.test_push import batch, line, post_attlog, register_terminal
from web.app import WEB_DIR, create_app
from web.security import csrf_secret

REFUSED = "页面已过期或来源不明，请刷新页面后重试"


@pytest.fixture
def forger(client: AsyncTestClient) -> AsyncTestClient:
    """The test client without the token a page of the app would have given it: what a
    form on another site makes the user's browser send."""
    client.event_hooks = {}
    return client


@pytest.fixture
async def https_client() -> AsyncIterator[AsyncTestClient]:
    config = get_config()
    secure = dataclasses.replace(config, auth=dataclasses.replace(config.auth, secure_cookies=True))
    async with AsyncTestClient(app=create_app(secure)) as test_client:
        yield test_client


def token_in(page: str) -> str:
    [token] = set(re.findall(r'name="_csrf_token" value="([0-9a-f]+)"', page))
    return token


async def test_a_forged_form_post_is_refused_in_chinese_and_changes_nothing(
    forger: AsyncTestClient, world: World
) -> None:
    response = await forger.post(
        "/departments", data={"name": "伪造的单位"}, headers=world.cookie(Role.DIRECTOR)
    )
    assert response.status_code == 403
    assert REFUSED in response.text and "<html" in response.text
    assert await Department.count().where(Department.name == "伪造的单位") == 0


async def test_the_same_form_post_with_the_pages_token_is_accepted(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.post(
        "/departments", data={"name": "新设单位"}, headers=world.cookie(Role.DIRECTOR)
    )
    assert response.status_code == 200
    assert await Department.count().where(Department.name == "新设单位") == 1


async def test_a_valid_token_not_matching_the_cookie_is_refused(
    forger: AsyncTestClient, world: World
) -> None:
    page = await forger.get("/departments", headers=world.cookie(Role.DIRECTOR))
    token = token_in(page.text)
    other = generate_csrf_token(csrf_secret(get_config()))
    cookie = f"{world.cookie(Role.DIRECTOR)['Cookie']}; hall_csrf={other}"
    response = await forger.post(
        "/departments", data={"name": "伪造的单位", "_csrf_token": token}, headers={"Cookie": cookie}
    )
    assert response.status_code == 403


async def test_an_api_call_with_the_session_cookie_needs_the_token_header(
    forger: AsyncTestClient, world: World
) -> None:
    response = await forger.post(
        "/api/departments", json={"name": "伪造的单位"}, headers=world.cookie(Role.DIRECTOR)
    )
    assert response.status_code == 403
    assert response.json()["detail"] == REFUSED
    assert await Department.count().where(Department.name == "伪造的单位") == 0


async def test_an_api_call_with_a_bearer_token_needs_none(forger: AsyncTestClient, world: World) -> None:
    response = await forger.post(
        "/api/departments", json={"name": "接口单位"}, headers=world.auth(Role.DIRECTOR)
    )
    assert response.status_code == 201, response.text
    assert await Department.count().where(Department.name == "接口单位") == 1


async def test_a_bearer_token_is_the_credential_even_beside_a_session_cookie(
    forger: AsyncTestClient, world: World
) -> None:
    """Skipping the check for a bearer request is safe only if the bearer decides who calls."""
    headers = {"Authorization": "Bearer not-a-token", **world.cookie(Role.DIRECTOR)}
    response = await forger.post("/api/departments", json={"name": "伪造的单位"}, headers=headers)
    assert response.status_code == 401
    assert await Department.count().where(Department.name == "伪造的单位") == 0


async def test_a_push_terminal_needs_no_token(forger: AsyncTestClient, world: World) -> None:
    await register_terminal(world)
    status, text = await post_attlog(forger, batch(line("QS001", "2026-11-20 07:58:00")))
    assert (status, text.strip()) == (200, "OK: 1")


async def test_the_login_form_carries_the_token_its_cookie_holds(
    forger: AsyncTestClient, world: World
) -> None:
    page = await forger.get("/login")
    token = token_in(page.text)
    cookie = page.headers["set-cookie"]
    assert f"hall_csrf={token}" in cookie
    assert (
        "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "secure" not in cookie.lower()
    )
    refused = await forger.post("/login", data={"username": "test_director", "password": PASSWORD})
    assert refused.status_code == 403 and REFUSED in refused.text
    signed_in = await forger.post(
        "/login",
        data={"username": "test_director", "password": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303


def test_every_form_that_posts_carries_the_token() -> None:
    missing = [
        f"{path.relative_to(WEB_DIR)}: {form}"
        for path in sorted((WEB_DIR / "templates").rglob("*.html"))
        for form in re.findall(
            r'<form\b[^>]*method="post"[^>]*>(?!\{\{ csrf_input\|safe \}\})', path.read_text()
        )
    ]
    assert missing == []


def test_no_page_runs_an_inline_script() -> None:
    """The Content-Security-Policy refuses them; data blocks (type="application/json") are not run."""
    inline = [
        f"{path.relative_to(WEB_DIR)}: {found}"
        for path in sorted((WEB_DIR / "templates").rglob("*.html"))
        for found in re.findall(
            r'<script(?![^>]*\bsrc=)(?![^>]*type="application/json")[^>]*>|\son[a-z]+="', path.read_text()
        )
    ]
    assert inline == []


@pytest.mark.parametrize("path", ["/login", "/api/halls", "/static/style.css", "/no-such-page"])
async def test_every_response_carries_the_security_headers(
    client: AsyncTestClient, world: World, path: str
) -> None:
    response = await client.get(path, headers=world.auth(Role.ADMIN))
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert "camera=(self)" in response.headers["permissions-policy"]
    # Served over plain HTTP (SECURE_COOKIES unset): no promise of HTTPS.
    assert "strict-transport-security" not in response.headers


async def test_a_site_served_over_https_marks_its_cookies_secure_and_asks_for_https(
    https_client: AsyncTestClient, world: World
) -> None:
    page = await https_client.get("/login")
    assert "max-age=" in page.headers["strict-transport-security"]
    assert "secure" in page.headers["set-cookie"].lower()
    signed_in = await https_client.post(
        "/login",
        data={"username": "test_director", "password": PASSWORD, "_csrf_token": token_in(page.text)},
        headers={"Cookie": f"hall_csrf={token_in(page.text)}"},
        follow_redirects=False,
    )
    session = signed_in.headers["set-cookie"].lower()
    assert "hall_session=" in session and "secure" in session and "httponly" in session


async def test_an_api_call_without_any_credential_needs_none(forger: AsyncTestClient, world: World) -> None:
    """Nothing the browser adds vouches for it: a forged one could do only what anyone may."""
    response = await forger.post(
        "/api/public/complaints/track", json={"number": "TS2000010100000", "code": "AAAAAAAA"}
    )
    assert response.status_code == 404
