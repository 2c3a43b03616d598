"""A real server for the terminal program to talk to, a hall with two staff and a registered
face terminal on it, and kiosk frames made from the shared photographs."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import pytest

from attendance import faces
from bench.face import kiosk_frame
from devices.face_terminal import console
from hall.config import PROJECT_ROOT
from tests.server import Api, AppServer, admin_api

FACES = PROJECT_ROOT.parent / "shared" / "faces"
LIMITS = faces.ImageLimits(max_bytes=64 * 1024 * 1024, max_pixels=64_000_000)
DEVICE_NAME = "大厅入口人脸终端"


@pytest.fixture(scope="module")
def app_server() -> Iterator[AppServer]:
    server = AppServer(demo_data=False)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def admin(app_server: AppServer) -> Iterator[Api]:
    api = admin_api(app_server)
    yield api
    api.client.close()


@dataclass
class HallSetup:
    id: int
    staff: dict[str, dict[str, Any]]  # "A" (王芳) and "B" (李强) -> StaffRead
    device: dict[str, Any]
    secret: str


def register_device(admin: Api, hall_id: int, name: str) -> tuple[dict[str, Any], str]:
    issued = admin.call(
        "POST", "/api/devices", expect=201, json={"hall_id": hall_id, "name": name, "kind": "face_terminal"}
    )
    return issued["device"], issued["secret"]


@pytest.fixture
def hall(admin: Api) -> HallSetup:
    """A hall of its own for each test, so that the tests share one server."""
    code = uuid.uuid4().hex[:8]
    created = admin.call(
        "POST",
        "/api/halls",
        expect=201,
        json={"code": f"t{code}", "name": f"测试中心{code}", "level": "centre"},
    )
    staff = {
        person: admin.call(
            "POST",
            "/api/staff",
            expect=201,
            json={"hall_id": created["id"], "name": name, "staff_number": f"{person}{code}"},
        )
        for person, name in (("A", "王芳"), ("B", "李强"))
    }
    device, secret = register_device(admin, created["id"], DEVICE_NAME)
    return HallSetup(created["id"], staff, device, secret)


def enrol(admin: Api, staff_id: int, photo: str) -> None:
    content = (FACES / photo).read_bytes()
    admin.call(
        "POST", f"/api/faces/staff/{staff_id}", expect=201, files=[("photos", (photo, content, "image/jpeg"))]
    )


@functools.cache
def kiosk_jpeg(photo: str) -> bytes:
    """The photo as a kiosk camera's 640x480 frame of the person's head and shoulders."""
    rgb = faces.decode((FACES / photo).read_bytes(), LIMITS)
    (box,) = faces.detect(rgb)
    frame = kiosk_frame(rgb, box)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return jpeg.tobytes()


def frames_dir(folder: Path, *frames: str) -> Path:
    """A folder of frames, in this order: kiosk frames of the named photos, or the photo
    itself for "raw:<photo>"."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, frame in enumerate(frames):
        content = (FACES / frame[4:]).read_bytes() if frame.startswith("raw:") else kiosk_jpeg(frame)
        (folder / f"{index:03d}.jpg").write_bytes(content)
    return folder


@pytest.fixture(autouse=True)
def fresh_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # Hints are printed once per few seconds: a test must see its own.
    monkeypatch.setattr(console, "_console", console._Console())
