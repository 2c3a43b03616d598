"""Every route, every role: the declared roles get in, the others get 403, and nobody
signed out gets in (401 for the API, the login page for pages)."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from hall.roles import Role
from tests.conftest import World
from web.app import create_app
from web.guards import is_public


def _routes() -> list[tuple[str, str, frozenset[Role] | None]]:
    found = []
    for route in create_app().routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods):
                if method == "OPTIONS" or route.path.startswith(("/static", "/schema")):
                    continue
                roles = None if is_public(handler) else handler.opt["roles"]
                found.append((method, route.path, roles))
    return found


ROUTES = _routes()


def _concrete(path: str) -> str:
    # An id that exists in no table: allowed callers then meet a 404, never a 401/403.
    return re.sub(r"\{[^}]+:int\}", "987654", re.sub(r"\{code:str\}", "en", path))


def test_every_route_is_walked() -> None:
    assert len(ROUTES) > 40


@pytest.mark.parametrize(("method", "path", "roles"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
async def test_route_checks_the_callers_role(
    client: AsyncTestClient, world: World, method: str, path: str, roles: frozenset[Role] | None
) -> None:
    url = _concrete(path)
    anonymous = await client.request(method, url, follow_redirects=False)
    if roles is None:
        assert anonymous.status_code not in (401, 403)
        return
    if path.startswith("/api/"):
        assert anonymous.status_code == 401
        assert anonymous.json()["detail"] == "请先登录"
    else:
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/login?next=")
    for role in Role:
        response = await client.request(method, url, headers=world.auth(role), follow_redirects=False)
        assert response.status_code < 500, (role, response.text)
        if role in roles:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.status_code)
