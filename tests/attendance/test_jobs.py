"""The nightly job makes the past days' verdicts final, catching up on days it missed."""

from __future__ import annotations

import datetime as dt

from attendance.jobs import finalize_attendance_days
from attendance.tables import Verdict
from tests.conftest import World


async def test_the_nightly_job_makes_the_months_past_days_final(world: World) -> None:
    night = dt.datetime(2026, 11, 19, 0, 10)  # Thursday night: Monday to Wednesday are over
    assert await finalize_attendance_days({}, now=night) == 3
    days = {row["day"] for row in await Verdict.select(Verdict.day).where(Verdict.final.eq(True)).distinct()}
    working = {dt.date(2026, 11, day) for day in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18)}
    assert days == working
    people = len(world.staff) + 1  # the other town's person too
    assert await Verdict.count() == len(working) * 2 * people


async def test_a_calendar_change_recomputes_every_hall(world: World) -> None:
    from attendance.jobs import recompute_attendance

    # The job reads the real clock: days long past give the same verdicts whatever today is.
    written = await recompute_attendance(
        {}, hall_id=None, start=dt.date(2026, 10, 9), end=dt.date(2026, 10, 11)
    )
    people = len(world.staff) + 1
    # Friday the 9th and the make-up Saturday the 10th are working days; Sunday the 11th is not.
    assert written == 2 * 2 * people
