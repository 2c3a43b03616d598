"""The clerk watches the daily board: a punch recorded meanwhile shows up without a reload."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import urllib.request
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from hall import demo
from hall.config import get_config
from tests.conftest import RUN_DIR

pytestmark = pytest.mark.browser


def _call(url: str, *, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


async def api(url: str, **options: Any) -> Any:
    return await asyncio.to_thread(_call, url, **options)


async def test_the_board_shows_a_new_punch_without_a_reload(server: str, browser: Browser) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{server}/attendance?refresh=2")
    await page.get_by_label("用户名").fill("clerk")
    await page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(f"{server}/attendance?refresh=2")
    await expect(page.locator("#board")).to_have_attribute("data-refresh", "2")

    token = (
        await api(f"{server}/api/auth/token", body={"username": "clerk", "password": demo.DEMO_PASSWORD})
    )["token"]
    person = (await api(f"{server}/api/staff", token=token))[-1]
    row = page.locator(f'#board tr[data-staff-id="{person["id"]}"]')
    await expect(row).to_contain_text(person["name"])
    await page.evaluate("window.notReloaded = true")

    at = dt.datetime.now(get_config().timezone).replace(tzinfo=None, microsecond=0)
    recorded = await api(
        f"{server}/api/attendance/punches",
        body={
            "staff_id": person["id"],
            "punched_at": at.isoformat(),
            "source": "face",
            "device": "browser-test",
        },
        token=token,
    )
    assert recorded["created"]
    await expect(row).to_contain_text(at.strftime("%H:%M:%S"), timeout=15_000)
    assert await page.evaluate("window.notReloaded === true")
    await page.screenshot(path=str(RUN_DIR / "clerk-board.png"), full_page=True)
