"""The window evaluator's tablet page end to end: Chromium paired with a real evaluator's
secret against the real server shows the person at the window; a press of 不满意 thanks the
public and is stored, attributed to that person."""

from __future__ import annotations

import datetime as dt
import os
import re

import httpx
import pytest
from playwright.async_api import Browser, expect

from hall import demo
from hall.config import get_config
from tests.conftest import RUN_DIR

pytestmark = pytest.mark.browser


async def _admin(server: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=server, timeout=30)
    response = await client.post(
        "/api/auth/token", json={"username": "admin", "password": os.environ["ADMIN_PASSWORD"]}
    )
    assert response.status_code == 201, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return client


async def _created(admin: httpx.AsyncClient, path: str, body: dict) -> dict:
    response = await admin.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_press_on_the_tablet_is_stored_for_the_person_at_the_window(
    server: str, browser: Browser
) -> None:
    admin = await _admin(server)
    try:
        town = next(h for h in (await admin.get("/api/halls")).json() if h["code"] == demo.TOWN_CODE)
        department = (await admin.get("/api/departments")).json()[0]
        # A window of its own, with one person who has punched in: the demo's windows have
        # several people, whom the demo's punches may leave all at their window.
        window = await _created(
            admin,
            "/api/windows",
            {
                "hall_id": town["id"],
                "department_id": department["id"],
                "number": "99",
                "name": "评价测试窗口",
            },
        )
        person = await _created(
            admin,
            "/api/staff",
            {"hall_id": town["id"], "name": "钱评", "staff_number": "EV001", "window_id": window["id"]},
        )
        clocked_in = dt.datetime.now(get_config().timezone).replace(tzinfo=None, microsecond=0)
        await _created(
            admin,
            "/api/attendance/punches",
            {
                "staff_id": person["id"],
                "punched_at": (clocked_in - dt.timedelta(minutes=1)).isoformat(),
                "source": "face",
                "device": "browser-test",
            },
        )
        registered = await _created(
            admin,
            "/api/devices",
            {"hall_id": town["id"], "name": "测试评价器", "kind": "evaluator", "window_id": window["id"]},
        )

        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await page.goto(f"{server}/evaluate")
        await expect(page).to_have_url(f"{server}/evaluate/pair")
        await page.get_by_label("设备密钥").fill(registered["secret"])
        await page.get_by_role("button", name="配对").click()
        await expect(page).to_have_url(f"{server}/evaluate")

        root = page.locator("#evaluator")
        await expect(page.locator("[data-window]")).to_have_text("99 · 评价测试窗口")
        await expect(page.locator("#person-name")).to_have_text("钱评")
        await expect(page.locator("#person")).to_have_attribute("data-staff-id", str(person["id"]))
        await expect(page.locator("#clock-time")).to_have_text(re.compile(r"^\d{2}:\d{2}:\d{2}$"))

        await page.get_by_role("button", name="不满意", exact=True).click()
        await expect(page.locator("#thanks")).to_be_visible()
        await expect(page.locator("#thanks")).to_have_text("谢谢您的评价")
        await expect(root).to_have_attribute("data-stored", "1", timeout=10_000)
        await expect(root).to_have_attribute("data-queued", "0")
        await page.screenshot(path=str(RUN_DIR / "evaluator-thanks.png"))
        # Then back to the buttons.
        await expect(root).to_have_attribute("data-state", "ready", timeout=10_000)
        await expect(page.get_by_role("button", name="满意", exact=True)).to_be_visible()

        stored = (await admin.get("/api/evaluations", params={"hall_id": town["id"]})).json()
        mine = [item for item in stored if item["device_id"] == registered["device"]["id"]]
        assert [(e["level"], e["satisfied"], e["staff_id"], e["attribution"]) for e in mine] == [
            ("dissatisfied", False, person["id"], "present")
        ]
        pressed_at = dt.datetime.fromisoformat(mine[0]["pressed_at"])
        assert abs(pressed_at - dt.datetime.now(get_config().timezone).replace(tzinfo=None)) < dt.timedelta(
            minutes=1
        )
    finally:
        await admin.aclose()
