"""Fuzzing set-up: the real app, reached in-process through schemathesis' ASGI transport,
and the checks every answer to a fuzzed request must pass."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
import schemathesis
from schemathesis.python import asgi
from schemathesis.schemas import BaseSchema

from tests.conftest import World
from web.app import create_app

T = TypeVar("T")

# Chinese characters: every message a user sees is Chinese.
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# Where a page puts its message: the error page, a form's alert, a field's error.
PAGE_MESSAGE = re.compile(
    r'<p class="message">(?P<a>[^<]*)</p>|role="alert"[^>]*>\s*(?:<p>)?(?P<b>[^<]*)<'
    r'|<em class="error">(?P<c>[^<]*)</em>'
)


def run(coroutine: Awaitable[T]) -> T:
    """Await from a synchronous test: on a loop of its own in a thread of its own, so that
    neither pytest-asyncio's loop nor the app's is disturbed (the tests open no pool)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


@pytest.fixture
def api_schema(world: World) -> Iterator[BaseSchema]:
    """The app's own OpenAPI document, served by the app on the `world`'s database."""
    yield schemathesis.openapi.from_asgi("/schema/openapi.json", create_app())
    # Schemathesis keeps an app's lifespan running until the process ends; the in-process
    # job scheduler must not go on acting on the databases of the tests that follow.
    asgi.shutdown_lifespans()


def message_of(response: Any) -> str:
    """The message a 4xx answer carries: `detail` for the API, the page's message for browsers."""
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if content_type.startswith("application/json"):
        body = response.json()
        return body.get("detail", "") if isinstance(body, dict) else ""
    if content_type.startswith("text/html"):
        return " ".join(
            text for match in PAGE_MESSAGE.finditer(response.text) for text in match.groups() if text
        )
    return ""


def check_answer(response: Any, label: str) -> None:
    """No 5xx, ever; every 4xx says what is wrong, in Chinese."""
    status = response.status_code
    assert status < 500, f"{label}: {status} {response.text[:500]}"
    if 400 <= status < 500:
        message = message_of(response).strip()
        assert CHINESE.search(message), f"{label}: {status} without a Chinese message: {response.text[:500]}"
