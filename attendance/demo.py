"""Demo attendance for the demo town: last month and this one of punches with the faults real
people make, and a few requests, so that every attendance page has something to show and the
assessment two months to compare. Loaded once, with the demo hall."""

from __future__ import annotations

import datetime as dt
import random

from attendance import rules, verdicts
from attendance.months import month_of, shift_month
from attendance.tables import AttendanceRequest, Punch, PunchSource, RequestKind, RequestStatus
from hall import db
from hall.calendar import hall_calendar
from hall.demo import TOWN_CODE
from hall.settings import setting_values_by_day
from hall.tables import Hall, Staff


def _punches(
    rng: random.Random, schedule: rules.Schedule, day: dt.date, until: dt.datetime
) -> list[dt.datetime]:
    roll = rng.random()
    if roll < 0.03:
        return []  # absent
    planned = [
        schedule.morning_start - rng.randint(0, 1200) + (rng.randint(900, 2400) if roll < 0.12 else 0),
        schedule.morning_end + rng.randint(0, 600),
        schedule.afternoon_start - rng.randint(0, 900),
        schedule.afternoon_end
        + rng.randint(0, 900)
        - (rng.randint(1000, 2400) if 0.12 <= roll < 0.16 else 0),
    ]
    if 0.16 <= roll < 0.22:
        planned.pop(rng.randrange(4))  # a forgotten punch
    midnight = dt.datetime.combine(day, dt.time())
    return [at for at in (midnight + dt.timedelta(seconds=s) for s in planned) if at <= until]


async def load_demo_attendance(*, now: dt.datetime) -> int:
    """Punches for the demo town's staff from the first of last month up to `now` (hall-local);
    returns how many were stored. Does nothing if the town already has punches."""
    town = await Hall.select(Hall.id).where(Hall.code == TOWN_CODE).first()
    if town is None or await Punch.exists().where(Punch.hall == town["id"]):
        return 0
    hall_id = town["id"]
    start = shift_month(month_of(now.date()), -1)
    calendar = await hall_calendar(hall_id=hall_id, start=start, end=now.date())
    settings_on = await setting_values_by_day(hall_id=hall_id)
    staff = [
        row["id"] for row in await Staff.select(Staff.id).where(Staff.hall == hall_id).order_by(Staff.id)
    ]
    rng = random.Random(2026)
    received = dt.datetime.now(dt.UTC)
    rows = [
        (person, hall_id, at, PunchSource.FACE, "demo-face-1", "face", "", "", received)
        for day in calendar.working_days(start, now.date())
        for person in staff
        for at in _punches(rng, rules.schedule_for(day, settings_on(day)), day, now)
    ]
    columns = (
        "staff",
        "hall",
        "punched_at",
        "source",
        "device",
        "verify_mode",
        "photo",
        "reason",
        "received_at",
    )
    async with db.transaction():
        await db.insert_many(Punch, columns, rows)
        # A week's business trip, approved, and a sick day waiting for the director.
        trip_start = calendar.working_days(start, now.date())[5]
        for kind_status, first_day, last_day, leave_type, reason in (
            (
                RequestStatus.APPROVED,
                trip_start,
                trip_start + dt.timedelta(days=4),
                rules.LeaveType.TRIP,
                "赴县局培训",
            ),
            (RequestStatus.PENDING, now.date(), now.date(), rules.LeaveType.SICK, "发烧就医"),
        ):
            await AttendanceRequest(
                kind=RequestKind.LEAVE,
                staff=staff[1] if kind_status == RequestStatus.APPROVED else staff[2],
                hall=hall_id,
                leave_type=leave_type,
                first_day=first_day,
                first_session=rules.Session.MORNING,
                last_day=last_day,
                last_session=rules.Session.AFTERNOON,
                reason=reason,
                substitute=staff[0],
                status=kind_status,
                created_at=received,
            ).save()
    await verdicts.recompute(hall_id=hall_id, start=month_of(start), end=now.date(), now=now)
    return len(rows)
