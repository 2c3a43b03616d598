"""A month of attendance for 5,000 staff: every verdict and every summary, against the floor.

    .venv/bin/python bench/attendance_month.py [--staff 5000] [--halls 20]

Creates a throw-away PostgreSQL database on the server of DATABASE_URL (default: the local
one), fills it with September 2026 (22 working days: the Mid-Autumn holiday on Friday the
25th, a make-up working Sunday on the 20th) of four punches a day per person, with some
people late, leaving early, missing a punch or absent, then measures:

- full month: recomputing and storing every verdict of every hall, then every hall's
  monthly summary (what closing the month and publishing it costs);
- floor: the same punches read and the same number of verdict rows written with bare SQL
  (asyncpg, COPY), the least any implementation must spend;
- one person-day: a late punch for a past day stored and the day recomputed, as a terminal
  sending an old record would cause.

Targets (issue 3): full month under 10 s and at most 3x the floor; one person-day under 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import time
import uuid

import asyncpg
from common import database_url, on_server

MONTH = dt.date(2026, 9, 1)
MONTH_END = dt.date(2026, 9, 30)
NOW = dt.datetime(2026, 10, 15, 12, 0)  # the month is over: every day is final
TZ = dt.timezone(dt.timedelta(hours=8))


def _day_punches(rng: random.Random, day: dt.date) -> list[dt.datetime]:
    """Four punches of a winter/summer day with the faults people make, in rough proportion."""
    afternoon = (14, 0) if dt.date(2026, 5, 1) <= day < dt.date(2026, 10, 1) else (13, 30)
    end = (17, 0) if afternoon == (14, 0) else (16, 30)
    roll = rng.random()
    if roll < 0.02:
        return []  # absent all day
    times = [
        dt.datetime.combine(day, dt.time(7, 45)) + dt.timedelta(seconds=rng.randint(0, 1500)),
        dt.datetime.combine(day, dt.time(11, 0)) + dt.timedelta(seconds=rng.randint(-600, 900)),
        dt.datetime.combine(day, dt.time(*afternoon)) + dt.timedelta(seconds=rng.randint(-900, 600)),
        dt.datetime.combine(day, dt.time(*end)) + dt.timedelta(seconds=rng.randint(-1500, 1800)),
    ]
    if roll < 0.05:
        times.pop(rng.randrange(4))  # a missing punch
    return times


async def _fill(url: str, staff: int, halls: int, working_days: list[dt.date]) -> list[tuple[int, int]]:
    """Halls, windows and staff, and the month's punches; returns (hall, staff) pairs."""
    rng = random.Random(20260901)
    connection = await asyncpg.connect(url)
    try:
        county = await connection.fetchval(
            "INSERT INTO hall (code, name, level, address, created_at)"
            " VALUES ('county', '县中心', 'centre', '', now()) RETURNING id"
        )
        department = await connection.fetchval(
            "INSERT INTO department (name, created_at) VALUES ('民政办', now()) RETURNING id"
        )
        people = []
        per_hall = staff // halls
        for number in range(halls):
            hall = await connection.fetchval(
                "INSERT INTO hall (code, name, level, parent, address, created_at)"
                " VALUES ($1, $2, 'township', $3, '', now()) RETURNING id",
                f"town{number}",
                f"第{number}镇",
                county,
            )
            window = await connection.fetchval(
                'INSERT INTO "window" (hall, department, number, name, active, created_at)'
                " VALUES ($1, $2, '1', '综合窗口', true, now()) RETURNING id",
                hall,
                department,
            )
            await connection.copy_records_to_table(
                "staff",
                columns=["hall", "window", "name", "staff_number", "phone", "status", "photo", "created_at"],
                records=[
                    (hall, window, f"职员{index}", f"S{index:05d}", "", "active", "", dt.datetime.now(dt.UTC))
                    for index in range(per_hall)
                ],
            )
            ids = await connection.fetch("SELECT id FROM staff WHERE hall = $1", hall)
            people += [(hall, row["id"]) for row in ids]
        received = dt.datetime.now(dt.UTC)
        records = [
            (person, hall, at, "face", "T1", "", "", "", received)
            for hall, person in people
            for day in working_days
            for at in _day_punches(rng, day)
        ]
        await connection.copy_records_to_table(
            "punch",
            columns=[
                "staff",
                "hall",
                "punched_at",
                "source",
                "device",
                "verify_mode",
                "photo",
                "reason",
                "received_at",
            ],
            records=records,
        )
        await connection.execute("ANALYZE")
        return people
    finally:
        await connection.close()


async def _floor(url: str, people: list[tuple[int, int]], working_days: list[dt.date], columns) -> float:
    """Read the month's punches and write as many verdict rows, one per person, day and
    session, with bare asyncpg into the empty verdict table; rolled back."""
    connection = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        async with connection.transaction():
            await connection.fetch(
                "SELECT staff, punched_at FROM punch WHERE punched_at >= $1 AND punched_at < $2",
                dt.datetime.combine(MONTH, dt.time()),
                dt.datetime.combine(MONTH_END + dt.timedelta(days=1), dt.time()),
            )
            now = dt.datetime.now(dt.UTC)
            await connection.copy_records_to_table(
                "verdict",
                columns=list(columns),
                records=[
                    (
                        staff,
                        hall,
                        None,
                        day,
                        session,
                        "attended",
                        "on_time",
                        "on_time",
                        28800,
                        39600,
                        None,
                        True,
                        False,
                        now,
                    )
                    for hall, staff in people
                    for day in working_days
                    for session in ("morning", "afternoon")
                ],
            )
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        return elapsed
    finally:
        await connection.close()


class _Rollback(Exception):
    """Leaves the floor's rows unwritten."""


async def _measure(staff: int, halls: int) -> None:
    name = f"hall_bench_{uuid.uuid4().hex[:10]}"
    await on_server(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    os.environ.update({"DATABASE_URL": url, "DATABASE_POOL": "1", "DEMO_DATA": "0"})
    from attendance import punches, verdicts
    from attendance.schemas import PunchCreate
    from attendance.tables import Punch, Verdict
    from attendance.verdicts import VERDICT_COLUMNS
    from hall import db
    from hall.calendar import hall_calendar
    from hall.config import get_config

    try:
        await db.migrate()
        await db.start(get_config().database)
        calendar = await hall_calendar(hall_id=1, start=MONTH, end=MONTH_END)
        working_days = calendar.working_days(MONTH, MONTH_END)
        setup = time.perf_counter()
        people = await _fill(url, staff, halls, working_days)
        hall_ids = sorted({hall for hall, _ in people})
        punch_count = await Punch.count()
        print(
            f"{len(people)} staff in {len(hall_ids)} halls, {len(working_days)} working days, "
            f"{punch_count} punches (set up in {time.perf_counter() - setup:.1f} s)"
        )

        floor = min([await _floor(url, people, working_days, VERDICT_COLUMNS) for _ in range(3)])
        started = time.perf_counter()
        written = 0
        for hall_id in hall_ids:
            written += await verdicts.recompute(hall_id=hall_id, start=MONTH, end=MONTH_END, now=NOW)
        verdict_seconds = time.perf_counter() - started
        for hall_id in hall_ids:
            report = await verdicts.month_report(hall_id=hall_id, month=MONTH, scope=None, now=NOW)
            assert len(report.people) == staff // halls
        full = time.perf_counter() - started
        assert written == await Verdict.count() == len(people) * len(working_days) * 2

        staff_days = len(people) * len(working_days)
        print(
            f"full month:    {full:6.2f} s  (verdicts {verdict_seconds:.2f} s,"
            f" summaries {full - verdict_seconds:.2f} s)"
            f"  {written} verdicts, {staff_days / full:,.0f} staff-days/s"
        )
        print(f"floor:         {floor:6.2f} s  (bare SQL: read {punch_count} punches, COPY {written} rows)")
        print(f"ratio:         {full / floor:6.2f} x   target: full < 10 s and ratio <= 3")

        rng = random.Random(7)
        samples = []
        for _ in range(50):
            hall_id, staff_id = rng.choice(people)
            day = rng.choice(working_days)
            begun = time.perf_counter()
            await punches.record_punch(
                data=PunchCreate(
                    staff_id=staff_id,
                    punched_at=dt.datetime.combine(day, dt.time(12, rng.randint(0, 59), rng.randint(0, 59))),
                    source="fingerprint",
                    device="T9",
                ),
                scope=None,
                actor_id=None,
                now=NOW,
                timezone=TZ,
            )
            samples.append((time.perf_counter() - begun) * 1000)
        samples.sort()
        print(
            f"one person-day: median {statistics.median(samples):.1f} ms,"
            f" p95 {samples[int(len(samples) * 0.95)]:.1f} ms"
            f"  (late punch stored + day recomputed; target < 20 ms)"
        )
    finally:
        await db.stop()
        await on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--halls", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(_measure(arguments.staff, arguments.halls))


if __name__ == "__main__":
    main()
