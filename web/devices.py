"""Pages and API of the device registry: the managers register a hall's terminals, hand each
its secret once (a push terminal has none: its SN), replace the secret or revoke the device,
approve parked push terminals, and watch how the push terminals are doing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from pydantic import BaseModel

from devices import health, registry
from devices.push import commands, ingest, terminals
from devices.schemas import DeviceCreate, DeviceRead, DeviceSecret
from devices.tables import COMMAND_LABELS, COMMAND_STATE_LABELS, HELD_REASON_LABELS, DeviceKind
from hall import services
from hall.errors import Conflict, DomainError
from hall.roles import MANAGERS, Role
from hall.schemas import Schema
from web.guards import allow
from web.pages import config, form_values, local_now, principal, render, render_form, scope_of, today

# A secret is shown in one response only: no browser or proxy may keep a copy of it.
NOT_STORED = CacheControlHeader(no_store=True)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TerminalAction(Schema):
    action: str  # "set_time" or "sync_users"


class ActionDone(BaseModel):
    queued: int  # commands queued
    released: int = 0  # held lines that became punches


async def _push_terminal(request: Request, device_id: int) -> DeviceRead:
    device = await registry.get_device(device_id=device_id, scope=await scope_of(request))
    if device.kind != DeviceKind.PUSH_TERMINAL or not device.active:
        raise Conflict("只有启用中的考勤机（推送协议）能接收命令")
    return device


async def act_on_terminal(request: Request, device_id: int, action: str) -> ActionDone:
    """Set the terminal's clock at its next call, or bring its users in line now."""
    device = await _push_terminal(request, device_id)
    if action == "set_time":
        queued = await commands.queue_set_time(
            device_id=device.id, now=_now(), actor_id=principal(request).account_id
        )
        return ActionDone(queued=int(queued))
    if action == "sync_users":
        queued = await commands.sync_users(
            device_id=device.id, hall_id=device.hall_id, today=today(request), now=_now()
        )
        released = await ingest.release_held(hall_id=device.hall_id, local_now=local_now(request))
        return ActionDone(queued=queued, released=released)
    raise Conflict("不认识的操作：{action}", action=action)


# ---- pages ---------------------------------------------------------------------------


class DevicePages(Controller):
    path = "/devices"
    opt = allow(MANAGERS)

    async def _page(
        self, request: Request, *, error: DomainError | None = None, values: dict[str, Any] | None = None
    ) -> Template:
        scope = await scope_of(request)
        is_admin = principal(request).role == Role.ADMIN
        context = {
            "devices": await registry.list_devices(scope=scope),
            "health": {
                item.device.id: item
                for item in await health.terminals_health(scope=scope, today=today(request), now=_now())
            },
            # Parked terminals belong to no hall yet: only the admin, who reaches all, sees them.
            "parked": await terminals.list_parked() if is_admin else [],
            "halls": await services.list_halls(scope=scope),
            "windows": await services.list_windows(scope=scope),
            "kind_options": [(kind.value, kind.label) for kind in DeviceKind],
            "timezone": config(request).timezone,
        }
        prefill = {
            key: request.query_params[key] for key in ("serial_number", "kind") if key in request.query_params
        }
        return render_form(request, "devices/devices.html", error=error, values=values or prefill, **context)

    async def _detail(
        self, request: Request, device_id: int, *, status_code: int = 200, **extra: Any
    ) -> Template:
        scope = await scope_of(request)
        device = await registry.get_device(device_id=device_id, scope=scope)
        context: dict[str, Any] = {"device": device, "timezone": config(request).timezone, **extra}
        if device.kind == DeviceKind.PUSH_TERMINAL:
            context |= {
                "health": await health.terminal_health(
                    device_id=device_id, scope=scope, today=today(request), now=_now()
                ),
                "commands": await health.recent_commands(device_id=device_id),
                "held": await health.held_records(device_id=device_id),
                "users": await health.enrolled_users(device_id=device_id),
                "server": str(request.base_url).rstrip("/"),
                "command_labels": COMMAND_LABELS,
                "state_labels": COMMAND_STATE_LABELS,
                "held_labels": HELD_REASON_LABELS,
                # One bit per enrolled finger (devices.tables.DeviceUser).
                "fingers": lambda bits: bin(bits).count("1"),
            }
        return render(request, "devices/device.html", status_code=status_code, **context)

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
        if issued.secret is None:
            return await self._detail(request, issued.device.id, status_code=201, registered=True)
        return self._secret_page(request, issued, status_code=201)

    @get("/{device_id:int}")
    async def detail(self, request: Request, device_id: FromPath[int]) -> Template:
        return await self._detail(request, device_id)

    @post("/{device_id:int}/action")
    async def act(self, request: Request, device_id: FromPath[int]) -> Response:
        values = await form_values(request)
        try:
            done = await act_on_terminal(request, device_id, str(values.get("action", "")))
        except DomainError as error:
            return await self._detail(request, device_id, status_code=error.status_code, error=error)
        return await self._detail(request, device_id, done=done)

    @post("/parked/{parked_id:int}/forget", opt=allow({Role.ADMIN}))
    async def forget_parked(self, request: Request, parked_id: FromPath[int]) -> Response:
        await terminals.forget_parked(parked_id=parked_id)
        return Redirect(path="/devices", status_code=303)

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

    @get("/health")
    async def terminals_health(self, request: Request) -> list[health.TerminalHealth]:
        """The push terminals: last contact, today's lines, clock, commands waiting, held lines."""
        return await health.terminals_health(scope=await scope_of(request), today=today(request), now=_now())

    @post("/{device_id:int}/actions", status_code=200)
    async def act(
        self, request: Request, device_id: FromPath[int], data: JSONBody[TerminalAction]
    ) -> ActionDone:
        """`set_time`: the terminal's clock is set at its next call; `sync_users`: the hall's
        people are queued for the terminal and held lines whose PIN is now known stored."""
        return await act_on_terminal(request, device_id, data.action)

    @get("/parked", opt=allow({Role.ADMIN}))
    async def parked(self) -> list[dict[str, Any]]:
        """Push terminals with an unknown SN, waiting to be registered (PUSH_UNKNOWN_DEVICES=park)."""
        return await terminals.list_parked()

    @post("/{device_id:int}/secret", status_code=200, cache_control=NOT_STORED)
    async def replace_secret(self, request: Request, device_id: FromPath[int]) -> DeviceSecret:
        """A new secret, in this response only; the old one is refused from now on."""
        return await registry.replace_secret(device_id=device_id, scope=await scope_of(request), now=_now())

    @post("/{device_id:int}/revoke", status_code=200)
    async def revoke(self, request: Request, device_id: FromPath[int]) -> DeviceRead:
        """Stop the device: its secret is refused from the next request on."""
        return await registry.revoke_device(device_id=device_id, scope=await scope_of(request), now=_now())


ROUTES = [DevicePages, DeviceApi]
