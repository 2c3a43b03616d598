"""Pages and API for the hall tree, departments, windows, staff (with photos) and cover
assignments. Managers (admin, director) change them; the other office roles read them."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter
from litestar.response import File, Redirect, Template

from hall import services
from hall.errors import DomainError, InvalidInput
from hall.roles import ATTENDANCE_OFFICE, MANAGERS, OFFICE
from hall.schemas import (
    CoverCreate,
    CoverRead,
    DepartmentCreate,
    DepartmentRead,
    HallCreate,
    HallRead,
    HallUpdate,
    StaffCreate,
    StaffRead,
    StaffUpdate,
    WindowCreate,
    WindowRead,
    WindowUpdate,
)
from hall.tables import HallLevel, StaffStatus
from web.guards import allow
from web.pages import config, form_values, principal, render, render_form, scope_of, today

HALL_LEVELS = {
    HallLevel.CENTRE: "市/县中心",
    HallLevel.TOWNSHIP: "镇（街道）中心",
    HallLevel.VILLAGE: "村服务点",
}
OptionalInt = Annotated[int | None, QueryParameter(required=False)]


async def staff_changed(request: Request, person: StaffRead) -> None:
    """A person added, renamed or gone: the hall's push terminals are brought in line."""
    await request.app.state.jobs.enqueue("sync_push_terminals", hall_id=person.hall_id)


def _saved(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


# ---- pages ---------------------------------------------------------------------------


class HallPages(Controller):
    path = "/halls"
    opt = allow(MANAGERS)

    async def _page(
        self, request: Request, *, error: DomainError | None = None, values: dict | None = None
    ) -> Template:
        context = {"halls": await services.list_halls(scope=await scope_of(request)), "levels": HALL_LEVELS}
        return render_form(request, "hall/halls.html", error=error, values=values or {}, **context)

    @get("/")
    async def list_halls(self, request: Request) -> Template:
        return await self._page(request)

    @post("/")
    async def create(self, request: Request) -> Response:
        values = await form_values(request)
        try:
            hall = await services.create_hall(
                data=HallCreate.model_validate(values), scope=await scope_of(request)
            )
        except DomainError as error:
            return await self._page(request, error=error, values=values)
        return _saved(f"/halls/{hall.id}")

    @get("/{hall_id:int}")
    async def detail(self, request: Request, hall_id: FromPath[int]) -> Template:
        scope = await scope_of(request)
        hall = await services.get_hall(hall_id=hall_id, scope=scope)
        return render(
            request,
            "hall/hall.html",
            hall=hall,
            values=hall.model_dump(),
            windows=await services.list_windows(scope=scope, hall_id=hall_id),
            staff=await services.list_staff(scope=scope, hall_id=hall_id),
            levels=HALL_LEVELS,
        )

    @post("/{hall_id:int}")
    async def update(self, request: Request, hall_id: FromPath[int]) -> Response:
        data = HallUpdate.model_validate(await form_values(request))
        await services.update_hall(hall_id=hall_id, data=data, scope=await scope_of(request))
        return _saved(f"/halls/{hall_id}")


class DepartmentPages(Controller):
    path = "/departments"
    opt = allow(MANAGERS)

    @get("/")
    async def list_departments(self, request: Request) -> Template:
        return render(
            request, "hall/departments.html", departments=await services.list_departments(), values={}
        )

    @post("/")
    async def create(self, request: Request) -> Response:
        values = await form_values(request)
        try:
            await services.create_department(data=DepartmentCreate.model_validate(values))
        except DomainError as error:
            return render_form(
                request,
                "hall/departments.html",
                error=error,
                values=values,
                departments=await services.list_departments(),
            )
        return _saved("/departments")


class WindowPages(Controller):
    path = "/windows"

    async def _page(
        self,
        request: Request,
        hall_id: int | None,
        *,
        error: DomainError | None = None,
        values: dict | None = None,
    ) -> Template:
        scope = await scope_of(request)
        context = {
            "windows": await services.list_windows(scope=scope, hall_id=hall_id),
            "halls": await services.list_halls(scope=scope),
            "departments": await services.list_departments(),
            "selected_hall": hall_id,
        }
        return render_form(request, "hall/windows.html", error=error, values=values or {}, **context)

    @get("/", opt=allow(OFFICE))
    async def list_windows(self, request: Request, hall_id: OptionalInt = None) -> Template:
        return await self._page(request, hall_id)

    @post("/", opt=allow(MANAGERS))
    async def create(self, request: Request) -> Response:
        values = await form_values(request)
        try:
            await services.create_window(
                data=WindowCreate.model_validate(values), scope=await scope_of(request)
            )
        except DomainError as error:
            return await self._page(request, None, error=error, values=values)
        return _saved("/windows")

    @get("/{window_id:int}", opt=allow(MANAGERS))
    async def edit(self, request: Request, window_id: FromPath[int]) -> Template:
        window = await services.get_window(window_id=window_id, scope=await scope_of(request))
        return render(
            request,
            "hall/window.html",
            window=window,
            values=window.model_dump(),
            departments=await services.list_departments(),
            staff=await services.list_staff(scope=await scope_of(request), window_id=window_id),
        )

    @post("/{window_id:int}", opt=allow(MANAGERS))
    async def update(self, request: Request, window_id: FromPath[int]) -> Response:
        values = await form_values(request)
        scope = await scope_of(request)
        try:
            await services.update_window(
                window_id=window_id, data=WindowUpdate.model_validate(values), scope=scope
            )
        except DomainError as error:
            return render_form(
                request,
                "hall/window.html",
                error=error,
                values=values,
                window=await services.get_window(window_id=window_id, scope=scope),
                departments=await services.list_departments(),
                staff=await services.list_staff(scope=scope, window_id=window_id),
            )
        return _saved("/windows")


class StaffPages(Controller):
    path = "/staff"

    async def _context(self, request: Request) -> dict[str, Any]:
        scope = await scope_of(request)
        return {
            "halls": await services.list_halls(scope=scope),
            "windows": await services.list_windows(scope=scope),
            "statuses": {StaffStatus.ACTIVE: "在岗", StaffStatus.LEFT: "已离岗"},
        }

    @get("/", opt=allow(OFFICE))
    async def list_staff(
        self,
        request: Request,
        hall_id: OptionalInt = None,
        window_id: OptionalInt = None,
        include_left: FromQuery[bool] = False,
    ) -> Template:
        people = await services.list_staff(
            scope=await scope_of(request), hall_id=hall_id, window_id=window_id, include_left=include_left
        )
        return render(
            request,
            "hall/staff_list.html",
            staff=people,
            values={},
            include_left=include_left,
            selected_hall=hall_id,
            selected_window=window_id,
            **await self._context(request),
        )

    @post("/", opt=allow(MANAGERS))
    async def create(self, request: Request) -> Response:
        values = await form_values(request)
        scope = await scope_of(request)
        try:
            person = await services.create_staff(data=StaffCreate.model_validate(values), scope=scope)
            await staff_changed(request, person)
        except DomainError as error:
            return render_form(
                request,
                "hall/staff_list.html",
                error=error,
                values=values,
                include_left=False,
                staff=await services.list_staff(scope=scope),
                selected_hall=None,
                selected_window=None,
                **await self._context(request),
            )
        return _saved(f"/staff/{person.id}")

    @get("/{staff_id:int}", opt=allow(MANAGERS))
    async def edit(self, request: Request, staff_id: FromPath[int]) -> Template:
        person = await services.get_staff(staff_id=staff_id, scope=await scope_of(request))
        return render(
            request,
            "hall/staff.html",
            person=person,
            values=person.model_dump(),
            **await self._context(request),
        )

    @post("/{staff_id:int}", opt=allow(MANAGERS))
    async def update(self, request: Request, staff_id: FromPath[int]) -> Response:
        values = await form_values(request)
        # The edit form always sends the window; left blank it means "no window".
        values.setdefault("window_id", None)
        scope = await scope_of(request)
        try:
            person = await services.update_staff(
                staff_id=staff_id, data=StaffUpdate.model_validate(values), scope=scope, today=today(request)
            )
            await staff_changed(request, person)
        except DomainError as error:
            person = await services.get_staff(staff_id=staff_id, scope=scope)
            return render_form(
                request,
                "hall/staff.html",
                error=error,
                values=values,
                person=person,
                **await self._context(request),
            )
        return _saved(f"/staff/{staff_id}")

    @post("/{staff_id:int}/photo", opt=allow(MANAGERS))
    async def upload_photo(
        self,
        request: Request,
        staff_id: FromPath[int],
        data: MultipartBody[dict[str, UploadFile]],
    ) -> Response:
        scope = await scope_of(request)
        upload = data.get("photo")
        try:
            if not isinstance(upload, UploadFile):
                raise InvalidInput.single("photo", "照片", "请选择一张照片")
            await services.set_staff_photo(
                staff_id=staff_id,
                content=await upload.read(),
                media_dir=config(request).media_dir,
                max_pixels=config(request).max_image_pixels,
                scope=scope,
            )
        except DomainError as error:
            person = await services.get_staff(staff_id=staff_id, scope=scope)
            return render_form(
                request,
                "hall/staff.html",
                error=error,
                values=person.model_dump(),
                person=person,
                **await self._context(request),
            )
        return _saved(f"/staff/{staff_id}")

    @get("/{staff_id:int}/photo", opt=allow(OFFICE))
    async def photo(self, request: Request, staff_id: FromPath[int]) -> File:
        path = await services.staff_photo(
            staff_id=staff_id, media_dir=config(request).media_dir, scope=await scope_of(request)
        )
        return File(path=path, media_type="image/jpeg", content_disposition_type="inline")


class CoverPages(Controller):
    path = "/cover"

    async def _page(
        self, request: Request, *, error: DomainError | None = None, values: dict | None = None
    ) -> Template:
        scope = await scope_of(request)
        context = {
            "assignments": await services.list_cover(scope=scope, current_on=today(request)),
            "staff": await services.list_staff(scope=scope),
            "windows": await services.list_windows(scope=scope),
        }
        return render_form(request, "hall/cover.html", error=error, values=values or {}, **context)

    @get("/", opt=allow(ATTENDANCE_OFFICE))
    async def list_cover(self, request: Request) -> Template:
        return await self._page(request)

    @post("/", opt=allow(MANAGERS))
    async def create(self, request: Request) -> Response:
        values = await form_values(request)
        try:
            await services.create_cover(
                data=CoverCreate.model_validate(values),
                scope=await scope_of(request),
                actor_id=principal(request).account_id,
            )
        except DomainError as error:
            return await self._page(request, error=error, values=values)
        return _saved("/cover")

    @post("/{cover_id:int}/delete", opt=allow(MANAGERS))
    async def remove(self, request: Request, cover_id: FromPath[int]) -> Response:
        await services.delete_cover(cover_id=cover_id, scope=await scope_of(request))
        return _saved("/cover")


# ---- API -----------------------------------------------------------------------------


class HallApi(Controller):
    path = "/api/halls"
    tags = ["中心"]

    @get("/", opt=allow(OFFICE))
    async def list_halls(self, request: Request) -> list[HallRead]:
        return await services.list_halls(scope=await scope_of(request))

    @post("/", opt=allow(MANAGERS), status_code=201)
    async def create(self, request: Request, data: JSONBody[HallCreate]) -> HallRead:
        return await services.create_hall(data=data, scope=await scope_of(request))

    @get("/{hall_id:int}", opt=allow(OFFICE))
    async def get_hall(self, request: Request, hall_id: FromPath[int]) -> HallRead:
        return await services.get_hall(hall_id=hall_id, scope=await scope_of(request))

    @patch("/{hall_id:int}", opt=allow(MANAGERS))
    async def update(self, request: Request, hall_id: FromPath[int], data: JSONBody[HallUpdate]) -> HallRead:
        return await services.update_hall(hall_id=hall_id, data=data, scope=await scope_of(request))


class DepartmentApi(Controller):
    path = "/api/departments"
    tags = ["进驻单位"]

    @get("/", opt=allow(OFFICE))
    async def list_departments(self) -> list[DepartmentRead]:
        return await services.list_departments()

    @post("/", opt=allow(MANAGERS), status_code=201)
    async def create(self, data: JSONBody[DepartmentCreate]) -> DepartmentRead:
        return await services.create_department(data=data)


class WindowApi(Controller):
    path = "/api/windows"
    tags = ["窗口"]

    @get("/", opt=allow(OFFICE))
    async def list_windows(self, request: Request, hall_id: OptionalInt = None) -> list[WindowRead]:
        return await services.list_windows(scope=await scope_of(request), hall_id=hall_id)

    @post("/", opt=allow(MANAGERS), status_code=201)
    async def create(self, request: Request, data: JSONBody[WindowCreate]) -> WindowRead:
        return await services.create_window(data=data, scope=await scope_of(request))

    @get("/{window_id:int}", opt=allow(OFFICE))
    async def get_window(self, request: Request, window_id: FromPath[int]) -> WindowRead:
        return await services.get_window(window_id=window_id, scope=await scope_of(request))

    @patch("/{window_id:int}", opt=allow(MANAGERS))
    async def update(
        self, request: Request, window_id: FromPath[int], data: JSONBody[WindowUpdate]
    ) -> WindowRead:
        return await services.update_window(window_id=window_id, data=data, scope=await scope_of(request))


class StaffApi(Controller):
    path = "/api/staff"
    tags = ["人员"]

    @get("/", opt=allow(OFFICE))
    async def list_staff(
        self,
        request: Request,
        hall_id: OptionalInt = None,
        window_id: OptionalInt = None,
        include_left: FromQuery[bool] = False,
    ) -> list[StaffRead]:
        return await services.list_staff(
            scope=await scope_of(request), hall_id=hall_id, window_id=window_id, include_left=include_left
        )

    @post("/", opt=allow(MANAGERS), status_code=201)
    async def create(self, request: Request, data: JSONBody[StaffCreate]) -> StaffRead:
        person = await services.create_staff(data=data, scope=await scope_of(request))
        await staff_changed(request, person)
        return person

    @get("/{staff_id:int}", opt=allow(OFFICE))
    async def get_staff(self, request: Request, staff_id: FromPath[int]) -> StaffRead:
        return await services.get_staff(staff_id=staff_id, scope=await scope_of(request))

    @patch("/{staff_id:int}", opt=allow(MANAGERS))
    async def update(
        self, request: Request, staff_id: FromPath[int], data: JSONBody[StaffUpdate]
    ) -> StaffRead:
        person = await services.update_staff(
            staff_id=staff_id, data=data, scope=await scope_of(request), today=today(request)
        )
        await staff_changed(request, person)
        return person

    @put("/{staff_id:int}/photo", opt=allow(MANAGERS))
    async def upload_photo(self, request: Request, staff_id: FromPath[int]) -> StaffRead:
        """The request body is the image itself (JPEG, PNG, WEBP or BMP)."""
        return await services.set_staff_photo(
            staff_id=staff_id,
            content=await request.body(),
            media_dir=config(request).media_dir,
            max_pixels=config(request).max_image_pixels,
            scope=await scope_of(request),
        )


class CoverApi(Controller):
    path = "/api/cover-assignments"
    tags = ["顶岗安排"]

    @get("/", opt=allow(ATTENDANCE_OFFICE))
    async def list_cover(self, request: Request, hall_id: OptionalInt = None) -> list[CoverRead]:
        return await services.list_cover(scope=await scope_of(request), hall_id=hall_id)

    @post("/", opt=allow(MANAGERS), status_code=201)
    async def create(self, request: Request, data: JSONBody[CoverCreate]) -> CoverRead:
        return await services.create_cover(
            data=data, scope=await scope_of(request), actor_id=principal(request).account_id
        )

    @delete("/{cover_id:int}", opt=allow(MANAGERS), status_code=204)
    async def remove(self, request: Request, cover_id: FromPath[int]) -> None:
        await services.delete_cover(cover_id=cover_id, scope=await scope_of(request))


ROUTES = [
    HallPages,
    DepartmentPages,
    WindowPages,
    StaffPages,
    CoverPages,
    HallApi,
    DepartmentApi,
    WindowApi,
    StaffApi,
    CoverApi,
]
