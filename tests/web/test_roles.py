"""Every route, every role: the declared roles get in, the others get 403, and nobody
signed out gets in (401 for the API, the login page for pages).

One test walks the whole route table against one world, collecting every violation, so a
new route is covered the moment it exists."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from hall.roles import Role
from tests.conftest import World
from web.app import create_app
from web.guards import BY_SERIAL_NUMBER, is_public
from web.pages import EVALUATOR_PAIRING, EVALUATOR_PREFIX, KIOSK_PAIRING, KIOSK_PREFIX

# A terminal's pages send a signed-out browser to pairing, not to a password it cannot type.
PAIRING_PAGES = {KIOSK_PREFIX: KIOSK_PAIRING, EVALUATOR_PREFIX: EVALUATOR_PAIRING}


def _routes() -> list[tuple[str, str, Any]]:
    found = []
    for route in create_app().routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods):
                if method == "OPTIONS" or route.path.startswith(("/static", "/schema")):
                    continue
                if handler.opt.get("by_serial_number"):
                    roles = BY_SERIAL_NUMBER
                else:
                    roles = None if is_public(handler) else handler.opt["roles"]
                found.append((method, route.path, roles))
    return found


def _sign_in_page(path: str) -> str:
    return next(
        (pairing for prefix, pairing in PAIRING_PAGES.items() if path.startswith(prefix)), "/login?next="
    )


def _refused_for_its_kind(role: Role, path: str, response) -> bool:
    """The world's device (a face terminal program) passes the role guard wherever a
    device may go; an endpoint for another kind of device then refuses it for its kind."""
    return (
        role == Role.DEVICE
        and response.status_code == 403
        and path.startswith("/api/")
        and response.json()["detail"].startswith("此设备类型")
    )


def _concrete(path: str) -> str:
    # An id that exists in no table: allowed callers then meet a 404, never a 401/403.
    return re.sub(r"\{[^}]+:int\}", "987654", path.replace("{code:str}", "zh"))


async def _violations(client: AsyncTestClient, world: World, method: str, path: str, roles) -> list[str]:
    url = _concrete(path)
    found = []
    anonymous = await client.request(method, url, follow_redirects=False)
    if roles == BY_SERIAL_NUMBER:
        if anonymous.status_code != 403 or "序列号" not in anonymous.text:
            found.append(f"{method} {path}: a call without a serial number got {anonymous.status_code}")
        return found
    if roles is None:
        if anonymous.status_code in (401, 403):
            found.append(f"{method} {path}: public route refused anonymous ({anonymous.status_code})")
        return found
    if path.startswith("/api/"):
        if anonymous.status_code != 401 or anonymous.json()["detail"] != "请先登录":
            found.append(f"{method} {path}: anonymous API call got {anonymous.status_code}")
    elif anonymous.status_code != 303 or not anonymous.headers["location"].startswith(_sign_in_page(path)):
        found.append(f"{method} {path}: anonymous page got {anonymous.status_code}, not the login redirect")
    for role in Role:
        response = await client.request(
            method, url, headers=await world.fresh_auth(role), follow_redirects=False
        )
        allowed = role in roles
        if response.status_code >= 500:
            found.append(f"{method} {path} as {role}: {response.status_code}")
        elif (
            allowed and response.status_code in (401, 403) and not _refused_for_its_kind(role, path, response)
        ):
            found.append(f"{method} {path}: {role} is declared but got {response.status_code}")
        elif not allowed and response.status_code != 403:
            found.append(f"{method} {path}: {role} is not declared but got {response.status_code}")
    return found


async def test_every_route_checks_the_callers_role(client: AsyncTestClient, world: World) -> None:
    routes = _routes()
    assert len(routes) > 40, "the walk must see the whole route table"
    violations = [
        v for method, path, roles in routes for v in await _violations(client, world, method, path, roles)
    ]
    assert violations == []


async def test_a_wrong_role_is_told_why_in_chinese(client: AsyncTestClient, world: World) -> None:
    response = await client.post("/api/halls", json={}, headers=world.auth(Role.CLERK))
    assert response.status_code == 403
    assert response.json()["detail"] == "您的角色无权进行此操作"


async def test_a_page_behind_login_sends_a_stranger_to_the_login_page(client: AsyncTestClient) -> None:
    response = await client.get("/staff?window_id=3", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff%3Fwindow_id%3D3"


async def test_an_unknown_token_counts_as_signed_out(client: AsyncTestClient) -> None:
    response = await client.get("/api/halls", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_an_app_with_an_undeclared_route_refuses_to_start() -> None:
    import pytest
    from litestar import Litestar, get

    from web.guards import check_every_route_declares

    @get("/forgotten")
    async def forgotten() -> str:
        return "open by omission"

    with pytest.raises(RuntimeError, match="/forgotten"):
        check_every_route_declares(Litestar([forgotten]))


def test_the_navigation_only_offers_pages_the_role_may_open() -> None:
    from web.pages import NAVIGATION

    declared = {path.rstrip("/") or "/": roles for method, path, roles in _routes() if method == "GET"}
    for item in NAVIGATION:
        assert item.roles <= declared[item.path], item.path
