"""The hall's days as the deadline rules see them: working or not, why, and the sessions of
that day's timetable, read from the hall's calendar and settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from attendance.rules import is_summer, schedule_for
from complaints.deadlines import ComplaintClass, DayHours, DayInfo, Deadline, reply_deadline
from hall.calendar import hall_calendar
from hall.settings import setting_values_by_day

# How far the calendar is read: the longest deadline a hall can set (30 working days) over
# the longest run of holidays, with room to spare; the rules refuse to walk further.
HORIZON = dt.timedelta(days=400)
WORKING_DAYS_SETTING = {
    ComplaintClass.GENERAL: "general_reply_working_days",
    ComplaintClass.COMPLEX: "complex_reply_working_days",
    ComplaintClass.PETITION: "petition_reply_working_days",
}


def _clock(seconds: int) -> dt.time:
    return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


async def day_info(*, hall_id: int, start: dt.date, end: dt.date | None = None) -> tuple[DayInfo, Any]:
    """The hall's days from a week before `start` to well past any deadline counted from
    `end` (default: `start`), and its settings by day."""
    calendar = await hall_calendar(
        hall_id=hall_id, start=start - dt.timedelta(days=7), end=(end or start) + HORIZON
    )
    settings_on = await setting_values_by_day(hall_id=hall_id)

    def info(day: dt.date) -> DayHours:
        settings = settings_on(day)
        schedule = schedule_for(day, settings)
        return DayHours(
            day=day,
            working=calendar.is_working_day(day),
            note=calendar.describe(day),
            sessions=(
                (_clock(schedule.morning_start), _clock(schedule.morning_end)),
                (_clock(schedule.afternoon_start), _clock(schedule.afternoon_end)),
            ),
            timetable="夏秋季作息" if is_summer(day, settings) else "冬春季作息",
        )

    return info, settings_on


async def deadline_for(
    *, hall_id: int, received_at: dt.datetime, complaint_class: ComplaintClass
) -> Deadline:
    """The reply deadline RULES.md gives a complaint of this class received then."""
    info, settings_on = await day_info(hall_id=hall_id, start=received_at.date())
    working_days = int(settings_on(received_at.date())[WORKING_DAYS_SETTING[complaint_class]])
    return reply_deadline(
        received_at=received_at, complaint_class=complaint_class, working_days=working_days, day_info=info
    )
