"""Role checks. Every route declares who may call it, through `opt`:

    @get("/windows", opt=allow(Role.ADMIN, Role.DIRECTOR))   # these roles
    @get("/login", opt=PUBLIC)                                # anyone, even signed out

One app-level guard enforces the declaration, and `check_every_route_declares` refuses to
start an app with a route that declares nothing, so no route is open by omission.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from hall.roles import Role

PUBLIC: dict[str, Any] = {"public": True}
# Push terminals (/iclock/): no session or token, the protocol carries only the device's
# serial number; the handler refuses an unknown one with 403.
BY_SERIAL_NUMBER: dict[str, Any] = {"public": True, "by_serial_number": True}


def allow(*roles: Role | Iterable[Role]) -> dict[str, Any]:
    allowed: set[Role] = set()
    for role in roles:
        allowed |= {role} if isinstance(role, Role) else set(role)
    return {"roles": frozenset(allowed)}


def is_public(handler: BaseRouteHandler) -> bool:
    # Litestar answers OPTIONS for every path by itself, listing only the allowed methods.
    return bool(handler.opt.get("public")) or getattr(handler, "http_methods", None) == {"OPTIONS"}


def role_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if is_public(handler):
        return
    user = connection.scope.get("user")
    if user is None:
        raise NotAuthorizedException("请先登录")
    if user.role not in handler.opt.get("roles", frozenset()):
        raise PermissionDeniedException("您的角色无权进行此操作")


def check_every_route_declares(app: Litestar) -> None:
    undeclared = [
        f"{sorted(handler.http_methods)} {route.path}"
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if not is_public(handler) and not handler.opt.get("roles")
    ]
    if undeclared:
        raise RuntimeError(f"routes without declared roles: {undeclared}")
