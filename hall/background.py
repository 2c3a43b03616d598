"""Where background and scheduled jobs run: an arq worker over Redis, or, when no Redis is
configured (the embedded default), inside the app process itself.

Both paths take the same job functions and the same arq `cron(...)` definitions, listed once
in `worker.py`; the in-process path evaluates those schedules with arq's own `next_cron`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from arq.connections import ArqRedis
from arq.cron import CronJob
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

JobFunction = Callable[..., Awaitable[Any]]

# Redis unreachable, as opposed to a job refused: only then is a job kept to be sent again.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
CONNECT_SECONDS = 3
RESEND_SECONDS = 3


class JobQueue(Protocol):
    async def enqueue(self, name: str, **kwargs: Any) -> None: ...

    async def close(self) -> None: ...


class RedisJobQueue:
    """Hands jobs to the arq workers (`make worker`). Redis being down stops neither the
    app's start nor a request: a job that could not be handed over is logged, kept and
    handed over again every few seconds until Redis answers. Kept in this process only, so
    what is due from the database's state (complaint reminders, pending days, the terminals'
    users) is left to the workers' cron jobs, which find it there."""

    def __init__(self, pool: ArqRedis, queue_name: str) -> None:
        self._pool = pool
        self._queue_name = queue_name
        self._unsent: list[tuple[str, dict[str, Any]]] = []
        self._resender: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, redis_url: str, queue_name: str) -> RedisJobQueue:
        # Not arq's create_pool: it pings, and fails the start when Redis is down. redis-py
        # connects on first use, and again after Redis comes back.
        return cls(ArqRedis.from_url(redis_url, socket_connect_timeout=CONNECT_SECONDS), queue_name)

    async def enqueue(self, name: str, **kwargs: Any) -> None:
        try:
            await self._send(name, kwargs)
        except REDIS_DOWN as error:
            log.warning("job %s not queued (%s): kept, to be queued when Redis answers", name, error)
            self._unsent.append((name, kwargs))
            if self._resender is None or self._resender.done():
                self._resender = asyncio.create_task(self._resend())

    async def _send(self, name: str, kwargs: dict[str, Any]) -> None:
        await self._pool.enqueue_job(name, _queue_name=self._queue_name, **kwargs)

    async def _resend(self) -> None:
        while self._unsent:
            await asyncio.sleep(RESEND_SECONDS)
            while self._unsent:
                name, kwargs = self._unsent[0]
                try:
                    await self._send(name, kwargs)
                except REDIS_DOWN:
                    break
                self._unsent.pop(0)
                log.info("job %s queued after Redis came back", name)

    async def close(self) -> None:
        if self._resender is not None:
            self._resender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._resender
        for name, kwargs in self._unsent:
            log.error("job %s %r was never queued: Redis did not answer before the app stopped", name, kwargs)
        await self._pool.aclose()


class InProcessJobQueue:
    """Runs jobs as tasks of the app's own event loop, and its cron jobs on their schedule.
    Meant for the single-process embedded set-up; deployments with several processes use
    Redis so that each job runs once."""

    def __init__(
        self, functions: Sequence[JobFunction], cron_jobs: Sequence[CronJob], timezone: dt.tzinfo
    ) -> None:
        self._functions = {function.__name__: function for function in functions}
        # Copies: CronJob keeps its next run on itself, and the definitions are shared.
        self._cron_jobs = [dataclasses.replace(job, next_run=None) for job in cron_jobs]
        self._timezone = timezone
        self._tasks: set[asyncio.Task[Any]] = set()
        self._scheduler: asyncio.Task[None] | None = None

    async def enqueue(self, name: str, **kwargs: Any) -> None:
        function = self._functions.get(name)
        if function is None:
            raise LookupError(f"no job function named {name!r}")
        self._spawn(name, function(self._context(name), **kwargs))

    def start_scheduler(self) -> None:
        self._scheduler = asyncio.create_task(self._run_schedule())

    def run_due(self, now: dt.datetime) -> list[str]:
        """Start every cron job due at `now`; returns their names. The scheduler loop calls
        this; tests call it with a chosen `now`."""
        started = []
        for job in self._cron_jobs:
            if job.next_run is None:
                job.calculate_next(now)
            elif job.next_run <= now:
                self._spawn(job.name, job.coroutine(self._context(job.name)))
                started.append(job.name)
                job.calculate_next(job.next_run)
        return started

    async def _run_schedule(self) -> None:
        while True:
            self.run_due(dt.datetime.now(self._timezone))
            await asyncio.sleep(1)

    async def drain(self) -> None:
        """Wait for the jobs started so far."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        if self._scheduler is not None:
            self._scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scheduler
        await self.drain()

    def _context(self, name: str) -> dict[str, Any]:
        return {"job_name": name, "in_process": True}

    def _spawn(self, name: str, coroutine: Awaitable[Any]) -> None:
        async def guarded() -> None:
            try:
                await coroutine
            except Exception:
                log.exception("background job %s failed", name)

        task = asyncio.create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
