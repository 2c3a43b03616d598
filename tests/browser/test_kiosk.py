"""The face clock-in kiosk end to end: Chromium with a fake camera playing a video made from
the shared photographs (an empty hall, then a face), paired with a real device secret,
against the real server. A known face is punched and shown; a stranger is told so and
punched as nobody; a lost connection is retried; a revoked kiosk stops."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from playwright.async_api import Page, async_playwright, expect

from attendance import faces
from bench.face import FRAME_HEIGHT, FRAME_WIDTH, kiosk_frame
from hall import demo
from hall.config import PROJECT_ROOT
from tests.browser.conftest import CHROMIUM_FLAGS
from tests.conftest import RUN_DIR

pytestmark = pytest.mark.browser

FACES = PROJECT_ROOT.parent / "shared" / "faces"
FPS = 10
DEVICE_NAME = "测试用人脸考勤机"
# Seconds the kiosk may take to show an answer: opening the camera, the server's first face
# (its worker loads the models), and the motion gate's resend interval, on a busy machine.
ANSWER_SECONDS = 25
SPEECH_RECORDER = """
window.spoken = [];
if (window.speechSynthesis) {
  window.speechSynthesis.speak = function (utterance) { window.spoken.push(utterance.text); };
}
"""
# The time of the punch, as the kiosk shows it.
CLOCK_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}$")


# ---- the fake camera's video ------------------------------------------------------------


def _face_frame(name: str) -> np.ndarray:
    """A 640x480 RGB head-and-shoulders frame of the one face in a shared photo."""
    rgb = faces.decode((FACES / name).read_bytes(), faces.ImageLimits(64 * 1024 * 1024, 64_000_000))
    boxes = faces.detect(rgb)
    assert len(boxes) == 1, name
    return kiosk_frame(rgb, boxes[0])


def _empty_hall() -> np.ndarray:
    """A wall and a door, nobody in front of the camera."""
    shade = np.linspace(150, 200, FRAME_HEIGHT, dtype=np.uint8)[:, None]
    wall = np.repeat(np.repeat(shade, FRAME_WIDTH, axis=1)[:, :, None], 3, axis=2)
    cv2.rectangle(wall, (420, 90), (560, 480), (110, 80, 60), thickness=-1)
    return wall


def _video(path: Path, scenes: list[tuple[np.ndarray, float]]) -> Path:
    """A Y4M video (what Chromium's fake camera plays, in a loop) of RGB scenes and seconds."""
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{FRAME_WIDTH} H{FRAME_HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for rgb, seconds in scenes:
            yuv = cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), cv2.COLOR_BGR2YUV_I420).tobytes()
            for _ in range(round(seconds * FPS)):
                out.write(b"FRAME\n")
                out.write(yuv)
    return path


# ---- the server, as the admin ---------------------------------------------------------------


async def _admin(server: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=server, timeout=30)
    response = await client.post(
        "/api/auth/token", json={"username": "admin", "password": os.environ["ADMIN_PASSWORD"]}
    )
    assert response.status_code == 201, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return client


async def _punches(admin: httpx.AsyncClient, hall_id: int) -> list[dict[str, Any]]:
    response = await admin.get("/api/attendance/punches", params={"hall_id": hall_id})
    assert response.status_code == 200, response.text
    return response.json()


def _quiet_person(staff: list[dict[str, Any]], punches: list[dict[str, Any]]) -> dict[str, Any]:
    """Someone of the demo hall with no punch in the last few minutes, so that the kiosk's
    punch is not taken for a repeat of a demo punch."""
    now = max((dt.datetime.fromisoformat(p["punched_at"]) for p in punches), default=None)
    recent = {
        p["staff_id"]
        for p in punches
        if now is not None and now - dt.datetime.fromisoformat(p["punched_at"]) < dt.timedelta(minutes=5)
    }
    return next(person for person in staff if person["id"] not in recent)


# ---- the kiosk --------------------------------------------------------------------------


@asynccontextmanager
async def _kiosk(server: str, secret: str, video: Path) -> AsyncIterator[Page]:
    """Chromium whose camera plays `video`, paired through the pairing page, on /kiosk."""
    executable = shutil.which("chromium")
    assert executable, "the browser tests need Debian's chromium package (make browser installs it)"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable,
            args=[
                *CHROMIUM_FLAGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            await context.grant_permissions(["camera"], origin=server)
            # What the page would say aloud, instead of saying it.
            await context.add_init_script(SPEECH_RECORDER)
            page = await context.new_page()
            await page.goto(f"{server}/kiosk/pair")
            await page.get_by_label("设备密钥").fill(secret)
            await page.get_by_role("button", name="配对").click()
            await expect(page).to_have_url(f"{server}/kiosk")
            yield page
        finally:
            await browser.close()


async def test_a_known_face_is_punched_and_a_stranger_is_not(server: str, tmp_path: Path) -> None:
    admin = await _admin(server)
    try:
        town = next(h for h in (await admin.get("/api/halls")).json() if h["code"] == demo.TOWN_CODE)
        staff = (await admin.get("/api/staff", params={"hall_id": town["id"]})).json()
        person = _quiet_person(staff, await _punches(admin, town["id"]))
        enrolled = await admin.post(
            f"/api/faces/staff/{person['id']}",
            files=[("photos", ("obama-1.jpg", (FACES / "obama-1.jpg").read_bytes(), "image/jpeg"))],
        )
        assert enrolled.status_code == 201, enrolled.text
        registered = await admin.post(
            "/api/devices", json={"hall_id": town["id"], "name": DEVICE_NAME, "kind": "face_kiosk"}
        )
        assert registered.status_code == 201, registered.text
        secret = registered.json()["secret"]
        hall = _empty_hall()

        # The person walks up to the kiosk: shown with their photo, and punched by face.
        known = _video(tmp_path / "known.y4m", [(hall, 1.5), (_face_frame("obama-2.jpg"), 3)])
        before = await _punches(admin, town["id"])
        async with _kiosk(server, secret, known) as page:
            result = page.locator("#result")
            await expect(page.locator("[data-hall]")).to_have_text(town["name"])
            await expect(result).to_have_attribute("data-outcome", "clocked", timeout=ANSWER_SECONDS * 1000)
            await expect(result).to_have_attribute("data-staff-id", str(person["id"]))
            await expect(page.locator("#result-name")).to_have_text(person["name"])
            await expect(page.locator("#result-meaning")).not_to_be_empty()
            await expect(page.locator("#result-time")).to_have_text(CLOCK_TIME)
            await expect(page.locator("#result-photo")).to_be_visible()
            await page.screenshot(path=str(RUN_DIR / "kiosk-clocked.png"))
            assert await page.evaluate("window.spoken") == [], "speech is off unless switched on"
            # Then back to waiting, without punching the person again.
            await expect(result).to_have_attribute("data-outcome", "waiting", timeout=10_000)
            assert int(await result.get_attribute("data-sent") or 0) >= 2

            # The network fails: the kiosk says so, and carries on once it is back.
            await page.route("**/api/faces/clock", lambda route: route.abort())
            await expect(result).to_have_attribute("data-outcome", "offline", timeout=10_000)
            await expect(page.locator("#result-title")).to_have_text("网络连接中断，正在重试")
            await page.unroute("**/api/faces/clock")
            await expect(result).to_have_attribute("data-outcome", "waiting", timeout=10_000)
        added = [p for p in await _punches(admin, town["id"]) if p not in before]
        assert [(p["staff_id"], p["source"], p["device"]) for p in added] == [
            (person["id"], "face", DEVICE_NAME)
        ]

        # A stranger (only the person above is enrolled) is told so, and nobody is punched.
        stranger = _video(tmp_path / "stranger.y4m", [(hall, 1), (_face_frame("biden-2.jpg"), 3)])
        before = await _punches(admin, town["id"])
        async with _kiosk(server, secret, stranger) as page:
            result = page.locator("#result")
            await page.get_by_label("语音播报").check()
            await expect(result).to_have_attribute("data-outcome", "unknown", timeout=ANSWER_SECONDS * 1000)
            await expect(page.locator("#result-title")).to_have_text("未能识别，请联系考勤员采集人脸")
            await expect(result).to_have_attribute("data-staff-id", "")
            # Switched on, the kiosk says what it shows (a later stranger, should the first
            # answer have come before the switch).
            await page.wait_for_function("window.spoken.length > 0", timeout=ANSWER_SECONDS * 1000)
            assert "未能识别，请联系考勤员采集人脸" in await page.evaluate("window.spoken")
            await page.screenshot(path=str(RUN_DIR / "kiosk-unknown.png"))
            assert await _punches(admin, town["id"]) == before

            # The admin revokes the device: the kiosk says so and stops sending.
            revoked = await admin.post(f"/api/devices/{registered.json()['device']['id']}/revoke")
            assert revoked.status_code == 200, revoked.text
            await expect(result).to_have_attribute("data-outcome", "revoked", timeout=ANSWER_SECONDS * 1000)
            await expect(page.locator("#result-title")).to_have_text("设备已停用，请联系管理员")
            sent = await result.get_attribute("data-sent")
            await page.wait_for_timeout(1000)
            assert await result.get_attribute("data-sent") == sent
    finally:
        await admin.aclose()
