"""Servers of our own to break: a PostgreSQL cluster and a Redis made for the test run on
free ports, stopped and started by the tests, never the shared ones on 5432 and 6379. The
app runs as a real uvicorn process (tests/server.py) and the jobs in real arq workers."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis

from hall.config import PROJECT_ROOT
from tests.conftest import RUN_DIR
from tests.server import Api, AppServer, free_port

PG_BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
REDIS_SERVER = shutil.which("redis-server")
START_SECONDS = 60


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: breaks servers of its own (PostgreSQL, Redis, workers)")


def _as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    # initdb and postgres refuse to run as root.
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*runner, *command], check=True, capture_output=True, text=True, timeout=120)


class PostgresCluster:
    """A cluster in a temporary folder, on a free port, trusting local connections."""

    def __init__(self) -> None:
        self.bin = Path(PG_BINARIES[-1])
        self.folder = Path(tempfile.mkdtemp(prefix="hall-faults-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        _as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\nfsync = off\nmax_connections = 50\n"
            )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        _as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        """A fast shutdown, as an operator or a failing host does it: open sessions are cut."""
        _as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self) -> str:
        name = f"hall_faults_{uuid.uuid4().hex[:12]}"

        async def create() -> None:
            connection = await asyncpg.connect(self.url)
            try:
                await connection.execute(f'CREATE DATABASE "{name}"')
            finally:
                await connection.close()

        asyncio.run(create())
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def close(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # stopped already
        shutil.rmtree(self.folder, ignore_errors=True)


class RedisServer:
    """A Redis on a free port, without persistence: a restart starts it empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        with redis.Redis(port=self.port) as client:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    assert time.monotonic() < deadline, "redis-server did not start"
                    time.sleep(0.1)

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


class Worker:
    """`arq worker.WorkerSettings` (make worker) in a process of its own."""

    def __init__(self, environ: dict[str, str], log_path: Path) -> None:
        self.environ = environ
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("a") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "arq", "worker.WorkerSettings"],
                cwd=PROJECT_ROOT,
                env=self.environ,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: the worker dies where it stands, as in a crash or an OOM kill."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    if not PG_BINARIES:
        pytest.skip("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are not installed")
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    yield server
    server.kill()


def app_environ(database_url: str, **more: str) -> dict[str, str]:
    """The app's and the workers' environment: our database, a queue of the test's own."""
    return {
        "DATABASE_URL": database_url,
        "JOB_QUEUE": f"hall:faults:{uuid.uuid4().hex[:8]}",
        "DATABASE_POOL": "1",
        **more,
    }


@pytest.fixture
def servers() -> Iterator[list[AppServer | Worker]]:
    """What a test starts; stopped after it, whatever happened."""
    started: list[AppServer | Worker] = []
    yield started
    for server in reversed(started):
        if isinstance(server, AppServer):
            server.close()
        else:
            server.stop()


def worker_for(server: AppServer, **more: str) -> Worker:
    return Worker({**server.environ, **more}, RUN_DIR / f"worker-{server.port}.log")


async def fetch(database_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetch(sql, *args)
    finally:
        await connection.close()


def query(database_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    return asyncio.run(fetch(database_url, sql, *args))


def wait_for(condition: Any, seconds: float, what: str, every: float = 0.5) -> Any:
    """Poll until `condition()` is truthy; its value, or a failure naming `what`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(every)


def new_hall(admin: Api, staff_numbers: list[str], *, push_terminal: str | None = None) -> dict[str, Any]:
    """A hall of the test's own with its staff (all 王芳) and, given its SN, a push terminal."""
    code = uuid.uuid4().hex[:8]
    hall = admin.call(
        "POST",
        "/api/halls",
        expect=201,
        json={"code": f"f{code}", "name": f"故障中心{code}", "level": "centre"},
    )
    for number in staff_numbers:
        admin.call(
            "POST",
            "/api/staff",
            expect=201,
            json={"hall_id": hall["id"], "name": "王芳", "staff_number": number},
        )
    if push_terminal is not None:
        admin.call(
            "POST",
            "/api/devices",
            expect=201,
            json={
                "hall_id": hall["id"],
                "name": "大厅考勤机",
                "kind": "push_terminal",
                "serial_number": push_terminal,
            },
        )
    return hall
