"""Who is calling: a session cookie (pages) or a bearer token (API, devices)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from litestar.middleware import ASGIMiddleware
from litestar.response import Redirect
from litestar.types import ASGIApp, Receive, Scope, Send

from hall.accounts import principal_for_token

SESSION_COOKIE = "hall_session"


def signed_in(
    path: str, token: str, lifetime: dt.timedelta, *, secure: bool, samesite: Literal["lax", "strict"] = "lax"
) -> Redirect:
    """A redirect to `path` that hands the browser its session cookie: the one place that
    sets the cookie's flags."""
    response = Redirect(path=path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite=samesite,
        secure=secure,
    )
    return response


def bearer_from(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, credential = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credential.strip():
                return credential.strip()
    return None


def cookies_of(scope: Scope) -> dict[str, str]:
    cookies = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, cookie = part.strip().partition("=")
                if cookie:
                    cookies[key] = cookie
    return cookies


def token_from(scope: Scope) -> str | None:
    # A bearer token wins over the cookie: the CSRF check (web/security.py) lets a request
    # with one through, so it must be the credential the request is judged by.
    return bearer_from(scope) or cookies_of(scope).get(SESSION_COOKIE)


class AuthenticationMiddleware(ASGIMiddleware):
    """Puts the caller's Principal (or None) on the connection; the guards decide."""

    scopes = ("http",)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = token_from(scope)
        scope["user"] = await principal_for_token(token=token, now=dt.datetime.now(dt.UTC)) if token else None
        scope["auth"] = token
        await next_app(scope, receive, send)
