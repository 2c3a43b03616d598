"""The face clock-in kiosk: a browser on the hall's terminal, paired once with a device
secret, that watches the camera and sends frames to `POST /api/faces/clock` (web/faces.py).
Pairing and photos are those of every browser terminal (terminals.py); the page's
behaviour is in static/kiosk.js."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.response import Redirect

from devices.tables import DeviceKind
from hall.roles import Role
from web.guards import allow
from web.pages import render
from web.terminals import TerminalPages, hall_clock


class KioskPages(TerminalPages):
    path = "/kiosk"
    kinds = frozenset({DeviceKind.FACE_KIOSK})
    pairing_title = "人脸考勤终端配对"
    open_label = "打开考勤页面"

    @get("/", opt=allow(Role.DEVICE))
    async def kiosk(self, request: Request) -> Response:
        device = await self.device(request)
        if device is None:
            return Redirect(path=self.pairing, status_code=303)
        return render(request, "kiosk/kiosk.html", device=device, **hall_clock(request))


ROUTES = [KioskPages]
