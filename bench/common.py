"""What the benchmarks that run a real server share: the PostgreSQL server of DATABASE_URL
(throw-away databases are made on it), the app started as `uvicorn --workers N` in a
session of its own, and the CPU its processes and PostgreSQL's use."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TICKS = os.sysconf("SC_CLK_TCK")


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(SERVER)._replace(path=f"/{name}"))


async def on_server(statement: str) -> None:
    """`statement` on the server's own database (CREATE / DROP DATABASE)."""
    connection = await asyncpg.connect(SERVER)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_cpu(session: int) -> float:
    """CPU seconds used so far by the live processes of a session (the server started with
    start_new_session: the uvicorn supervisor, its workers and their helpers)."""
    return _cpu(lambda fields: int(fields[3]) == session)


def postgres_cpu() -> float:
    return _cpu(lambda fields: True, command="postgres")


def _cpu(keep, command: str | None = None) -> float:
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name, _, rest = text.partition(" (")[2].rpartition(")")
        # After the command: state, ppid, pgrp, session, ..., utime (11th), stime (12th).
        fields = rest.split()
        if (command is None or name == command) and keep(fields):
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


class Server:
    """`uvicorn --factory web.app:create_app --workers N` in a session of its own, so that its
    processes (workers, their face workers) are found, measured and stopped together. It
    uses Redis under a queue name of its own (`queue_prefix` and a random suffix), as several
    app processes are deployed with Redis."""

    def __init__(
        self,
        url: str,
        workers: int,
        log_dir: Path,
        *,
        redis: str,
        queue_prefix: str,
        profile: Path | None = None,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"server-{workers}.log"
        self.redis = redis
        self.queue = f"{queue_prefix}:{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": redis,
            "JOB_QUEUE": self.queue,
            "MIGRATE_ON_START": "0",
            "DEMO_DATA": "0",
            "DATABASE_POOL": "1",
            # Known, so that the first start prints no generated password.
            "ADMIN_PASSWORD": uuid.uuid4().hex,
        }
        python = str(ROOT / ".venv" / "bin" / "python")
        # cProfile sees the main thread of one process: with one worker, uvicorn serves in it.
        runner = [python, "-m", "cProfile", "-o", str(profile)] if profile else [python]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    *runner,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "web.app:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(workers),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def cpu(self) -> float:
        return session_cpu(self.process.pid)

    async def ready(self, limit: float = 90) -> None:
        """Until it answers HTTP at all (the answer to an unknown SN will do)."""
        deadline = time.monotonic() + limit
        async with httpx.AsyncClient(base_url=self.base, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited:\n{self.log_tail()}")
                try:
                    await client.get("/iclock/ping")
                    return
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {limit} s\n{self.log_tail()}")

    async def idle(self, limit: float = 90) -> None:
        """Until its processes (workers starting, face models loading) rest."""
        deadline = time.monotonic() + limit
        before = self.cpu()
        while time.monotonic() < deadline:
            await asyncio.sleep(1)
            now = self.cpu()
            if now - before < 0.05:
                return
            before = now

    def stop(self) -> None:
        if self.process.poll() is None:
            # SIGINT: a graceful stop, which lets cProfile write its file.
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # The workers' face processes outlive a stopped worker: end what is left of the group.
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def log_tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])

    async def forget_queue(self) -> None:
        """Its job queue's keys in Redis, left clean."""
        import redis.asyncio as redis

        client = redis.from_url(self.redis)
        try:
            keys = [key async for key in client.scan_iter(match=f"{self.queue}*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()
