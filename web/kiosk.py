"""The face clock-in kiosk: a browser on the hall's terminal, paired once with a device
secret, that watches the camera and sends frames to `POST /api/faces/clock` (web/faces.py).
The page's behaviour is in static/kiosk.js."""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import Path

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath
from litestar.response import File, Redirect, Template

from attendance import face_enrolment
from devices.registry import calling_device
from devices.schemas import DeviceRead
from devices.tables import DeviceKind
from hall.accounts import Principal, principal_for_token
from hall.errors import AuthenticationFailed, DomainError, InvalidInput, NotFound
from hall.i18n import render_message, translator
from hall.roles import Role
from hall.services import staff_photo
from web.auth import SESSION_COOKIE, signed_in
from web.guards import PUBLIC, allow
from web.pages import KIOSK_PAIRING, WEEKDAYS, config, form_values, language, principal, render, render_form

KIOSK_KINDS = frozenset({DeviceKind.FACE_KIOSK})
# The device secret does not expire (the admin replaces or revokes it); the cookie is
# renewed each time the installer pairs the terminal again.
PAIRING_LIFETIME = dt.timedelta(days=365)
# A person's photo, shown for a few seconds after a punch: kept by this browser only.
PHOTO_CACHE = CacheControlHeader(private=True, max_age=300)


async def kiosk_of(caller: Principal | None) -> DeviceRead | None:
    """The face kiosk behind the caller, or None for anyone else."""
    if caller is None or caller.role != Role.DEVICE:
        return None
    try:
        return await calling_device(caller, KIOSK_KINDS)
    except DomainError:
        return None


async def paired_device(secret: str) -> DeviceRead:
    """The face kiosk a pasted secret belongs to, or why it cannot pair."""
    caller = await principal_for_token(token=secret, now=dt.datetime.now(dt.UTC))
    if caller is None or caller.role != Role.DEVICE:
        raise AuthenticationFailed("设备密钥不正确、已更换或设备已停用")
    return await calling_device(caller, KIOSK_KINDS)


async def person_photo(*, staff_id: int, hall_id: int, media_dir: Path) -> Path:
    """The person's staff photo, else their first enrolment photo."""
    scope = frozenset({hall_id})
    try:
        return await staff_photo(staff_id=staff_id, media_dir=media_dir, scope=scope)
    except NotFound:
        pass
    enrolment = await face_enrolment.enrolment_of(staff_id=staff_id, scope=scope)
    for photo in enrolment.photos:
        try:
            return await face_enrolment.photo_path(photo_id=photo.id, scope=scope, media_dir=media_dir)
        except NotFound:
            continue
    raise NotFound("该人员还没有照片")


class KioskPages(Controller):
    path = "/kiosk"

    @get("/pair", opt=PUBLIC)
    async def pair_form(self, request: Request) -> Template:
        caller = request.scope.get("user")
        paired = error = None
        if caller is not None and caller.role == Role.DEVICE:
            try:
                paired = await calling_device(caller, KIOSK_KINDS)
            except DomainError as refused:
                # A terminal program's account, or a device no longer registered: pair again.
                error = render_message(translator(language(request)), refused.message, refused.params)
        return render(request, "kiosk/pair.html", values={}, paired=paired, form_error=error)

    @post("/pair", opt=PUBLIC)
    async def pair(self, request: Request) -> Response:
        secret = str((await form_values(request)).get("secret", "")).strip()
        try:
            if not secret:
                raise InvalidInput.single("secret", "设备密钥", "必须填写")
            await paired_device(secret)
        except DomainError as error:
            return render_form(request, "kiosk/pair.html", error=error, values={}, paired=None)
        return signed_in(
            "/kiosk", secret, PAIRING_LIFETIME, secure=config(request).auth.secure_cookies, samesite="strict"
        )

    @get("/", opt=allow(Role.DEVICE))
    async def kiosk(self, request: Request) -> Response:
        device = await kiosk_of(principal(request))
        if device is None:
            return Redirect(path=KIOSK_PAIRING, status_code=303)
        timezone = config(request).timezone
        now = dt.datetime.now(timezone)
        translate = translator(language(request))
        return render(
            request,
            "kiosk/kiosk.html",
            device=device,
            # The page's clock runs on the server's time in the hall's time zone, whatever
            # the terminal's own clock and zone say.
            server_ms=int(now.timestamp() * 1000),
            utc_offset_minutes=int((now.utcoffset() or dt.timedelta()).total_seconds() // 60),
            weekdays=[translate(day) for day in WEEKDAYS],
        )

    @post("/unpair", opt=allow(Role.DEVICE))
    async def unpair(self) -> Response:
        """Forget the secret in this browser; the device itself stays registered."""
        response = Redirect(path=KIOSK_PAIRING, status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @get("/staff/{staff_id:int}/photo", opt=allow(Role.DEVICE), cache_control=PHOTO_CACHE)
    async def photo(self, request: Request, staff_id: FromPath[int]) -> File:
        device = await kiosk_of(principal(request))
        if device is None:
            raise NotFound("没有找到编号为 {id} 的人员", id=staff_id)
        path = await person_photo(
            staff_id=staff_id, hall_id=device.hall_id, media_dir=config(request).media_dir
        )
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return File(path=path, media_type=media_type, content_disposition_type="inline")


ROUTES = [KioskPages]
