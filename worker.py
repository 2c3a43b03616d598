"""The one arq worker of the product: every job function and cron job, listed explicitly.

Start it with `make worker` (arq worker.WorkerSettings). Without REDIS_URL the app runs
the same functions and schedules in-process (see hall/background.py).
"""

from __future__ import annotations

from typing import Any

from arq import cron
from arq.connections import RedisSettings

from assessment import jobs as assessment_jobs
from attendance import jobs as attendance_jobs
from complaints import jobs as complaints_jobs
from devices import jobs as devices_jobs
from hall import db
from hall import jobs as hall_jobs
from hall.config import get_config

FUNCTIONS = [
    hall_jobs.purge_expired_tokens,
    hall_jobs.make_document,
    hall_jobs.generate_documents,
    hall_jobs.generate_monthly_documents,
    attendance_jobs.finalize_attendance_days,
    attendance_jobs.recompute_attendance,
    attendance_jobs.rebuild_face_encodings,
    attendance_jobs.settle_pending_days,
    devices_jobs.sync_push_terminals,
    complaints_jobs.send_complaint_reminders,
    assessment_jobs.sync_assessment_findings,
]

CRON_JOBS = [
    cron(hall_jobs.purge_expired_tokens, minute={17}, second={0}),
    cron(hall_jobs.generate_monthly_documents, day={1}, hour={6}, minute={30}, second={0}),
    cron(attendance_jobs.finalize_attendance_days, hour={0}, minute={10}, second={0}),
    cron(attendance_jobs.settle_pending_days, second={30}),
    cron(devices_jobs.sync_push_terminals, minute=set(range(3, 60, 10)), second={0}),
    cron(complaints_jobs.send_complaint_reminders, second={15}),
    cron(assessment_jobs.sync_assessment_findings, hour={0}, minute={40}, second={0}),
]


async def startup(ctx: dict[str, Any]) -> None:
    await db.start(get_config().database)


async def shutdown(ctx: dict[str, Any]) -> None:
    await db.stop()


class WorkerSettings:
    functions = FUNCTIONS
    cron_jobs = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    queue_name = get_config().queue_name
    timezone = get_config().timezone
    redis_settings = RedisSettings.from_dsn(get_config().redis_url or "redis://127.0.0.1:6379")
    job_timeout = get_config().job_timeout_seconds
