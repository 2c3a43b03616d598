"""The face clock-in API: enrolment (the attendance office, or the person once if the hall
allows), the terminals' endpoints (a kiosk's frame; a terminal program's gallery and
punches) and the clerk's review of attempts. Pages: faces_pages.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import File

from attendance import face_clock, face_enrolment, faces
from attendance.schemas import AttemptRead, ClockResult, EnrolmentRead, GalleryRead, TerminalPunch
from devices.registry import calling_device
from devices.tables import DeviceKind
from hall.config import get_config
from hall.errors import InvalidInput, NotAllowed, NotFound
from hall.roles import ATTENDANCE_OFFICE, MANAGERS, Role
from hall.services import HallScope, get_hall
from hall.settings import setting_values_by_day
from web.attendance import hall_of
from web.guards import allow
from web.pages import config, local_now, principal, scope_of, today

OptionalInt = Annotated[int | None, QueryParameter(required=False)]
OptionalDate = Annotated[dt.date | None, QueryParameter(required=False)]
FACE_DEVICES = frozenset({DeviceKind.FACE_KIOSK, DeviceKind.FACE_TERMINAL})
ENROLLERS = ATTENDANCE_OFFICE | {Role.STAFF}


def limits(request: Request) -> faces.ImageLimits:
    return faces.ImageLimits(config(request).max_upload_bytes, config(request).max_image_pixels)


async def terminal(request: Request, kinds: frozenset[DeviceKind]) -> face_clock.Terminal:
    device = await calling_device(principal(request), kinds)
    return face_clock.Terminal(account_id=device.account_id, hall_id=device.hall_id, name=device.name)


async def enrolment_scope(request: Request, staff_id: int) -> tuple[HallScope, bool]:
    """The scope to enrol `staff_id` in, and whether it is the person doing it themselves
    (allowed once, when the hall's setting says so)."""
    user = principal(request)
    if user.role != Role.STAFF:
        return await scope_of(request), False
    if user.staff_id != staff_id or user.hall_id is None:
        raise NotFound("没有找到编号为 {id} 的人员", id=staff_id)  # window staff see only themselves
    values = (await setting_values_by_day(hall_id=user.hall_id))(today(request))
    if values["face_self_enrolment"] != "允许":
        raise NotAllowed("本中心不允许自助采集人脸，请联系考勤员")
    return frozenset({user.hall_id}), True


async def uploaded_photos(request: Request, field: str = "photos") -> list[bytes]:
    form = await request.form()
    return [await item.read() for item in form.getall(field, []) if isinstance(item, UploadFile)]


async def enrol(request: Request, staff_id: int, photos: list[bytes]) -> EnrolmentRead:
    scope, first_time_only = await enrolment_scope(request, staff_id)
    return await face_enrolment.enrol(
        staff_id=staff_id,
        photos=photos,
        scope=scope,
        actor_id=principal(request).account_id,
        media_dir=config(request).media_dir,
        limits=limits(request),
        first_time_only=first_time_only,
    )


def enrolment_body_limit() -> int:
    # Each photo is held to MAX_UPLOAD_BYTES on its own; the request carries up to five.
    return face_enrolment.MAX_PHOTOS * get_config().max_upload_bytes + 64 * 1024


class FaceApi(Controller):
    path = "/api/faces"

    @get("/staff/{staff_id:int}", opt=allow(ENROLLERS))
    async def enrolment(self, request: Request, staff_id: FromPath[int]) -> EnrolmentRead:
        user = principal(request)
        if user.role == Role.STAFF and user.staff_id != staff_id:
            raise NotFound("没有找到编号为 {id} 的人员", id=staff_id)
        scope = frozenset({user.hall_id}) if user.role == Role.STAFF else await scope_of(request)
        return await face_enrolment.enrolment_of(staff_id=staff_id, scope=scope)

    @post(
        "/staff/{staff_id:int}",
        opt=allow(ENROLLERS),
        request_max_body_size=enrolment_body_limit(),
        status_code=201,
    )
    async def enrol(self, request: Request, staff_id: FromPath[int]) -> EnrolmentRead:
        """multipart/form-data with one to five files in the field `photos`."""
        return await enrol(request, staff_id, await uploaded_photos(request))

    @delete("/staff/{staff_id:int}", opt=allow(ATTENDANCE_OFFICE), status_code=204)
    async def remove(self, request: Request, staff_id: FromPath[int]) -> None:
        await face_enrolment.remove_enrolment(
            staff_id=staff_id, scope=await scope_of(request), media_dir=config(request).media_dir
        )

    @get("/photos/{photo_id:int}", opt=allow(ATTENDANCE_OFFICE))
    async def photo(self, request: Request, photo_id: FromPath[int]) -> File:
        path = await face_enrolment.photo_path(
            photo_id=photo_id, scope=await scope_of(request), media_dir=config(request).media_dir
        )
        return File(path=path, content_disposition_type="inline")

    @post("/clock", opt=allow(Role.DEVICE), status_code=200)
    async def clock(self, request: Request) -> ClockResult:
        """The kiosk's frame, as the raw body (image/jpeg, image/png, ...)."""
        device = await terminal(request, FACE_DEVICES)
        content = await request.body()
        if not content:
            raise InvalidInput.single("frame", "图像", "没有收到图像")
        return await face_clock.clock_in(
            content=content, terminal=device, now=local_now(request), limits=limits(request)
        )

    @get("/gallery", opt=allow(Role.DEVICE))
    async def gallery(self, request: Request) -> Response[GalleryRead]:
        device = await terminal(request, frozenset({DeviceKind.FACE_TERMINAL}))
        found = await face_clock.gallery(terminal=device, day=today(request))
        if request.headers.get("if-none-match") == f'"{found.version}"':
            return Response(content=None, status_code=304, headers={"ETag": f'"{found.version}"'})
        return Response(content=found, headers={"ETag": f'"{found.version}"'})

    @post("/punches", opt=allow(Role.DEVICE))
    async def terminal_punch(self, request: Request, data: JSONBody[TerminalPunch]) -> Response[ClockResult]:
        """A punch the terminal program recognised itself: 201 when stored, 200 when the
        same key was sent before (the first answer again)."""
        device = await terminal(request, frozenset({DeviceKind.FACE_TERMINAL}))
        result, created = await face_clock.terminal_punch(
            data=data, terminal=device, now=local_now(request), timezone=config(request).timezone
        )
        return Response(content=result, status_code=201 if created else 200)

    @get("/attempts", opt=allow(ATTENDANCE_OFFICE))
    async def attempts(
        self, request: Request, hall_id: OptionalInt = None, day: OptionalDate = None
    ) -> list[AttemptRead]:
        return await face_clock.list_attempts(
            hall_id=hall_of(principal(request), hall_id),
            day=day or today(request),
            scope=await scope_of(request),
        )

    @get("/attempts/{attempt_id:int}/thumbnail", opt=allow(ATTENDANCE_OFFICE))
    async def thumbnail(self, request: Request, attempt_id: FromPath[int]) -> Response[bytes]:
        content = await face_clock.attempt_thumbnail(attempt_id=attempt_id, scope=await scope_of(request))
        return Response(content=content, media_type="image/jpeg")

    @post("/rebuild", opt=allow(MANAGERS), status_code=202)
    async def rebuild(self, request: Request, hall_id: OptionalInt = None) -> dict[str, str]:
        """Queue the re-encoding of a hall's enrolment photos (after a library upgrade)."""
        chosen = hall_of(principal(request), hall_id)
        await get_hall(hall_id=chosen, scope=await scope_of(request))
        await request.app.state.jobs.enqueue("rebuild_face_encodings", hall_id=chosen)
        return {"detail": "已开始重新生成人脸特征"}


ROUTES = [FaceApi]
