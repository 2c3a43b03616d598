"""The face clock-in pages: the attendance office enrols a person's face (uploaded photos or
shots from the browser's camera, web/static/enrol.js), removes it, and reviews what the
terminals recognised; window staff enrol themselves once where the hall allows it. The JSON
API and the helpers shared with it are in faces.py."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from attendance import face_clock, face_enrolment
from attendance.schemas import EnrolmentRead
from attendance.tables import FaceOutcome
from hall import services
from hall.errors import DomainError, InvalidInput, NotAllowed
from hall.i18n import render_message, translator
from hall.roles import ATTENDANCE_OFFICE, Role
from hall.schemas import HallRead
from web.attendance import OptionalDate, OptionalInt, hall_of, own_staff
from web.faces import enrol, enrolment_body_limit, enrolment_scope, uploaded_photos
from web.guards import allow
from web.pages import config, language, principal, render_form, scope_of, today

PHOTO_FIELD = re.compile(r"photos\[(\d+)\]")
# Outcomes whose person is only the nearest enrolled face, not someone recognised.
NEAREST_ONLY = frozenset({FaceOutcome.UNSURE, FaceOutcome.UNKNOWN})
SELF_ENROLMENT_PAGE = "/me/face"


def _saved(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def _photo_errors(request: Request, error: DomainError | None) -> list[str]:
    """Each refused photo with its reason ("第 2 张照片：画面中有多张人脸…"), in order."""
    if not isinstance(error, InvalidInput):
        return []
    translate = translator(language(request))
    found = []
    for item in error.errors:
        reason = render_message(translate, item.message, item.params)
        photo = PHOTO_FIELD.fullmatch(item.field)
        if photo is None:
            found.append(reason)
        else:
            label = render_message(translate, face_enrolment.PHOTO_LABEL, {"n": int(photo[1]) + 1})
            found.append(f"{label}{translate('：')}{reason}")
    return found


def _page(
    request: Request,
    template: str,
    *,
    error: DomainError | None = None,
    **context: Any,
) -> Template:
    return render_form(
        request,
        template,
        error=error,
        values={},
        photo_errors=_photo_errors(request, error),
        max_photos=face_enrolment.MAX_PHOTOS,
        timezone=config(request).timezone,
        **context,
    )


async def _hall_choice(request: Request, hall_id: int | None) -> tuple[list[HallRead], int]:
    """The halls the caller reaches, and the one shown: asked for, else their own, else the first."""
    scope = await scope_of(request)
    halls = await services.list_halls(scope=scope)
    user = principal(request)
    chosen = hall_of(user, hall_id or user.hall_id or (halls[0].id if halls else None))
    await services.get_hall(hall_id=chosen, scope=scope)
    return halls, chosen


class FacePages(Controller):
    path = "/attendance/faces"
    opt = allow(ATTENDANCE_OFFICE)

    @get("/")
    async def people(self, request: Request, hall_id: OptionalInt = None) -> Template:
        """The hall's people, each enrolled or not."""
        halls, chosen = await _hall_choice(request, hall_id)
        staff = await services.list_staff(scope=await scope_of(request), hall_id=chosen)
        counts = await face_enrolment.enrolled_counts(hall_id=chosen)
        return _page(
            request,
            "faces/people.html",
            halls=halls,
            hall_id=chosen,
            staff=staff,
            counts=counts,
            enrolled=sum(1 for person in staff if counts.get(person.id)),
        )

    async def _person(self, request: Request, staff_id: int, *, error: DomainError | None = None) -> Template:
        scope = await scope_of(request)
        return _page(
            request,
            "faces/person.html",
            error=error,
            person=await services.get_staff(staff_id=staff_id, scope=scope),
            enrolment=await face_enrolment.enrolment_of(staff_id=staff_id, scope=scope),
        )

    @get("/{staff_id:int}")
    async def person(self, request: Request, staff_id: FromPath[int]) -> Template:
        """A person's enrolled photos, and the form to enrol them (again)."""
        return await self._person(request, staff_id)

    @post("/{staff_id:int}", request_max_body_size=enrolment_body_limit())
    async def enrol(self, request: Request, staff_id: FromPath[int]) -> Response:
        try:
            await enrol(request, staff_id, await uploaded_photos(request))
        except DomainError as error:
            return await self._person(request, staff_id, error=error)
        return _saved(f"/attendance/faces/{staff_id}")

    @post("/{staff_id:int}/delete")
    async def remove(self, request: Request, staff_id: FromPath[int]) -> Response:
        await face_enrolment.remove_enrolment(
            staff_id=staff_id, scope=await scope_of(request), media_dir=config(request).media_dir
        )
        return _saved(f"/attendance/faces/{staff_id}")

    @get("/attempts")
    async def attempts(
        self, request: Request, hall_id: OptionalInt = None, day: OptionalDate = None
    ) -> Template:
        """What the hall's terminals saw on a day, newest first, with the evidence."""
        halls, chosen = await _hall_choice(request, hall_id)
        day = day or today(request)
        return _page(
            request,
            "faces/attempts.html",
            halls=halls,
            hall_id=chosen,
            day=day,
            attempts=await face_clock.list_attempts(hall_id=chosen, day=day, scope=await scope_of(request)),
            nearest_only=NEAREST_ONLY,
        )


class SelfEnrolmentPages(Controller):
    """A window staff member's own face: shown, and enrolled by themselves once when their
    hall allows it; anything more goes through the attendance office."""

    path = SELF_ENROLMENT_PAGE
    opt = allow(Role.STAFF)

    async def _state(self, request: Request) -> tuple[EnrolmentRead, bool]:
        """My enrolment, and whether my hall lets people enrol themselves (today)."""
        user = principal(request)
        staff_id = own_staff(user)
        try:
            await enrolment_scope(request, staff_id)
            hall_allows = True
        except NotAllowed:
            hall_allows = False
        enrolment = await face_enrolment.enrolment_of(staff_id=staff_id, scope=frozenset({user.hall_id}))
        return enrolment, hall_allows

    async def _page(self, request: Request, *, error: DomainError | None = None) -> Template:
        enrolment, hall_allows = await self._state(request)
        return _page(
            request,
            "faces/me.html",
            error=error,
            enrolment=enrolment,
            hall_allows=hall_allows,
            can_enrol=hall_allows and not enrolment.enrolled,
        )

    @get("/")
    async def mine(self, request: Request) -> Template:
        return await self._page(request)

    @post("/", request_max_body_size=enrolment_body_limit())
    async def enrol_myself(self, request: Request) -> Response:
        enrolment, hall_allows = await self._state(request)
        if not hall_allows or enrolment.enrolled:
            # A page opened before the setting changed or in another tab: this page says why.
            return _saved(SELF_ENROLMENT_PAGE)
        try:
            await enrol(request, enrolment.staff_id, await uploaded_photos(request))
        except DomainError as error:
            return await self._page(request, error=error)
        return _saved(SELF_ENROLMENT_PAGE)


ROUTES = [FacePages, SelfEnrolmentPages]
