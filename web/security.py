"""What every browser is told and checked for: the CSRF token on each state-changing
request the browser's own cookies could authenticate, and the security headers on every
response.

CSRF is Litestar's double-submit cookie: a GET hands the browser a signed token in the
HttpOnly cookie `hall_csrf` and in the page (`csrf_input` in forms, `csrf_token()` for
scripts, sent back as the `X-CSRFToken` header). A request needs none when nothing the
browser adds by itself vouches for it: a bearer token (the API, devices), the push
terminals' /iclock/ (they authenticate by serial number and carry no cookie), and an
/api/ call without the session cookie. An /api/ call with the session cookie is checked
like a page: the kiosk and evaluator post so, and a forged one would act as the user.
"""

from __future__ import annotations

import os
import secrets

from litestar.config.csrf import CSRFConfig
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import BeforeMessageSendHookHandler, Message, Receive, Scope, Send

from hall.config import Config
from web.auth import SESSION_COOKIE, bearer_from, cookies_of

CSRF_COOKIE = "hall_csrf"
CSRF_HEADER = "x-csrftoken"
CSRF_REFUSED = "页面已过期或来源不明，请刷新页面后重试"
UNCHECKED_PATHS = "^/iclock/"

# Scripts only from our own files; inline styles stay allowed (a few templates carry
# style attributes and the public pages a <style> block), inline scripts do not.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Litestar's Swagger page loads its script and styles from a CDN and starts with an
# inline script; only that page (and its schema documents) gets them.
API_DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "img-src 'self' data: https://cdn.jsdelivr.net",
        "frame-ancestors 'none'",
    ]
)
API_DOCS_PREFIX = "/schema"
HSTS = "max-age=31536000; includeSubDomains"


class CSRFRefused(PermissionDeniedException):
    """An unsafe request without the token of the page it should come from."""


def csrf_secret(config: Config) -> str:
    """The key that signs CSRF tokens, made once per data folder: every app process of a
    site must accept the tokens the others handed out."""
    path = config.data_dir / "csrf_secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    # Written aside and linked in: processes starting together all end up with the one
    # that was linked first, never with a half-written file.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text(secret)
    draft.chmod(0o600)
    try:
        os.link(draft, path)
    except FileExistsError:
        secret = path.read_text().strip()
    finally:
        draft.unlink()
    return secret


def csrf_config(config: Config) -> CSRFConfig:
    return CSRFConfig(
        secret=csrf_secret(config),
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_httponly=True,
        cookie_samesite="lax",
        cookie_secure=config.auth.secure_cookies,
        exclude=UNCHECKED_PATHS,
    )


def _needs_no_token(scope: Scope) -> bool:
    if bearer_from(scope):
        return True
    return scope["path"].startswith("/api/") and SESSION_COOKIE not in cookies_of(scope)


class CSRFCheck(CSRFMiddleware):
    """Litestar's check, skipped for requests no cookie vouches for, refusing in Chinese."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in self.config.safe_methods
            and _needs_no_token(scope)
        ):
            await self.app(scope, receive, send)
            return
        try:
            await super().__call__(scope, receive, send)
        except PermissionDeniedException as refused:
            # The route's own errors never get here: Litestar answers them inside the
            # middleware stack, so this is the token check's refusal.
            raise CSRFRefused() from refused


def csrf_middleware(config: Config) -> DefineMiddleware:
    return DefineMiddleware(CSRFCheck, config=csrf_config(config))


def security_headers(config: Config) -> BeforeMessageSendHookHandler:
    """A before-send hook that adds the security headers to every response, errors and
    static files included."""
    fixed = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        # The kiosk and the enrolment page use the camera; nothing uses the rest.
        (b"permissions-policy", b"camera=(self), microphone=(), geolocation=(), payment=(), usb=()"),
    ]
    if config.auth.secure_cookies:
        # Only a site served over HTTPS may tell browsers never to use plain HTTP.
        fixed.append((b"strict-transport-security", HSTS.encode()))

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        policy = API_DOCS_POLICY if scope["path"].startswith(API_DOCS_PREFIX) else CONTENT_SECURITY_POLICY
        headers = list(message.get("headers") or [])
        headers.extend([(b"content-security-policy", policy.encode()), *fixed])
        message["headers"] = headers

    return add_headers
