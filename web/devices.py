"""Pages and API of the device registry: the managers register a hall's terminals, hand each
its secret once, replace the secret or revoke the device."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from devices import registry
from devices.schemas import DeviceCreate, DeviceRead, DeviceSecret
from devices.tables import DeviceKind
from hall import services
from hall.errors import DomainError
from hall.roles import MANAGERS
from web.guards import allow
from web.pages import config, form_values, principal, render, render_form, scope_of

# A secret is shown in one response only: no browser or proxy may keep a copy of it.
NOT_STORED = CacheControlHeader(no_store=True)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---- pages ---------------------------------------------------------------------------


class DevicePages(Controller):
    path = "/devices"
    opt = allow(MANAGERS)

    async def _page(
        self, request: Request, *, error: DomainError | None = None, values: dict[str, Any] | None = None
    ) -> Template:
        scope = await scope_of(request)
        context = {
            "devices": await registry.list_devices(scope=scope),
            "halls": await services.list_halls(scope=scope),
            "kind_options": [(kind.value, kind.label) for kind in DeviceKind],
            "timezone": config(request).timezone,
        }
        return render_form(request, "devices/devices.html", error=error, values=values or {}, **context)

    def _secret_page(self, request: Request, issued: DeviceSecret, *, status_code: int) -> Template:
        return render(
            request,
            "devices/secret.html",
            status_code=status_code,
            device=issued.device,
            secret=issued.secret,
            server=str(request.base_url).rstrip("/"),
        )

    @get("/")
    async def list_devices(self, request: Request) -> Template:
        return await self._page(request)

    @post("/", cache_control=NOT_STORED)
    async def register(self, request: Request) -> Response:
        values = await form_values(request)
        try:
            issued = await registry.register_device(
                data=DeviceCreate.model_validate(values),
                scope=await scope_of(request),
                actor_id=principal(request).account_id,
                now=_now(),
            )
        except DomainError as error:
            return await self._page(request, error=error, values=values)
        return self._secret_page(request, issued, status_code=201)

    @post("/{device_id:int}/secret", cache_control=NOT_STORED)
    async def replace_secret(self, request: Request, device_id: FromPath[int]) -> Response:
        try:
            issued = await registry.replace_secret(
                device_id=device_id, scope=await scope_of(request), now=_now()
            )
        except DomainError as error:
            return await self._page(request, error=error)
        return self._secret_page(request, issued, status_code=200)

    @post("/{device_id:int}/revoke")
    async def revoke(self, request: Request, device_id: FromPath[int]) -> Response:
        try:
            await registry.revoke_device(device_id=device_id, scope=await scope_of(request), now=_now())
        except DomainError as error:
            return await self._page(request, error=error)
        return Redirect(path="/devices", status_code=303)


# ---- API -----------------------------------------------------------------------------


class DeviceApi(Controller):
    path = "/api/devices"
    opt = allow(MANAGERS)
    tags = ["设备"]

    @get("/")
    async def list_devices(self, request: Request) -> list[DeviceRead]:
        return await registry.list_devices(scope=await scope_of(request))

    @post("/", status_code=201, cache_control=NOT_STORED)
    async def register(self, request: Request, data: JSONBody[DeviceCreate]) -> DeviceSecret:
        """Register a terminal for a hall. Its secret is in this response only."""
        return await registry.register_device(
            data=data, scope=await scope_of(request), actor_id=principal(request).account_id, now=_now()
        )

    @get("/{device_id:int}")
    async def get_device(self, request: Request, device_id: FromPath[int]) -> DeviceRead:
        return await registry.get_device(device_id=device_id, scope=await scope_of(request))

    @post("/{device_id:int}/secret", status_code=200, cache_control=NOT_STORED)
    async def replace_secret(self, request: Request, device_id: FromPath[int]) -> DeviceSecret:
        """A new secret, in this response only; the old one is refused from now on."""
        return await registry.replace_secret(device_id=device_id, scope=await scope_of(request), now=_now())

    @post("/{device_id:int}/revoke", status_code=200)
    async def revoke(self, request: Request, device_id: FromPath[int]) -> DeviceRead:
        """Stop the device: its secret is refused from the next request on."""
        return await registry.revoke_device(device_id=device_id, scope=await scope_of(request), now=_now())


ROUTES = [DevicePages, DeviceApi]
