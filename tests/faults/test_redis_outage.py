"""Redis down: the app starts and keeps taking punches, complaints and requests for
documents; once Redis and a worker are back, the jobs it could not queue run, and the
reminders that came due meanwhile are sent, once."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from arq import create_pool
from arq.connections import RedisSettings

from tests.faults.conftest import (
    PostgresCluster,
    RedisServer,
    app_environ,
    new_hall,
    query,
    wait_for,
    worker_for,
)
from tests.server import Api, AppServer, admin_api

pytestmark = pytest.mark.faults

SN = "FAULT0000002"


def working_morning() -> tuple[str, dt.datetime]:
    """A time zone where it is now between 09:00 and 10:00, inside the morning session of
    every timetable (reminders go out in working hours only), and the time there."""
    now = dt.datetime.now(dt.UTC)
    hours = 9 - now.hour
    if hours < -12:
        hours += 24
    zone = f"Etc/GMT{-hours:+d}"  # POSIX signs: Etc/GMT-9 is nine hours ahead of UTC
    return zone, now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def make_working_day(admin: Api, today: dt.date) -> None:
    """Today a working day whatever the date: a Saturday or Sunday entered as a make-up
    working day; on a weekday, the year entered without the holidays of the library's."""
    if today.weekday() >= 5:
        day = {"day": today.isoformat(), "kind": "workday", "name": "调休上班"}
    else:
        other = (
            today.replace(month=1, day=1) if today != today.replace(month=1, day=1) else today.replace(day=2)
        )
        day = {"day": other.isoformat(), "kind": "holiday", "name": "元旦"}
    admin.call("PUT", f"/api/calendar/years/{today.year}", json={"note": "故障测试", "days": [day]})


async def run_reminder_job(redis_url: str, queue_name: str) -> int:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        job = await pool.enqueue_job("send_complaint_reminders", _queue_name=queue_name)
        return await job.result(timeout=60)
    finally:
        await pool.aclose()


def test_with_redis_down_the_app_takes_work_and_what_was_due_runs_once_redis_is_back(
    postgres: PostgresCluster, redis_server: RedisServer, servers: list
) -> None:
    zone, local_now = working_morning()
    database_url = postgres.create_database()
    # redis_server is not started: the app starts with its Redis down.
    server = AppServer(
        demo_data=False, environ=app_environ(database_url, REDIS_URL=redis_server.url, HALL_TIMEZONE=zone)
    )
    servers.append(server)
    server.start()
    admin = admin_api(server)
    make_working_day(admin, local_now.date())
    hall = new_hall(admin, ["A001"], push_terminal=SN)
    director = admin.call(
        "POST",
        "/api/accounts",
        expect=201,
        json={
            "username": f"director{hall['code']}",
            "password": "Fault-tests-2026-pw",
            "role": "director",
            "display_name": "主任",
            "hall_id": hall["id"],
        },
    )
    token = admin.call("POST", f"/api/accounts/{director['id']}/tokens", expect=201, json={"days": 1})[
        "token"
    ]
    desk = Api(server.url, token)

    punched = admin.client.post(
        "/iclock/cdata",
        params={"SN": SN, "table": "ATTLOG", "Stamp": "1"},
        content=f"A001\t{local_now - dt.timedelta(hours=1):%Y-%m-%d %H:%M:%S}\t0\t1\t0\t0\t0\n".encode(),
    )
    # Received forty days ago: its deadline passed while Redis was down.
    complaint = desk.call(
        "POST",
        "/api/complaints",
        expect=201,
        json={
            "hall_id": hall["id"],
            "channel": "phone",
            "content": "窗口人员态度生硬",
            "received_at": (local_now - dt.timedelta(days=40)).isoformat(),
        },
    )["complaint"]
    document = admin.call(
        "POST",
        "/api/documents/jobs",
        expect=202,
        json={"hall_id": hall["id"], "kind": "attendance_month", "period": "2026-10", "format": "csv"},
    )

    assert (punched.status_code, punched.text) == (200, "OK: 1")
    assert len(query(database_url, "SELECT id FROM punch")) == 1
    assert query(database_url, "SELECT id FROM complaint WHERE id = $1", complaint["id"])
    assert query(database_url, "SELECT id FROM complaint_reminder") == []

    redis_server.start()
    worker = worker_for(server)
    servers.append(worker)
    worker.start()

    def document_state() -> str:
        return query(database_url, "SELECT state FROM document_job WHERE id = $1", document["id"])[0]["state"]

    wait_for(lambda: document_state() == "done", 60, "the document asked for while Redis was down")
    # The reminder job runs every minute.
    wait_for(
        lambda: query(database_url, "SELECT id FROM complaint_reminder"), 90, "the reminders that came due"
    )
    assert asyncio.run(run_reminder_job(redis_server.url, server.environ["JOB_QUEUE"])) == 0
    reminders = query(
        database_url, "SELECT kind FROM complaint_reminder WHERE complaint = $1", complaint["id"]
    )
    assert sorted(row["kind"] for row in reminders) == ["escalated", "overdue"]
