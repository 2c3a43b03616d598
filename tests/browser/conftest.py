"""A real server (uvicorn, demo data, a database of its own) and headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.server import AppServer

# How Chromium's console reports what the policy refused.
CSP_REPORT = "Content Security Policy"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    app = AppServer(demo_data=True)
    try:
        app.start()
        yield app.url
    finally:
        app.close()


def watch_content_security_policy(browser: Browser) -> list[str]:
    """What the Content-Security-Policy refused on any page `browser` opens from now on:
    Chromium reports each refusal on the page's console."""
    refused: list[str] = []

    def watch(page: Page) -> None:
        page.on(
            "console", lambda message: refused.append(message.text) if CSP_REPORT in message.text else None
        )

    new_page, new_context = browser.new_page, browser.new_context

    async def watched_page(**options: Any) -> Page:
        page = await new_page(**options)
        watch(page)
        return page

    async def watched_context(**options: Any) -> BrowserContext:
        context = await new_context(**options)
        context.on("page", watch)
        return context

    browser.new_page, browser.new_context = watched_page, watched_context  # type: ignore[method-assign]
    return refused


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "the browser tests need Debian's chromium package (make browser installs it)"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        refused = watch_content_security_policy(launched)
        yield launched
        await launched.close()
        assert refused == [], "the Content-Security-Policy refused what a page needs"
