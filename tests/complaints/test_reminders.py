"""Reminders before a deadline, the overdue mark at it and the director's escalation, sent in
working hours only, once each: by the service, by a real arq worker on Redis, and by the
in-process queue the app uses without Redis."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from arq.worker import Worker

import worker
from complaints import reminders, workflow
from complaints.schemas import AssignmentCreate, AssignRequest, ExtensionCreate, ReplyCreate
from complaints.tables import (
    Action,
    Audience,
    ComplaintEvent,
    ComplaintReminder,
    ComplaintUnit,
    ReminderKind,
    ReplyChannel,
)
from hall.background import InProcessJobQueue, RedisJobQueue
from hall.roles import Role
from tests.complaints.test_services import register, viewer
from tests.conftest import World

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379"
# A general complaint taken on Monday 2026-11-16 at 09:00 is due on Tuesday at 16:30 (winter
# timetable): 11 working hours, half of them gone on Tuesday at 08:30, two left at 14:30.
RECEIVED = dt.datetime(2026, 11, 16, 9, 0)
NOW = dt.datetime(2026, 11, 16, 1, 0, tzinfo=dt.UTC)


async def sent() -> list[tuple[str, str, str]]:
    rows = await ComplaintReminder.select().order_by(ComplaintReminder.id)
    return [(row["target"], row["kind"], row["audience"]) for row in rows]


async def send_at(local_now: dt.datetime) -> int:
    return await reminders.send_due_reminders(now=NOW, local_now=local_now)


async def test_nothing_is_due_before_half_the_working_time(world: World) -> None:
    await register(world, received_at=RECEIVED)
    assert await send_at(dt.datetime(2026, 11, 16, 16, 0)) == 0
    assert await sent() == []


async def test_half_the_working_time_and_two_working_hours_before_warn_the_desk(world: World) -> None:
    await register(world, received_at=RECEIVED)
    assert await send_at(dt.datetime(2026, 11, 17, 8, 29, 59)) == 0
    assert await send_at(dt.datetime(2026, 11, 17, 8, 30)) == 1
    assert await send_at(dt.datetime(2026, 11, 17, 9, 0)) == 0  # sent once, however often the job runs
    assert await send_at(dt.datetime(2026, 11, 17, 14, 30)) == 1
    assert await sent() == [
        ("complaint", ReminderKind.HALFWAY, Audience.OFFICER),
        ("complaint", ReminderKind.BEFORE_DUE, Audience.OFFICER),
    ]


async def test_at_the_deadline_it_is_marked_overdue_and_the_director_told_in_working_hours(
    world: World,
) -> None:
    read, _ = await register(world, received_at=RECEIVED)
    evening = dt.datetime(2026, 11, 17, 19, 0)
    assert await send_at(evening) == 0  # no reminder at night...
    marks = await ComplaintEvent.select().where(ComplaintEvent.action == Action.OVERDUE)
    assert [row["complaint"] for row in marks] == [read.id]  # ...but the mark is made
    await send_at(evening + dt.timedelta(hours=1))
    assert await ComplaintEvent.count().where(ComplaintEvent.action == Action.OVERDUE) == 1
    assert await send_at(dt.datetime(2026, 11, 18, 7, 59, 59)) == 0
    assert await send_at(dt.datetime(2026, 11, 18, 8, 0)) == 2
    assert await sent() == [
        ("complaint", ReminderKind.OVERDUE, Audience.OFFICER),
        ("complaint", ReminderKind.ESCALATED, Audience.DIRECTOR),
    ]


async def test_an_answered_complaint_gets_no_reminder(world: World) -> None:
    read, _ = await register(world, received_at=RECEIVED)
    await workflow.reply(
        complaint_id=read.id,
        data=ReplyCreate(channel=ReplyChannel.PHONE, content="已答复"),
        viewer=await viewer(world, Role.COMPLAINT_OFFICER),
        now=dt.datetime(2026, 11, 16, 15, 0),
    )
    assert await send_at(dt.datetime(2026, 11, 18, 9, 0)) == 0


async def test_a_unit_is_warned_of_its_own_part_and_its_staff_see_it(world: World) -> None:
    read, _ = await register(world, received_at=RECEIVED)
    officer = await viewer(world, Role.COMPLAINT_OFFICER)
    await workflow.assign(
        complaint_id=read.id,
        data=AssignRequest(
            units=[AssignmentCreate(window_id=world.windows[0].id, due_at=dt.datetime(2026, 11, 16, 16, 30))]
        ),
        viewer=officer,
        now=RECEIVED,
    )
    # The unit's part runs from 09:00 to 16:30 on Monday: five working hours, half gone at 14:00.
    assert await send_at(dt.datetime(2026, 11, 16, 13, 59, 59)) == 0
    assert await send_at(dt.datetime(2026, 11, 16, 14, 0)) == 1
    assert await sent() == [(f"unit:{await _unit_id(read.id)}", ReminderKind.HALFWAY, Audience.UNIT)]
    staff_sees = await reminders.list_reminders(viewer=await viewer(world, Role.STAFF))
    assert [r.kind for r in staff_sees] == [ReminderKind.HALFWAY]
    assert await reminders.list_reminders(viewer=officer) == []
    assert await reminders.list_reminders(viewer=await viewer(world, Role.CLERK)) == []


async def _unit_id(complaint_id: int) -> int:
    return (
        await ComplaintUnit.select(ComplaintUnit.id).where(ComplaintUnit.complaint == complaint_id).first()
    )["id"]


async def test_an_extension_brings_reminders_of_its_own(world: World) -> None:
    read, _ = await register(world, received_at=RECEIVED)
    await send_at(dt.datetime(2026, 11, 17, 14, 30))
    await workflow.extend(
        complaint_id=read.id,
        data=ExtensionCreate(new_due_at=dt.datetime(2026, 11, 20, 16, 30), reason="需会商", told_by="phone"),
        viewer=await viewer(world, Role.COMPLAINT_OFFICER),
        now=dt.datetime(2026, 11, 17, 15, 0),
    )
    assert await send_at(dt.datetime(2026, 11, 20, 14, 30)) == 1
    deadlines = [row["deadline"] for row in await ComplaintReminder.select().order_by(ComplaintReminder.id)]
    assert deadlines == [dt.datetime(2026, 11, 17, 16, 30), dt.datetime(2026, 11, 20, 16, 30)]


# ---- run as jobs ---------------------------------------------------------------------------------------

WORKING_MORNING = dt.datetime(2026, 11, 18, 9, 0)


@pytest.mark.redis
async def test_a_real_arq_worker_sends_the_reminders_once(world: World) -> None:
    await register(world, received_at=RECEIVED)
    queue_name = f"hall:test-reminders:{uuid.uuid4().hex[:8]}"
    queue = await RedisJobQueue.connect(REDIS_URL, queue_name)
    try:
        for _ in range(2):  # a job enqueued twice (two schedulers, a retry) sends once
            await queue.enqueue("send_complaint_reminders", local_now=WORKING_MORNING)
        arq_worker = Worker(
            functions=worker.FUNCTIONS,
            redis_pool=queue._pool,
            queue_name=queue_name,
            burst=True,
            poll_delay=0.05,
            handle_signals=False,
        )
        await arq_worker.main()
        assert (arq_worker.jobs_complete, arq_worker.jobs_failed) == (2, 0)
    finally:
        await queue._pool.delete(queue_name)
        await queue.close()
    assert await sent() == [
        ("complaint", ReminderKind.OVERDUE, Audience.OFFICER),
        ("complaint", ReminderKind.ESCALATED, Audience.DIRECTOR),
    ]


async def test_without_redis_the_app_process_sends_them(world: World) -> None:
    await register(world, received_at=RECEIVED)
    queue = InProcessJobQueue(worker.FUNCTIONS, worker.CRON_JOBS, dt.UTC)
    await queue.enqueue("send_complaint_reminders", local_now=WORKING_MORNING)
    await queue.close()
    assert len(await sent()) == 2


async def test_the_reminder_job_runs_every_minute(world: World) -> None:
    queue = InProcessJobQueue(worker.FUNCTIONS, worker.CRON_JOBS, dt.UTC)
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    job = "cron:send_complaint_reminders"
    queue.run_due(start)
    assert job in queue.run_due(start.replace(second=16))
    assert job in queue.run_due(start.replace(minute=1, second=16))
    await queue.close()
