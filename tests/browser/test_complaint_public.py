"""The public complaint page end to end: headless Chromium on a phone-sized screen, signed
out, against the real server with the demo halls, files a complaint about a window with a
photo attached, reads the number and the code off the result page, follows the complaint
with them, and meets the one message a wrong code gets."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from playwright.async_api import Browser, expect

from hall.config import get_config
from tests.conftest import RUN_DIR

pytestmark = pytest.mark.browser

WHEN = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} 周[一二三四五六日]$")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_a_complaint_filed_on_the_public_page_is_tracked_with_its_number_and_code(
    server: str, browser: Browser
) -> None:
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(f"{server}/complain")
    # The demo has a county centre and a township centre: choose the township's.
    await page.get_by_role("link", name=re.compile("青山镇便民服务中心")).click()
    await expect(page.locator("#hall-name")).to_contain_text("青山镇便民服务中心")
    await expect(page.get_by_role("link", name="退出")).to_have_count(0)  # no staff navigation

    await page.get_by_label("投诉哪个窗口").select_option(label="1号窗口 · 民政窗口")
    await page.get_by_label("投诉哪位工作人员").fill("戴眼镜的女工作人员")
    await page.get_by_label("发生了什么").fill("办理低保材料时被要求重复提交同一份证明")
    occurred = get_config().local_now() - dt.timedelta(hours=1)
    await page.get_by_label("发生时间").fill(occurred.strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_label("您的姓名").fill("周先生")
    await page.get_by_label("联系方式").fill("13900001111")
    await page.get_by_label("附件").set_input_files(
        [{"name": "现场.png", "mimeType": "image/png", "buffer": _png()}]
    )
    question = await page.locator("#question").inner_text()
    first, second = (int(n) for n in re.findall(r"\d+", question))
    await page.get_by_label("验证问题").fill(str(first + second))
    await page.get_by_role("button", name="提交投诉").click()

    await expect(page.locator("#filed h1")).to_have_text("投诉已提交")
    await expect(page.locator("#filed")).to_contain_text("保存好编号和查询码")
    number = (await page.locator("#number").inner_text()).strip()
    code = (await page.locator("#code").inner_text()).strip()
    assert re.fullmatch(r"TS\d{13}", number), number
    assert re.fullmatch(r"[A-Z2-9]{8}", code), code
    due = (await page.locator("#due").inner_text()).strip()
    assert WHEN.match(due), due
    await expect(page.locator("body")).not_to_contain_text("周先生")
    await page.screenshot(path=str(RUN_DIR / "complaint-filed.png"), full_page=True)

    # The tracking page, the number already filled in.
    await page.locator("#track-link").click()
    await expect(page.get_by_label("投诉编号")).to_have_value(number)
    await page.get_by_label("查询码").fill(code)
    await page.get_by_role("button", name="查询", exact=True).click()
    await expect(page.locator("#state")).to_have_text("已登记")
    await expect(page.locator("#status-number")).to_have_text(number)
    await expect(page.locator("#due")).to_have_text(due)
    await expect(page.locator("#no-reply")).to_be_visible()
    await expect(page.locator("body")).not_to_contain_text("周先生")
    await expect(page.locator("body")).not_to_contain_text("13900001111")
    await page.screenshot(path=str(RUN_DIR / "complaint-tracked.png"), full_page=True)

    # A wrong code: the one message, no status.
    await page.get_by_label("投诉编号").fill(number)
    await page.get_by_label("查询码").fill("WRONG234")
    await page.get_by_role("button", name="查询", exact=True).click()
    await expect(page.locator("#form-error")).to_have_text("投诉编号或查询码不正确，请核对后再试")
    await expect(page.locator("#status")).to_have_count(0)
    await expect(page.get_by_label("投诉编号")).to_have_value(number)
    await page.close()
