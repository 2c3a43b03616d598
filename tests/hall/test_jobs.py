"""Background jobs run through a real arq worker on Redis, or in the app's own process when
no Redis is configured; the same functions and cron definitions serve both."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from arq.worker import Worker

import worker
from hall import accounts
from hall.background import InProcessJobQueue, RedisJobQueue
from hall.tables import AccessToken, TokenKind
from tests.conftest import World

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379"
NOW = dt.datetime.now(dt.UTC)


async def _expired_and_live_tokens(world: World) -> None:
    account = world.account_ids[next(iter(world.account_ids))]
    for lifetime in (dt.timedelta(hours=-1), dt.timedelta(hours=-2), dt.timedelta(hours=1)):
        await accounts.issue_token(account_id=account, kind=TokenKind.SESSION, now=NOW, lifetime=lifetime)


async def _expired_count() -> int:
    return await AccessToken.count().where(AccessToken.expires_at <= dt.datetime.now(dt.UTC))


@pytest.mark.redis
async def test_a_real_arq_worker_runs_a_queued_job(world: World) -> None:
    await _expired_and_live_tokens(world)
    live_before = await AccessToken.count() - await _expired_count()
    queue_name = f"hall:test-jobs:{uuid.uuid4().hex[:8]}"
    queue = await RedisJobQueue.connect(REDIS_URL, queue_name)
    try:
        await queue.enqueue("purge_expired_tokens")
        arq_worker = Worker(
            functions=worker.FUNCTIONS,
            redis_pool=queue._pool,
            queue_name=queue_name,
            burst=True,
            poll_delay=0.05,
            handle_signals=False,
        )
        await arq_worker.main()
        assert (arq_worker.jobs_complete, arq_worker.jobs_failed) == (1, 0)
    finally:
        await queue._pool.delete(queue_name)
        await queue.close()
    assert await _expired_count() == 0
    assert await AccessToken.count() == live_before


async def test_without_redis_the_job_runs_in_the_app_process(world: World) -> None:
    await _expired_and_live_tokens(world)
    queue = InProcessJobQueue(worker.FUNCTIONS, worker.CRON_JOBS, dt.UTC)
    await queue.enqueue("purge_expired_tokens")
    await queue.close()
    assert await _expired_count() == 0


async def test_an_unknown_job_is_refused_in_process() -> None:
    queue = InProcessJobQueue(worker.FUNCTIONS, worker.CRON_JOBS, dt.UTC)
    with pytest.raises(LookupError):
        await queue.enqueue("no_such_job")


async def test_in_process_cron_runs_a_job_when_its_time_comes(world: World) -> None:
    await _expired_and_live_tokens(world)
    queue = InProcessJobQueue(worker.FUNCTIONS, worker.CRON_JOBS, dt.UTC)
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    # arq's cron() puts runs at microsecond 123456, so the run is due at 09:17:00.123456.
    purge = "cron:purge_expired_tokens"
    assert queue.run_due(start) == []  # the first look only schedules the next run
    assert purge not in queue.run_due(start.replace(minute=17))
    assert purge in queue.run_due(start.replace(minute=17, second=1))
    assert purge not in queue.run_due(start.replace(minute=17, second=30))  # once per hour
    await queue.close()
    assert await _expired_count() == 0
