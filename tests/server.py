"""The real app served by uvicorn in a subprocess, on a port, a database and a DATA_DIR of its
own, for tests that need a server over the network (Chromium; the face terminal program).

The port, the database and the data directory are chosen once and kept across `stop()` and
`start()`, so that a test can take the server away and bring the same one back.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import httpx

from hall.config import PROJECT_ROOT
from tests.conftest import RUN_DIR, SERVER_URL
from tests.databases import create_database, drop_database

START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    def __init__(self, *, demo_data: bool, environ: dict[str, str] | None = None) -> None:
        self.database_url = create_database(SERVER_URL, RUN_DIR)
        self.port = free_port()
        self.data_dir = RUN_DIR / f"server-{self.port}"
        self.log_path = RUN_DIR / f"server-{self.port}.log"
        self.environ = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "DATA_DIR": str(self.data_dir),
            "DEMO_DATA": "1" if demo_data else "0",
            "DATABASE_POOL": "1",
            **(environ or {}),
        }
        self._process: subprocess.Popen[bytes] | None = None
        self._starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start uvicorn and wait until it answers; RuntimeError with its log if it does not."""
        assert not self.running, "the server is already running"
        # The log of every start in one file: the first start truncates it.
        with Path(self.log_path).open("w" if self._starts == 0 else "a") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "web.app:create_app",
                    "--port",
                    str(self.port),
                ],
                cwd=PROJECT_ROOT,
                env=self.environ,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._starts += 1
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/login", timeout=2)
                return
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the server did not start: {self.log_path.read_text()}") from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self._process is None:
            return
        process, self._process = self._process, None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def close(self) -> None:
        """Stop the server and drop its database."""
        self.stop()
        drop_database(SERVER_URL, self.database_url)


class Api:
    """The server's HTTP API with one bearer token."""

    def __init__(self, base: str, token: str) -> None:
        self.client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)

    def call(self, method: str, path: str, *, expect: int = 200, **options: Any) -> Any:
        response = self.client.request(method, path, **options)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


def admin_api(server: AppServer) -> Api:
    """The API as the system admin, whose password the tests set (tests/conftest.py)."""
    response = httpx.post(
        f"{server.url}/api/auth/token",
        json={"username": "admin", "password": os.environ["ADMIN_PASSWORD"]},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return Api(server.url, response.json()["token"])
