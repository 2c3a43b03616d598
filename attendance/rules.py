"""Attendance verdicts (RULES.md, "Working days and hours" and "Attendance verdicts").

Pure: plain values in, verdicts out; no database, no clock. Times are seconds since the
day's midnight (hall-local), because every rule compares times within one day and integer
arithmetic keeps the month's 100,000 staff-days cheap.

A day has two sessions. Each punch is first given to a session (`assign`), then each due
session is judged from its first and last punch (`judge_day`):

- arrival more than `late` after the start is 迟到, more than `off_post` after it is 脱岗;
- departure more than `early` before the end is 早退, more than `off_post` before it is 脱岗;
- a start or end without a punch is 缺卡 unless an approved 补卡 clears it;
- a session without any punch and without approved leave is 旷工 (half a day).

With two punches a day (first in, last out), a day whose two sessions are both due is one
span: its first punch is judged against the morning start, its last against the afternoon end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple


class Session(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"


class Slot(StrEnum):
    """A session's two punches: its start (上班) and its end (下班)."""

    START = "start"
    END = "end"


class Mark(StrEnum):
    """The verdict on one slot."""

    ON_TIME = "on_time"
    LATE = "late"  # 迟到
    EARLY_LEAVE = "early_leave"  # 早退
    OFF_POST = "off_post"  # 脱岗
    MISSING = "missing"  # 缺卡
    CLEARED = "cleared"  # 缺卡 cleared by an approved 补卡
    PENDING = "pending"  # the day is not over and the punch may still come
    NOT_REQUIRED = "not_required"  # on leave, or the inner slots when punching twice a day


class Status(StrEnum):
    """The verdict on one session as a whole."""

    ATTENDED = "attended"
    ABSENT = "absent"  # 旷工: half a day
    LEAVE = "leave"  # 请假 of some type: exempt from every verdict
    PENDING = "pending"  # no punch yet, and the session's punch window is still open


class LeaveType(StrEnum):
    OFFICIAL = "official"  # 因公外出
    TRIP = "trip"  # 出差
    SICK = "sick"  # 病假
    PERSONAL = "personal"  # 事假
    ANNUAL = "annual"  # 年休假


SESSION_LABELS = {Session.MORNING: "上午", Session.AFTERNOON: "下午"}
SLOT_LABELS = {Slot.START: "上班", Slot.END: "下班"}
MARK_LABELS = {
    Mark.ON_TIME: "正常",
    Mark.LATE: "迟到",
    Mark.EARLY_LEAVE: "早退",
    Mark.OFF_POST: "脱岗",
    Mark.MISSING: "缺卡",
    Mark.CLEARED: "已补卡",
    Mark.PENDING: "待打卡",
    Mark.NOT_REQUIRED: "无需打卡",
}
STATUS_LABELS = {Status.ATTENDED: "出勤", Status.ABSENT: "旷工", Status.LEAVE: "请假", Status.PENDING: "未到"}
LEAVE_LABELS = {
    LeaveType.OFFICIAL: "因公外出",
    LeaveType.TRIP: "出差",
    LeaveType.SICK: "病假",
    LeaveType.PERSONAL: "事假",
    LeaveType.ANNUAL: "年休假",
}

DAY_SECONDS = 24 * 3600


def seconds(value: dt.time | dt.datetime | str) -> int:
    """Seconds since midnight of a time, a datetime or an "HH:MM" / "HH:MM:SS" text."""
    if isinstance(value, str):
        parts = [int(part) for part in value.split(":")]
        parts += [0] * (3 - len(parts))
        return parts[0] * 3600 + parts[1] * 60 + parts[2]
    return value.hour * 3600 + value.minute * 60 + value.second


def clock(value: int) -> str:
    return f"{value // 3600:02d}:{value % 3600 // 60:02d}:{value % 60:02d}"


@dataclass(frozen=True, slots=True)
class Schedule:
    """One day's timetable and thresholds, all in seconds; see `schedule_for`."""

    morning_start: int
    morning_end: int
    afternoon_start: int
    afternoon_end: int
    late_after: int
    early_leave_before: int
    off_post_after: int
    window_before_morning: int
    window_after_afternoon: int
    punches_per_day: int


def is_summer(day: dt.date, settings: Mapping[str, Any]) -> bool:
    """夏秋季 from `summer_starts_on` (default 05-01) until `winter_starts_on` (10-01)."""
    summer = tuple(int(part) for part in settings["summer_starts_on"].split("-"))
    winter = tuple(int(part) for part in settings["winter_starts_on"].split("-"))
    today = (day.month, day.day)
    if summer <= winter:
        return summer <= today < winter
    return today >= summer or today < winter  # a southern-style calendar wrapping the new year


def schedule_for(day: dt.date, settings: Mapping[str, Any]) -> Schedule:
    """The timetable in force on `day` from a hall's resolved settings (key -> value)."""
    season = "summer" if is_summer(day, settings) else "winter"
    minute = 60
    return Schedule(
        morning_start=seconds(settings[f"{season}_morning_start"]),
        morning_end=seconds(settings[f"{season}_morning_end"]),
        afternoon_start=seconds(settings[f"{season}_afternoon_start"]),
        afternoon_end=seconds(settings[f"{season}_afternoon_end"]),
        late_after=int(settings["late_after_minutes"]) * minute,
        early_leave_before=int(settings["early_leave_before_minutes"]) * minute,
        off_post_after=int(settings["off_post_after_minutes"]) * minute,
        window_before_morning=int(settings["punch_window_before_morning_minutes"]) * minute,
        window_after_afternoon=int(settings["punch_window_after_afternoon_minutes"]) * minute,
        punches_per_day=int(settings["punches_per_day"]),
    )


def assign(punch: int, schedule: Schedule) -> Session | None:
    """The session a punch belongs to, or None when it counts for nothing.

    Inside a session: that session. Between the two: the session whose boundary is nearer,
    ties to the afternoon. Before the morning only within its window, after the afternoon
    likewise."""
    if punch < schedule.morning_start:
        return Session.MORNING if punch >= schedule.morning_start - schedule.window_before_morning else None
    if punch <= schedule.morning_end:
        return Session.MORNING
    if punch < schedule.afternoon_start:
        nearer_morning = punch - schedule.morning_end < schedule.afternoon_start - punch
        return Session.MORNING if nearer_morning else Session.AFTERNOON
    if punch <= schedule.afternoon_end + schedule.window_after_afternoon:
        return Session.AFTERNOON
    return None


def window_closes(session: Session, schedule: Schedule) -> int:
    """The last second a punch can still be given to `session`."""
    if session is Session.MORNING:
        return (schedule.morning_end + schedule.afternoon_start - 1) // 2
    return schedule.afternoon_end + schedule.window_after_afternoon


def arrival(punch: int, start: int, schedule: Schedule) -> Mark:
    delay = punch - start
    if delay <= schedule.late_after:
        return Mark.ON_TIME
    return Mark.LATE if delay <= schedule.off_post_after else Mark.OFF_POST


def departure(punch: int, end: int, schedule: Schedule) -> Mark:
    early = end - punch
    if early <= schedule.early_leave_before:
        return Mark.ON_TIME
    return Mark.EARLY_LEAVE if early <= schedule.off_post_after else Mark.OFF_POST


class SessionVerdict(NamedTuple):
    """A tuple: a month holds hundreds of thousands of them."""

    session: Session
    status: Status
    start: Mark
    end: Mark
    start_at: int | None = None  # the punch judged as the start, seconds since midnight
    end_at: int | None = None
    leave_type: LeaveType | None = None


def _judge_span(
    punches: Sequence[int],
    start: int,
    end: int,
    schedule: Schedule,
    cleared: tuple[bool, bool],
    still_open: bool,
) -> tuple[Status, Mark, Mark, int | None, int | None]:
    """Judge the punches of one span (a session, or a whole day when punching twice a day)."""
    if not punches:
        if still_open:
            return Status.PENDING, Mark.PENDING, Mark.PENDING, None, None
        if not any(cleared):
            return Status.ABSENT, Mark.MISSING, Mark.MISSING, None, None
        return (
            Status.ATTENDED,
            Mark.CLEARED if cleared[0] else Mark.MISSING,
            Mark.CLEARED if cleared[1] else Mark.MISSING,
            None,
            None,
        )
    first, last = punches[0], punches[-1]
    if len(punches) > 1:
        return Status.ATTENDED, arrival(first, start, schedule), departure(last, end, schedule), first, last
    if first < (start + end) / 2:  # a lone punch before the midpoint is the start
        absent_end = Mark.PENDING if still_open else Mark.CLEARED if cleared[1] else Mark.MISSING
        return Status.ATTENDED, arrival(first, start, schedule), absent_end, first, None
    absent_start = Mark.CLEARED if cleared[0] else Mark.PENDING if still_open else Mark.MISSING
    return Status.ATTENDED, absent_start, departure(first, end, schedule), None, first


def judge_day(
    *,
    schedule: Schedule,
    punches: Iterable[int],
    leave: Mapping[Session, LeaveType] | None = None,
    cleared: Iterable[tuple[Session, Slot]] = (),
    now: int | None = None,
) -> tuple[SessionVerdict, SessionVerdict]:
    """The morning's and the afternoon's verdicts for one person on one working day.

    `leave`: the sessions covered by approved leave. `cleared`: the slots an approved 补卡
    covers. `now`: the current second when the day is today (slots whose punch window is
    still open are then pending), None once the day is over.
    """
    by_session: dict[Session, list[int]] = {Session.MORNING: [], Session.AFTERNOON: []}
    # The same second twice (two terminals, a retry) is one moment, not a start and an end.
    for punch in sorted(set(punches)):
        session = assign(punch, schedule)
        if session is not None:
            by_session[session].append(punch)
    cleared = set(cleared)
    open_morning = now is not None and now <= window_closes(Session.MORNING, schedule)
    open_afternoon = now is not None and now <= window_closes(Session.AFTERNOON, schedule)

    if schedule.punches_per_day == 2 and not leave:
        status, start, end, start_at, end_at = _judge_span(
            by_session[Session.MORNING] + by_session[Session.AFTERNOON],
            schedule.morning_start,
            schedule.afternoon_end,
            schedule,
            ((Session.MORNING, Slot.START) in cleared, (Session.AFTERNOON, Slot.END) in cleared),
            open_afternoon,
        )
        return (
            SessionVerdict(Session.MORNING, status, start, Mark.NOT_REQUIRED, start_at, None),
            SessionVerdict(Session.AFTERNOON, status, Mark.NOT_REQUIRED, end, None, end_at),
        )

    verdicts = []
    for session, begin, finish, still_open in (
        (Session.MORNING, schedule.morning_start, schedule.morning_end, open_morning),
        (Session.AFTERNOON, schedule.afternoon_start, schedule.afternoon_end, open_afternoon),
    ):
        if leave and session in leave:
            verdicts.append(
                SessionVerdict(
                    session, Status.LEAVE, Mark.NOT_REQUIRED, Mark.NOT_REQUIRED, leave_type=leave[session]
                )
            )
            continue
        verdicts.append(
            SessionVerdict(
                session,
                *_judge_span(
                    by_session[session],
                    begin,
                    finish,
                    schedule,
                    ((session, Slot.START) in cleared, (session, Slot.END) in cleared),
                    still_open,
                ),
            )
        )
    return verdicts[0], verdicts[1]


class PunchMeaning(NamedTuple):
    """What one punch counted as, the moment it was made: shown on the clock-in terminal."""

    session: Session | None  # None: outside every punch window, or not the first/last
    slot: Slot | None
    mark: Mark | None
    minutes: int  # how late or early, in started minutes; 0 when on time
    label: str  # 上午上班签到 · 迟到 3 分钟


PUNCH_WHAT = {
    (Session.MORNING, Slot.START): "上午上班签到",
    (Session.MORNING, Slot.END): "上午下班签退",
    (Session.AFTERNOON, Slot.START): "下午上班签到",
    (Session.AFTERNOON, Slot.END): "下午下班签退",
    (None, Slot.START): "上班签到",  # punching twice a day: the day is one span
    (None, Slot.END): "下班签退",
}


def punch_meaning(punch: int, verdicts: Iterable[SessionVerdict], schedule: Schedule) -> PunchMeaning:
    """The slot a punch was judged as in the day's verdicts, and how it was judged.

    Minutes count from the timetable (08:18:30 is "迟到 19 分钟": started minutes), since
    that is what the person compares with the clock on the wall."""
    bounds = {
        Session.MORNING: (schedule.morning_start, schedule.morning_end),
        Session.AFTERNOON: (schedule.afternoon_start, schedule.afternoon_end),
    }
    for verdict in verdicts:
        start, end = bounds[verdict.session]
        if verdict.start_at == punch:
            slot, mark, off_by = Slot.START, verdict.start, punch - start
        elif verdict.end_at == punch:
            slot, mark, off_by = Slot.END, verdict.end, end - punch
        else:
            continue
        what = PUNCH_WHAT[None if schedule.punches_per_day == 2 else verdict.session, slot]
        minutes = -(-off_by // 60) if mark is not Mark.ON_TIME else 0
        label = ("{what} · {mark} {minutes} 分钟" if minutes else "{what} · {mark}").format(
            what=what, mark=MARK_LABELS[mark], minutes=minutes
        )
        return PunchMeaning(verdict.session, slot, mark, minutes, label)
    session = assign(punch, schedule)
    label = "已记录（不在打卡时段，不计入考勤）" if session is None else "已记录"
    return PunchMeaning(None, None, None, 0, label)


# ---- the monthly summary (按月公布) ----------------------------------------------------


class VerdictRow(NamedTuple):
    """A stored verdict as the summary reads it. The fields may be the enums or their
    stored text: StrEnum members equal their values, and a month's summaries read 200,000
    rows that need not be converted one by one."""

    day: dt.date
    status: Status | str
    start: Mark | str
    end: Mark | str
    leave_type: LeaveType | str | None


@dataclass(frozen=True)
class MonthSummary:
    days_due: int
    days_present: int
    late: int
    early_leave: int
    off_post: int
    missing: int
    cleared: int
    absent_half_days: int
    leave_days: dict[LeaveType, float]
    trips: int
    pending_sessions: int

    @property
    def absent_days(self) -> float:
        return self.absent_half_days / 2


def summarize(rows: Iterable[VerdictRow], *, days_due: int, trips: int) -> MonthSummary:
    """A person's month. A day is present when at least one of its sessions was attended in
    person; leave, official business and trips are counted apart, half a day per session."""
    present_days: set[dt.date] = set()
    marks: list[Mark | str] = []
    absent = pending = 0
    leave_days = dict.fromkeys(LeaveType, 0.0)
    for day, status, start, end, leave_type in rows:
        if status == Status.ATTENDED:
            present_days.add(day)
        elif status == Status.ABSENT:
            absent += 1
            continue  # its two missing punches are the absence, not 缺卡
        elif status == Status.PENDING:
            pending += 1
        elif status == Status.LEAVE and leave_type is not None:
            leave_days[LeaveType(leave_type)] += 0.5
        marks += (start, end)
    return MonthSummary(
        days_due=days_due,
        days_present=len(present_days),
        late=marks.count(Mark.LATE),
        early_leave=marks.count(Mark.EARLY_LEAVE),
        off_post=marks.count(Mark.OFF_POST),
        missing=marks.count(Mark.MISSING),
        cleared=marks.count(Mark.CLEARED),
        absent_half_days=absent,
        leave_days=leave_days,
        trips=trips,
        pending_sessions=pending,
    )


# ---- requests ---------------------------------------------------------------------


def sessions_between(
    first_day: dt.date, first_session: Session, last_day: dt.date, last_session: Session
) -> list[tuple[dt.date, Session]]:
    """Every (day, session) a request covers, calendar days included; the caller keeps the
    working ones."""
    covered = []
    day = first_day
    while day <= last_day:
        for session in Session:
            if day == first_day and first_session is Session.AFTERNOON and session is Session.MORNING:
                continue
            if day == last_day and last_session is Session.MORNING and session is Session.AFTERNOON:
                continue
            covered.append((day, session))
        day += dt.timedelta(days=1)
    return covered
