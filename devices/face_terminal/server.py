"""The hall system as the terminal sees it: its two endpoints, and the sender that drains the
outbox to them, telling refused punches from failures to retry."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import httpx

from devices.face_terminal.console import _announce
from devices.face_terminal.outbox import Outbox

# The statuses by which the server refuses one punch for good; any other failure is retried.
REFUSED = {400, 409, 413, 422}
DEVICE_REFUSED = {401, 403}
RETRY_FIRST_SECONDS = 5.0
RETRY_MAX_SECONDS = 60.0


class ServerApi:
    """The two endpoints of the hall system this terminal uses, with its secret."""

    def __init__(self, url: str, token: str, *, timeout: float) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
        )

    def close(self) -> None:
        self._client.close()

    def gallery(self, version: str | None) -> httpx.Response:
        headers = {"If-None-Match": f'"{version}"'} if version else {}
        return self._client.get("/api/faces/gallery", headers=headers)

    def punch(self, payload: dict[str, Any]) -> httpx.Response:
        return self._client.post("/api/faces/punches", json=payload)


def _answer(response: httpx.Response) -> dict[str, Any] | None:
    """The server's verdict on a punch, or None when the reply is not one (a 200 page from a
    proxy or a captive portal must not count as stored)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) and "outcome" in body else None


def detail(response: httpx.Response) -> str:
    """The server's message (Chinese `detail`), else the status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"])
    return f"HTTP {response.status_code}"


class Drain(StrEnum):
    DONE = "done"  # the outbox is empty
    UNREACHABLE = "unreachable"  # no answer, or an answer that is no verdict on the punch
    DEVICE_REFUSED = "device_refused"  # 401/403: the terminal's secret is refused


class Sender:
    """Drains the outbox to the server; after a failed pass it waits (backoff) before the
    next, from RETRY_FIRST_SECONDS doubling to RETRY_MAX_SECONDS."""

    def __init__(
        self, api: ServerApi, outbox: Outbox, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.api = api
        self.outbox = outbox
        self.clock = clock
        self.next_try = 0.0
        self._failures = 0
        self._state = Drain.DONE

    def due(self) -> bool:
        return self.clock() >= self.next_try

    def drain(self) -> Drain:
        """One pass over the outbox."""
        result, resent, reason = Drain.DONE, 0, None
        for queued in self.outbox.pending():
            try:
                response = self.api.punch(queued.payload)
            except httpx.HTTPError as error:
                self.outbox.failed(queued.key, f"{type(error).__name__}: {error}")
                result = Drain.UNREACHABLE
                break
            status = response.status_code
            answer = _answer(response) if status in (200, 201) else None
            if answer is not None:
                self.outbox.sent(queued.key)
                resent += 1 if queued.attempts else 0
                self._report_answer(answer)
            elif status in REFUSED:
                message = detail(response)
                self.outbox.reject(queued.key, status=status, message=message)
                _announce(
                    f"服务器拒收了一条打卡（{queued.payload.get('punched_at')}）：{message}；已移入本机拒收记录"
                )
            else:
                reason = f"HTTP {status}: {detail(response)}"
                self.outbox.failed(queued.key, reason)
                result = Drain.DEVICE_REFUSED if status in DEVICE_REFUSED else Drain.UNREACHABLE
                if status < 500 and status not in DEVICE_REFUSED:
                    _announce(f"服务器返回 {reason}，请检查 --server 地址")
                break
        self._after(result, resent, reason)
        return result

    def _report_answer(self, answer: dict[str, Any]) -> None:
        # The terminal told the person "recorded" already; the server's word matters only
        # when it differs (a repeat within the interval, a refusal such as "left the hall").
        if answer.get("outcome") not in (None, "clocked"):
            _announce(f"服务器：{answer.get('message')}")

    def _after(self, result: Drain, resent: int, reason: str | None) -> None:
        """Count the failure for the backoff; tell the operator when the state changes.
        `reason`: the server's answer, None when there was none."""
        if resent:
            _announce(f"已补发 {resent} 条离线打卡")
        if result is Drain.DONE:
            self._failures, self.next_try = 0, 0.0
        else:
            self._failures += 1
            wait = min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** (self._failures - 1))
            self.next_try = self.clock() + wait
        if result is not self._state:
            queued = self.outbox.count()
            if result is Drain.UNREACHABLE:
                _announce(
                    ("无法连接服务器" if reason is None else f"服务器出错（{reason}）")
                    + f"，打卡已保存在本机（待发送 {queued} 条），恢复后自动补发"
                )
            elif result is Drain.DEVICE_REFUSED:
                _announce(
                    f"服务器拒绝了本终端的密钥（{reason}；设备可能已停用或密钥已更换）。"
                    f"打卡已保存在本机（待发送 {queued} 条），"
                    "请联系管理员更换密钥或重新登记设备，再用新密钥运行本程序"
                )
            self._state = result
