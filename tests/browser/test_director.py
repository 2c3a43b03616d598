"""The director signs in through the real login page and sees the hall's windows and staff."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from hall import demo
from tests.conftest import RUN_DIR

pytestmark = pytest.mark.browser


async def test_the_director_signs_in_and_sees_the_windows_and_staff(server: str, browser: Browser) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{server}/windows")
    await expect(page).to_have_url(f"{server}/login?next=/windows")
    await page.get_by_label("用户名").fill("director")
    await page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()

    await expect(page).to_have_url(f"{server}/windows")
    windows = page.locator("#windows tbody tr")
    await expect(windows).to_have_count(7)
    for _department, name, _staff in demo.WINDOWS:
        await expect(page.locator("#windows")).to_contain_text(name)
    await page.screenshot(path=str(RUN_DIR / "director-windows.png"), full_page=True)

    await page.get_by_role("link", name="人员", exact=True).click()
    await expect(page.locator("#staff tbody tr")).to_have_count(25)
    await expect(page.locator("#staff")).to_contain_text("王芳")
    await page.screenshot(path=str(RUN_DIR / "director-staff.png"), full_page=True)


async def test_a_wrong_password_keeps_the_login_page_with_the_reason(server: str, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{server}/login")
    await page.get_by_label("用户名").fill("director")
    await page.get_by_label("密码").fill("wrong-password")
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确")
    await expect(page.get_by_label("用户名")).to_have_value("director")


async def test_window_staff_see_their_own_page_but_not_the_staff_list(server: str, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{server}/login")
    await page.get_by_label("用户名").fill("staff")
    await page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("link", name="我的信息", exact=True).click()
    await expect(page.locator("dl")).to_contain_text("王芳")
    await expect(page.locator("nav")).not_to_contain_text("人员")
    response = await page.goto(f"{server}/staff")
    assert response is not None and response.status == 403
