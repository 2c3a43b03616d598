"""Login and logout, the language switch, the home page, "my information", accounts, and
the sessions and API tokens in force (listed and revoked by the admin or a director)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect, Template

from devices import registry
from hall import accounts, services
from hall.errors import DomainError
from hall.i18n import LANGUAGES
from hall.roles import MANAGERS, PEOPLE, Role
from hall.schemas import (
    AccountActiveChange,
    AccountCreate,
    AccountRead,
    Credentials,
    PasswordChange,
    TokenInfo,
    TokenRead,
    TokenRequest,
)
from hall.tables import TokenKind
from web.auth import SESSION_COOKIE, signed_in
from web.guards import PUBLIC, allow
from web.pages import (
    LANGUAGE_COOKIE,
    config,
    form_values,
    principal,
    render,
    render_form,
    scope_of,
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _address(request: Request) -> str:
    # The socket peer: what the login throttle counts per address.
    return request.client.host if request.client else ""


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect would let a link send a clerk elsewhere.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


class SessionPages(Controller):
    @get("/login", opt=PUBLIC)
    async def login_form(
        self, request: Request, next_path: Annotated[str | None, QueryParameter(name="next")] = None
    ) -> Template:
        return render(request, "login.html", next_path=_safe_next(next_path), values={})

    @post("/login", opt=PUBLIC)
    async def login(self, request: Request) -> Response:
        values = await form_values(request)
        next_path = _safe_next(values.pop("next", None))
        try:
            credentials = Credentials.model_validate(values)
            user = await accounts.authenticate(
                username=credentials.username,
                password=credentials.password,
                address=_address(request),
                now=_now(),
            )
        except DomainError as error:
            return render_form(request, "login.html", error=error, values=values, next_path=next_path)
        lifetime = dt.timedelta(hours=config(request).auth.session_hours)
        token, _ = await accounts.issue_token(
            account_id=user.account_id,
            kind=TokenKind.SESSION,
            now=_now(),
            lifetime=lifetime,
        )
        return signed_in(next_path, token, lifetime, secure=config(request).auth.secure_cookies)

    @post("/logout", opt=allow(Role))
    async def logout(self, request: Request) -> Response:
        await accounts.revoke_token(token=request.scope["auth"])
        response = Redirect(path="/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @get("/lang/{code:str}", opt=PUBLIC)
    async def switch_language(self, request: Request, code: FromPath[str]) -> Response:
        response = Redirect(path=_safe_next(request.query_params.get("next")), status_code=303)
        if code in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE,
                code,
                max_age=365 * 86400,
                httponly=True,
                samesite="lax",
                secure=config(request).auth.secure_cookies,
            )
        return response

    @get("/", opt=allow(PEOPLE))
    async def home(self, request: Request) -> Template:
        scope = await scope_of(request)
        user = principal(request)
        overview = None
        if user.role != Role.STAFF:
            overview = {
                "halls": await services.list_halls(scope=scope),
                "windows": await services.list_windows(scope=scope),
            }
        return render(request, "home.html", overview=overview)

    @get("/me", opt=allow(PEOPLE))
    async def me(self, request: Request) -> Template:
        user = principal(request)
        person = window = None
        if user.staff_id is not None:
            person = await services.get_staff(staff_id=user.staff_id, scope=None)
            if person.window_id is not None:
                window = await services.get_window(window_id=person.window_id, scope=None)
        return render(request, "me.html", person=person, window=window)


class AccountPages(Controller):
    path = "/accounts"
    opt = allow(MANAGERS)
    template = "accounts/accounts.html"

    async def _page(
        self, request: Request, *, error: DomainError | None = None, values: dict[str, Any] | None = None
    ) -> Template:
        scope = await scope_of(request)
        context = {
            "accounts": await accounts.list_accounts(scope=scope),
            "halls": await services.list_halls(scope=scope),
            "staff": await services.list_staff(scope=scope),
            "role_options": [
                (role.value, role.label)
                for role in Role
                if role != Role.ADMIN or principal(request).role == Role.ADMIN
            ],
        }
        return render_form(request, self.template, error=error, values=values or {}, **context)

    @get("/")
    async def list_accounts(self, request: Request) -> Template:
        return await self._page(request)

    @post("/")
    async def create(self, request: Request) -> Response:
        values = await form_values(request)
        try:
            await accounts.create_account(
                data=AccountCreate.model_validate(values), scope=await scope_of(request)
            )
        except DomainError as error:
            return await self._page(request, error=error, values=values)
        return Redirect(path="/accounts", status_code=303)

    @post("/{account_id:int}/password")
    async def change_password(self, request: Request, account_id: FromPath[int]) -> Response:
        try:
            change = PasswordChange.model_validate(await form_values(request))
            await accounts.set_password(
                account_id=account_id, password=change.password, scope=await scope_of(request)
            )
        except DomainError as error:
            return await self._page(request, error=error)
        return Redirect(path="/accounts", status_code=303)

    @post("/{account_id:int}/active")
    async def set_active(self, request: Request, account_id: FromPath[int]) -> Response:
        values = await form_values(request)
        try:
            await accounts.set_active(
                account_id=account_id,
                active=values.get("active") == "1",
                scope=await scope_of(request),
                actor_id=principal(request).account_id,
            )
        except DomainError as error:
            return await self._page(request, error=error)
        return Redirect(path="/accounts", status_code=303)

    async def _sessions_page(self, request: Request, *, error: DomainError | None = None) -> Template:
        scope = await scope_of(request)
        return render_form(
            request,
            "accounts/sessions.html",
            error=error,
            values={},
            tokens=await accounts.list_tokens(scope=scope, now=_now()),
            # A device's secret is replaced on its own page (devices/registry.py), not revoked here.
            devices={device.account_id: device for device in await registry.list_devices(scope=scope)},
            timezone=config(request).timezone,
        )

    @get("/sessions")
    async def sessions(self, request: Request) -> Template:
        return await self._sessions_page(request)

    @post("/sessions/{token_id:int}/revoke")
    async def revoke_token(self, request: Request, token_id: FromPath[int]) -> Response:
        try:
            await accounts.revoke_token_by_id(token_id=token_id, scope=await scope_of(request))
        except DomainError as error:
            return await self._sessions_page(request, error=error)
        return Redirect(path="/accounts/sessions", status_code=303)

    @post("/{account_id:int}/sign-out")
    async def sign_out_everywhere(self, request: Request, account_id: FromPath[int]) -> Response:
        try:
            await accounts.sign_out_everywhere(account_id=account_id, scope=await scope_of(request))
        except DomainError as error:
            return await self._sessions_page(request, error=error)
        return Redirect(path="/accounts/sessions", status_code=303)


class AuthApi(Controller):
    path = "/api/auth"
    tags = ["账号"]

    @post("/token", opt=PUBLIC, status_code=201)
    async def issue(self, request: Request, data: JSONBody[Credentials]) -> TokenRead:
        """Exchange a username and password for a bearer token."""
        user = await accounts.authenticate(
            username=data.username, password=data.password, address=_address(request), now=_now()
        )
        token, expires_at = await accounts.issue_token(
            account_id=user.account_id,
            kind=TokenKind.API,
            now=_now(),
            lifetime=dt.timedelta(days=config(request).auth.api_token_days),
            label="api",
        )
        return TokenRead(token=token, expires_at=expires_at)

    @delete("/token", opt=allow(Role), status_code=204)
    async def revoke(self, request: Request) -> None:
        await accounts.revoke_token(token=request.scope["auth"])

    @get("/me", opt=allow(Role))
    async def me(self, request: Request) -> dict[str, Any]:
        user = principal(request)
        return {
            "account_id": user.account_id,
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role,
            "hall_id": user.hall_id,
            "staff_id": user.staff_id,
        }


class AccountApi(Controller):
    path = "/api/accounts"
    opt = allow(MANAGERS)
    tags = ["账号"]

    @get("/")
    async def list_accounts(self, request: Request) -> list[AccountRead]:
        return await accounts.list_accounts(scope=await scope_of(request))

    @post("/", status_code=201)
    async def create(self, request: Request, data: JSONBody[AccountCreate]) -> AccountRead:
        return await accounts.create_account(data=data, scope=await scope_of(request))

    @get("/{account_id:int}")
    async def get_account(self, request: Request, account_id: FromPath[int]) -> AccountRead:
        return await accounts.get_account(account_id=account_id, scope=await scope_of(request))

    @post("/{account_id:int}/password", status_code=204)
    async def change_password(
        self, request: Request, account_id: FromPath[int], data: JSONBody[PasswordChange]
    ) -> None:
        await accounts.set_password(
            account_id=account_id, password=data.password, scope=await scope_of(request)
        )

    @post("/{account_id:int}/active", status_code=200)
    async def set_active(
        self, request: Request, account_id: FromPath[int], data: JSONBody[AccountActiveChange]
    ) -> AccountRead:
        return await accounts.set_active(
            account_id=account_id,
            active=data.active,
            scope=await scope_of(request),
            actor_id=principal(request).account_id,
        )

    @get("/tokens")
    async def list_tokens(self, request: Request) -> list[TokenInfo]:
        """Sessions and API tokens in force (device secrets included) of the accounts the
        caller manages; never the tokens themselves."""
        return await accounts.list_tokens(scope=await scope_of(request), now=_now())

    @post("/tokens/{token_id:int}/revoke", status_code=204)
    async def revoke_token(self, request: Request, token_id: FromPath[int]) -> None:
        """End one session or API token; a device's secret is replaced through /api/devices."""
        await accounts.revoke_token_by_id(token_id=token_id, scope=await scope_of(request))

    @post("/{account_id:int}/sign-out", status_code=204)
    async def sign_out_everywhere(self, request: Request, account_id: FromPath[int]) -> None:
        """End every session and API token of an account (not a device: see /api/devices)."""
        await accounts.sign_out_everywhere(account_id=account_id, scope=await scope_of(request))

    @post("/{account_id:int}/tokens", status_code=201)
    async def issue_token(
        self, request: Request, account_id: FromPath[int], data: JSONBody[TokenRequest]
    ) -> TokenRead:
        """Issue a bearer token for an account, typically a device's (no expiry when
        `days` is empty). The token is shown only in this response."""
        await accounts.get_account(account_id=account_id, scope=await scope_of(request))
        token, expires_at = await accounts.issue_token(
            account_id=account_id,
            kind=TokenKind.API,
            now=_now(),
            lifetime=dt.timedelta(days=data.days) if data.days else None,
            label=data.label,
        )
        return TokenRead(token=token, expires_at=expires_at)


ROUTES = [SessionPages, AccountPages, AuthApi, AccountApi]
