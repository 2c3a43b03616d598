"""What the browser terminals share: the face kiosk (kiosk.py) and the window evaluator
(evaluator.py) are pages on a tablet or PC that an installer pairs once with the device's
secret, kept from then on as the browser's session cookie. Each is a `TerminalPages`
controller for its kinds of device: pairing, unpairing, the photo of a person it shows,
and the hall's clock it runs on. static/terminal.js is their shared script."""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import Path
from typing import Any

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
from web.pages import WEEKDAYS, config, form_values, language, principal, render_form

# The device secret does not expire (the admin replaces or revokes it); the cookie is
# renewed each time the installer pairs the terminal again.
PAIRING_LIFETIME = dt.timedelta(days=365)
# A person's photo, shown for a while on the terminal: kept by this browser only.
PHOTO_CACHE = CacheControlHeader(private=True, max_age=300)


async def terminal_of(caller: Principal | None, kinds: frozenset[DeviceKind]) -> DeviceRead | None:
    """The device of one of `kinds` behind the caller, or None for anyone else."""
    if caller is None or caller.role != Role.DEVICE:
        return None
    try:
        return await calling_device(caller, kinds)
    except DomainError:
        return None


async def paired_device(secret: str, kinds: frozenset[DeviceKind]) -> DeviceRead:
    """The device a pasted secret belongs to, or why it cannot pair."""
    caller = await principal_for_token(token=secret, now=dt.datetime.now(dt.UTC))
    if caller is None or caller.role != Role.DEVICE:
        raise AuthenticationFailed("设备密钥不正确、已更换或设备已停用")
    return await calling_device(caller, kinds)


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


def hall_clock(request: Request) -> dict[str, Any]:
    """What a terminal page needs to run its clock on the server's time in the hall's time
    zone, whatever the terminal's own clock and zone say (static/terminal.js)."""
    now = dt.datetime.now(config(request).timezone)
    translate = translator(language(request))
    return {
        "server_ms": int(now.timestamp() * 1000),
        "utc_offset_minutes": int((now.utcoffset() or dt.timedelta()).total_seconds() // 60),
        "weekdays": [translate(day) for day in WEEKDAYS],
    }


class TerminalPages(Controller):
    """A terminal's pages under `path`: `path` itself is the subclass's, `path`/pair its
    pairing page. Subclasses set the kinds of device that may open them and the pairing
    page's wording."""

    kinds: frozenset[DeviceKind]
    pairing_title: str
    open_label: str  # the pairing page's link to the terminal's page

    @property
    def pairing(self) -> str:
        return f"{self.path}/pair"

    def _pair_page(self, request: Request, *, error: DomainError | None = None, **context: Any) -> Template:
        return render_form(
            request,
            "terminals/pair.html",
            error=error,
            values={},
            title=self.pairing_title,
            home=self.path,
            action=self.pairing,
            open_label=self.open_label,
            **context,
        )

    async def device(self, request: Request) -> DeviceRead | None:
        return await terminal_of(principal(request), self.kinds)

    @get("/pair", opt=PUBLIC)
    async def pair_form(self, request: Request) -> Template:
        caller = request.scope.get("user")
        paired = error = None
        if caller is not None and caller.role == Role.DEVICE:
            try:
                paired = await calling_device(caller, self.kinds)
            except DomainError as refused:
                # Another kind's account, or a device no longer registered: pair again.
                error = render_message(translator(language(request)), refused.message, refused.params)
        return self._pair_page(request, paired=paired, form_error=error)

    @post("/pair", opt=PUBLIC)
    async def pair(self, request: Request) -> Response:
        secret = str((await form_values(request)).get("secret", "")).strip()
        try:
            if not secret:
                raise InvalidInput.single("secret", "设备密钥", "必须填写")
            await paired_device(secret, self.kinds)
        except DomainError as error:
            return self._pair_page(request, error=error, paired=None)
        return signed_in(
            self.path, secret, PAIRING_LIFETIME, secure=config(request).auth.secure_cookies, samesite="strict"
        )

    @post("/unpair", opt=allow(Role.DEVICE))
    async def unpair(self) -> Response:
        """Forget the secret in this browser; the device itself stays registered."""
        response = Redirect(path=self.pairing, status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @get("/staff/{staff_id:int}/photo", opt=allow(Role.DEVICE), cache_control=PHOTO_CACHE)
    async def photo(self, request: Request, staff_id: FromPath[int]) -> File:
        device = await self.device(request)
        if device is None:
            raise NotFound("没有找到编号为 {id} 的人员", id=staff_id)
        path = await person_photo(
            staff_id=staff_id, hall_id=device.hall_id, media_dir=config(request).media_dir
        )
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return File(path=path, media_type=media_type, content_disposition_type="inline")
