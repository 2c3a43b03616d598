"""Per-hall rule settings: see what is in force on a day, record a dated change."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect, Template

from hall import services
from hall.errors import DomainError, InvalidInput
from hall.roles import ATTENDANCE_OFFICE, MANAGERS
from hall.schemas import SettingChange, SettingRead
from hall.settings import ResolvedSetting, change_setting, settings_for_hall
from web.guards import allow
from web.pages import form_values, principal, render_form, scope_of, today


def _read(resolved: ResolvedSetting) -> SettingRead:
    return SettingRead(
        key=resolved.definition.key,
        label=resolved.definition.label,
        value=resolved.value,
        default=resolved.definition.default,
        effective_from=resolved.effective_from,
        inherited_from_hall_id=resolved.hall_id,
        source=resolved.definition.source,
    )


async def _apply(request: Request, hall_id: FromPath[int], data: JSONBody[SettingChange]) -> ResolvedSetting:
    return await change_setting(
        hall_id=hall_id,
        key=data.key,
        value=data.value,
        effective_from=data.effective_from,
        reason=data.reason,
        scope=await scope_of(request),
        actor_id=principal(request).account_id,
        today=today(request),
    )


class SettingPages(Controller):
    path = "/settings"

    async def _page(
        self,
        request: Request,
        hall_id: int | None,
        on: dt.date | None,
        *,
        error: DomainError | None = None,
        values: dict | None = None,
    ) -> Template:
        scope = await scope_of(request)
        halls = await services.list_halls(scope=scope)
        if not halls:
            raise InvalidInput.single("hall_id", "中心", "您还没有可以设置的中心")
        hall_id = hall_id or principal(request).hall_id or halls[0].id
        on = on or today(request)
        context = {
            "halls": halls,
            "hall_id": hall_id,
            "on": on,
            "settings": await settings_for_hall(hall_id=hall_id, on=on, scope=scope),
            "hall_names": {hall.id: hall.name for hall in halls},
            "can_change": principal(request).role in MANAGERS,
        }
        return render_form(
            request,
            "settings/settings.html",
            error=error,
            values=values or {"effective_from": on.isoformat()},
            **context,
        )

    @get("/", opt=allow(ATTENDANCE_OFFICE))
    async def show(
        self,
        request: Request,
        hall_id: Annotated[int | None, QueryParameter(required=False)] = None,
        on: Annotated[dt.date | None, QueryParameter(required=False)] = None,
    ) -> Template:
        return await self._page(request, hall_id, on)

    @post("/{hall_id:int}", opt=allow(MANAGERS))
    async def change(self, request: Request, hall_id: FromPath[int]) -> Response:
        values = await form_values(request)
        try:
            await _apply(request, hall_id, SettingChange.model_validate(values))
        except DomainError as error:
            return await self._page(request, hall_id, None, error=error, values=values)
        return Redirect(path=f"/settings?hall_id={hall_id}", status_code=303)


class SettingApi(Controller):
    path = "/api/halls/{hall_id:int}/settings"
    tags = ["规则设置"]

    @get("/", opt=allow(ATTENDANCE_OFFICE))
    async def list_settings(
        self,
        request: Request,
        hall_id: FromPath[int],
        on: Annotated[dt.date | None, QueryParameter(required=False)] = None,
    ) -> list[SettingRead]:
        resolved = await settings_for_hall(
            hall_id=hall_id, on=on or today(request), scope=await scope_of(request)
        )
        return [_read(item) for item in resolved.values()]

    @post("/", opt=allow(MANAGERS), status_code=201)
    async def change(
        self, request: Request, hall_id: FromPath[int], data: JSONBody[SettingChange]
    ) -> SettingRead:
        return _read(await _apply(request, hall_id, data))


ROUTES = [SettingPages, SettingApi]
