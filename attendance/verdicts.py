"""Computing and reading verdicts: a hall's punches, requests, calendar and settings in, one
`Verdict` row per person per session of every working day out.

Verdicts are recomputed, never edited: a late punch, a decided request, a calendar change
or a month close recomputes the days it touches. Days of closed months are never rewritten.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from attendance import months, rules
from attendance.rules import LeaveType, Mark, Session, SessionVerdict, Slot, Status
from attendance.schemas import (
    BoardPersonRead,
    BoardRead,
    BoardWindowRead,
    DayRead,
    MonthReportRead,
    PersonMonthRead,
    PunchRead,
    SessionRead,
    SummaryRead,
)
from attendance.tables import AttendanceRequest, PendingDay, Punch, RequestKind, RequestStatus, Verdict
from hall import db
from hall.calendar import HallCalendar, hall_calendar, hall_calendars
from hall.services import HallScope, get_hall, get_staff
from hall.settings import setting_values_by_day
from hall.tables import CoverAssignment, Staff, StaffStatus, Window

ONE_DAY = dt.timedelta(days=1)
# The order of a stored row: from "session" to "leave_type", that of rules.SessionVerdict.
VERDICT_COLUMNS = (
    "staff",
    "hall",
    "window",
    "day",
    "session",
    "status",
    "start_mark",
    "end_mark",
    "start_second",
    "end_second",
    "leave_type",
    "final",
    "provisional_calendar",
    "computed_at",
)


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=offset) for offset in range((end - start).days + 1)]


@dataclass
class _Person:
    staff_id: int
    window_id: int | None
    last_day: dt.date | None  # the day they left, if they have


@dataclass
class HallMonthInputs:
    """Everything the rules need for one hall over a range of days, read in a few queries."""

    hall_id: int
    calendar: HallCalendar
    settings_on: Callable[[dt.date], dict[str, Any]]
    people: list[_Person]
    punches: dict[tuple[int, dt.date], list[int]] = field(default_factory=lambda: defaultdict(list))
    leave: dict[tuple[int, dt.date], dict[Session, LeaveType]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    cleared: dict[tuple[int, dt.date], set[tuple[Session, Slot]]] = field(
        default_factory=lambda: defaultdict(set)
    )
    cover: dict[int, list[tuple[dt.date, dt.date, int]]] = field(default_factory=lambda: defaultdict(list))

    def window_on(self, person: _Person, day: dt.date) -> int | None:
        for starts_on, ends_on, window_id in self.cover.get(person.staff_id, ()):
            if starts_on <= day <= ends_on:
                return window_id
        return person.window_id


def _staff_filter(column, staff_ids: Iterable[int] | None):
    return column.is_in(list(staff_ids) or [-1]) if staff_ids is not None else None


async def load_inputs(
    *, hall_id: int, start: dt.date, end: dt.date, staff_ids: Iterable[int] | None = None
) -> HallMonthInputs:
    staff_ids = None if staff_ids is None else list(staff_ids)
    people_query = Staff.select(Staff.id, Staff.window, Staff.status, Staff.left_on).where(
        Staff.hall == hall_id
    )
    punch_query = Punch.select(Punch.staff, Punch.punched_at).where(
        (Punch.hall == hall_id)
        & (Punch.punched_at >= dt.datetime.combine(start, dt.time()))
        & (Punch.punched_at < dt.datetime.combine(end + ONE_DAY, dt.time()))
    )
    request_query = AttendanceRequest.select(
        AttendanceRequest.staff,
        AttendanceRequest.kind,
        AttendanceRequest.leave_type,
        AttendanceRequest.first_day,
        AttendanceRequest.first_session,
        AttendanceRequest.last_day,
        AttendanceRequest.last_session,
        AttendanceRequest.slot,
    ).where(
        (AttendanceRequest.hall == hall_id)
        & (AttendanceRequest.status == RequestStatus.APPROVED)
        & (AttendanceRequest.first_day <= end)
        & (AttendanceRequest.last_day >= start)
    )
    cover_query = CoverAssignment.select(
        CoverAssignment.staff, CoverAssignment.window, CoverAssignment.starts_on, CoverAssignment.ends_on
    ).where(
        (CoverAssignment.staff.hall == hall_id)
        & (CoverAssignment.starts_on <= end)
        & (CoverAssignment.ends_on >= start)
    )
    if staff_ids is not None:
        people_query = people_query.where(_staff_filter(Staff.id, staff_ids))
        punch_query = punch_query.where(_staff_filter(Punch.staff, staff_ids))
        request_query = request_query.where(_staff_filter(AttendanceRequest.staff, staff_ids))
        cover_query = cover_query.where(_staff_filter(CoverAssignment.staff, staff_ids))

    people = []
    for row in await people_query:
        if row["status"] == StaffStatus.LEFT and row["left_on"] is None:
            continue
        people.append(_Person(row["id"], row["window"], row["left_on"]))
    inputs = HallMonthInputs(
        hall_id=hall_id,
        calendar=await hall_calendar(hall_id=hall_id, start=start, end=end),
        settings_on=await setting_values_by_day(hall_id=hall_id),
        people=people,
    )
    punches = inputs.punches
    for row in await punch_query:
        at = row["punched_at"]
        punches[row["staff"], at.date()].append(at.hour * 3600 + at.minute * 60 + at.second)
    for row in await request_query:
        if row["kind"] == RequestKind.MAKEUP:
            inputs.cleared[row["staff"], row["first_day"]].add(
                (Session(row["first_session"]), Slot(row["slot"]))
            )
            continue
        for day, session in rules.sessions_between(
            row["first_day"], Session(row["first_session"]), row["last_day"], Session(row["last_session"])
        ):
            inputs.leave[row["staff"], day][session] = LeaveType(row["leave_type"])
    for row in await cover_query:
        inputs.cover[row["staff"]].append((row["starts_on"], row["ends_on"], row["window"]))
    return inputs


class Judged(NamedTuple):
    staff_id: int
    window_id: int | None
    day: dt.date
    verdict: SessionVerdict
    final: bool
    provisional: bool


def judge(inputs: HallMonthInputs, days: Iterable[dt.date], now: dt.datetime) -> list[Judged]:
    """The verdicts of every person on every working day among `days` up to today."""
    today = now.date()
    now_second = rules.seconds(now)
    no_punches: tuple[int, ...] = ()
    judged = []
    for day in days:
        if day > today or not inputs.calendar.is_working_day(day):
            continue
        schedule = rules.schedule_for(day, inputs.settings_on(day))
        final = day < today
        provisional = day.year in inputs.calendar.unknown_years
        now_if_open = None if final else now_second
        for person in inputs.people:
            if person.last_day is not None and day > person.last_day:
                continue
            key = (person.staff_id, day)
            window_id = inputs.window_on(person, day) if person.staff_id in inputs.cover else person.window_id
            morning, afternoon = rules.judge_day(
                schedule=schedule,
                punches=inputs.punches.get(key, no_punches),
                leave=inputs.leave.get(key),
                cleared=inputs.cleared.get(key, no_punches),
                now=now_if_open,
            )
            judged.append(Judged(person.staff_id, window_id, day, morning, final, provisional))
            judged.append(Judged(person.staff_id, window_id, day, afternoon, final, provisional))
    return judged


async def compute(
    *, hall_id: int, start: dt.date, end: dt.date, now: dt.datetime, staff_ids: Iterable[int] | None = None
) -> list[Judged]:
    inputs = await load_inputs(hall_id=hall_id, start=start, end=end, staff_ids=staff_ids)
    return judge(inputs, days_between(start, end), now)


async def recompute(
    *, hall_id: int, start: dt.date, end: dt.date, now: dt.datetime, staff_ids: Iterable[int] | None = None
) -> int:
    """Recompute and store the verdicts of start..end (up to today), skipping closed months.
    Returns the number of verdicts written."""
    staff_ids = None if staff_ids is None else list(staff_ids)
    end = min(end, now.date())
    if start > end:
        return 0
    computed_at = dt.datetime.now(dt.UTC)
    async with db.transaction():
        await db.lock(months.HALL_LOCK, hall_id)
        closed = await months.closed_months(hall_id=hall_id, start=start, end=end)
        open_days = [day for day in days_between(start, end) if months.month_of(day) not in closed]
        if not open_days:
            return 0
        inputs = await load_inputs(
            hall_id=hall_id, start=open_days[0], end=open_days[-1], staff_ids=staff_ids
        )
        # The enums go as they are: they are str, and both drivers write them as their text.
        rows = [
            (staff_id, hall_id, window_id, day, *verdict, final, provisional, computed_at)
            for staff_id, window_id, day, verdict, final, provisional in judge(inputs, open_days, now)
        ]
        delete = Verdict.delete().where(
            (Verdict.hall == hall_id) & (Verdict.day >= open_days[0]) & (Verdict.day <= open_days[-1])
        )
        if len(open_days) != (open_days[-1] - open_days[0]).days + 1:
            delete = delete.where(Verdict.day.is_in(open_days))
        if staff_ids is not None:
            delete = delete.where(_staff_filter(Verdict.staff, staff_ids))
        await delete
        await db.insert_many(Verdict, VERDICT_COLUMNS, rows)
    return len(rows)


# Markers taken per transaction: bounded, so that a backlog never builds one huge statement.
SETTLE_CHUNK = 5000


async def settle_pending(*, now: dt.datetime, hall_id: int | None = None) -> int:
    """Recompute the days that bulk punches marked (`punches.store_terminal_punches`), per
    hall, each marker taken and deleted in the transaction that recomputes it. Called after
    a terminal's batch is answered, by a cron job as a safety net, and before verdicts are
    read, so that they are right even when nothing else ran. Returns the markers taken."""
    if hall_id is None:
        halls = sorted({row["hall"] for row in await PendingDay.select(PendingDay.hall).distinct()})
    else:
        halls = [hall_id]
    taken = 0
    for hall in halls:
        while True:
            async with db.transaction():
                await db.lock(months.HALL_LOCK, hall)
                markers = (
                    await PendingDay.select(PendingDay.id, PendingDay.staff, PendingDay.day)
                    .where(PendingDay.hall == hall)
                    .order_by(PendingDay.id)
                    .limit(SETTLE_CHUNK)
                )
                if not markers:
                    break
                await PendingDay.delete().where(PendingDay.id.is_in([row["id"] for row in markers]))
                days = [row["day"] for row in markers]
                await recompute(
                    hall_id=hall,
                    start=min(days),
                    end=max(days),
                    now=now,
                    staff_ids={row["staff"] for row in markers},
                )
                taken += len(markers)
    return taken


async def ensure_current(
    *,
    hall_id: int,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    staff_ids: Iterable[int] | None = None,
    calendar: HallCalendar | None = None,
) -> None:
    """Bring stored verdicts up to date before they are read: past working days without final
    verdicts (the nightly job normally makes them) and today, which is never final.
    `calendar`: the hall's, covering start..end, when the caller has it already."""
    await ensure_halls_current(
        hall_ids=[hall_id],
        start=start,
        end=end,
        now=now,
        staff_ids=staff_ids,
        calendars=None if calendar is None else {hall_id: calendar},
    )


async def ensure_halls_current(
    *,
    hall_ids: Iterable[int],
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    staff_ids: Iterable[int] | None = None,
    calendars: dict[int, HallCalendar] | None = None,
) -> None:
    """`ensure_current` for several halls, their final days read in one query."""
    hall_ids = list(hall_ids)
    staff_ids = None if staff_ids is None else list(staff_ids)
    if not hall_ids:
        return
    pending = PendingDay.select(PendingDay.hall).where(db.any_of(PendingDay.hall, hall_ids)).distinct()
    for row in await pending:
        await settle_pending(now=now, hall_id=row["hall"])
    last = min(end, now.date())
    if start > last:
        return
    query = (
        Verdict.select(Verdict.hall, Verdict.day)
        .where(
            db.any_of(Verdict.hall, hall_ids)
            & (Verdict.day >= start)
            & (Verdict.day <= last)
            & Verdict.final.eq(True)
        )
        .distinct()
    )
    if staff_ids is not None:
        query = query.where(_staff_filter(Verdict.staff, staff_ids))
    final_days: dict[int, set[dt.date]] = defaultdict(set)
    for row in await query:
        final_days[row["hall"]].add(row["day"])
    calendars = calendars or await hall_calendars(hall_ids=hall_ids, start=start, end=last)
    for hall_id in hall_ids:
        stale = [
            day
            for day in calendars[hall_id].working_days(start, last)
            if day not in final_days[hall_id] or day == now.date()
        ]
        if not stale:
            continue
        closed = await months.closed_months(hall_id=hall_id, start=stale[0], end=stale[-1])
        stale = [day for day in stale if months.month_of(day) not in closed]
        if stale:
            await recompute(hall_id=hall_id, start=stale[0], end=stale[-1], now=now, staff_ids=staff_ids)


# ---- reading ---------------------------------------------------------------------------


def session_read(verdict: SessionVerdict) -> SessionRead:
    return SessionRead(
        session=verdict.session,
        status=verdict.status,
        start=verdict.start,
        end=verdict.end,
        start_at=None if verdict.start_at is None else rules.clock(verdict.start_at),
        end_at=None if verdict.end_at is None else rules.clock(verdict.end_at),
        leave_type=verdict.leave_type,
    )


def _stored(row: dict) -> SessionVerdict:
    return SessionVerdict(
        session=Session(row["session"]),
        status=Status(row["status"]),
        start=Mark(row["start_mark"]),
        end=Mark(row["end_mark"]),
        start_at=row["start_second"],
        end_at=row["end_second"],
        leave_type=LeaveType(row["leave_type"]) if row["leave_type"] else None,
    )


async def day_verdicts(*, staff_id: int, day: dt.date) -> list[SessionVerdict]:
    """The stored verdicts of one person's day (none on a day off)."""
    rows = (
        await Verdict.select()
        .where((Verdict.staff == staff_id) & (Verdict.day == day))
        .order_by(Verdict.session)
    )
    return [_stored(row) for row in rows]


async def _trips(*, staff_ids: list[int], start: dt.date, end: dt.date) -> dict[int, int]:
    """出差: the number of approved business trips overlapping the range, per person."""
    rows = await AttendanceRequest.select(AttendanceRequest.staff).where(
        _staff_filter(AttendanceRequest.staff, staff_ids)
        & (AttendanceRequest.status == RequestStatus.APPROVED)
        & (AttendanceRequest.leave_type == LeaveType.TRIP)
        & (AttendanceRequest.first_day <= end)
        & (AttendanceRequest.last_day >= start)
    )
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        counts[row["staff"]] += 1
    return counts


def _days_due(calendar: HallCalendar, start: dt.date, end: dt.date, left_on: dt.date | None) -> int:
    if left_on is not None:
        end = min(end, left_on)
    return len(calendar.working_days(start, end)) if start <= end else 0


async def _punch_reads(*, staff_ids: list[int], start: dt.date, end: dt.date) -> list[PunchRead]:
    from attendance.punches import list_punches  # punches imports this module to recompute

    return await list_punches(staff_ids=staff_ids, start=start, end=end)


async def person_month(
    *, staff_id: int, month: dt.date, scope: HallScope, now: dt.datetime
) -> PersonMonthRead:
    """One person's month: each day with its sessions and punches, and the summary."""
    person = await get_staff(staff_id=staff_id, scope=scope)
    report = await _month(
        hall_id=person.hall_id, month=month, now=now, staff_ids=[staff_id], with_days=True, everyone=True
    )
    return report.people[0]


async def month_report(
    *, hall_id: int, month: dt.date, scope: HallScope, now: dt.datetime, window_id: int | None = None
) -> MonthReportRead:
    """The monthly summary (按月公布) of a hall, or of one window with each person's days."""
    await get_hall(hall_id=hall_id, scope=scope)
    staff_ids = None
    if window_id is not None:
        rows = await Staff.select(Staff.id).where((Staff.hall == hall_id) & (Staff.window == window_id))
        staff_ids = [row["id"] for row in rows]
    return await _month(
        hall_id=hall_id, month=month, now=now, staff_ids=staff_ids, with_days=window_id is not None
    )


async def month_sessions(*, hall_id: int, month: dt.date, now: dt.datetime) -> MonthReportRead:
    """The monthly summary of a hall with every person's days and their sessions' verdicts,
    but not their punches: what the exported month shows (attendance/export)."""
    return await _month(
        hall_id=hall_id, month=month, now=now, staff_ids=None, with_days=True, with_punches=False
    )


async def _month(
    *,
    hall_id: int,
    month: dt.date,
    now: dt.datetime,
    staff_ids: list[int] | None,
    with_days: bool,
    everyone: bool = False,
    with_punches: bool = True,
) -> MonthReportRead:
    """`everyone`: keep people who had left before the month (a person's own page still
    opens on a month they no longer worked); reports leave them out. `with_punches`: each
    day's punches too, when `with_days`."""
    start = months.month_of(month)
    end = months.month_end(start)
    calendar = await hall_calendar(hall_id=hall_id, start=start, end=end)
    await ensure_current(
        hall_id=hall_id, start=start, end=end, now=now, staff_ids=staff_ids, calendar=calendar
    )
    closed = bool(await months.closed_months(hall_id=hall_id, start=start, end=start))
    people_query = (
        Staff.select(
            Staff.id,
            Staff.name,
            Staff.staff_number,
            Staff.window,
            Staff.window.name,
            Staff.status,
            Staff.left_on,
        )
        .where(Staff.hall == hall_id)
        .order_by(Staff.staff_number)
    )
    if staff_ids is not None:
        people_query = people_query.where(_staff_filter(Staff.id, staff_ids))
    people = [
        row
        for row in await people_query
        if everyone
        or row["status"] == StaffStatus.ACTIVE
        or (row["left_on"] is not None and row["left_on"] >= start)
    ]
    ids = [row["id"] for row in people]
    columns = [
        Verdict.staff,
        Verdict.day,
        Verdict.status,
        Verdict.start_mark,
        Verdict.end_mark,
        Verdict.leave_type,
    ]
    if with_days:
        columns += [Verdict.session, Verdict.start_second, Verdict.end_second, Verdict.final]
    verdict_rows = await Verdict.select(*columns).where(
        (Verdict.hall == hall_id)
        & (Verdict.day >= start)
        & (Verdict.day <= end)
        & _staff_filter(Verdict.staff, ids)
    )
    by_person: dict[int, list[dict]] = defaultdict(list)
    for row in verdict_rows:
        by_person[row["staff"]].append(row)
    trips = await _trips(staff_ids=ids, start=start, end=end)
    punches_by: dict[tuple[int, dt.date], list[PunchRead]] = defaultdict(list)
    if with_days and with_punches:
        for punch in await _punch_reads(staff_ids=ids, start=start, end=end):
            punches_by[punch.staff_id, punch.punched_at.date()].append(punch)
    last_counted = min(end, now.date())
    reads = []
    for person in people:
        stored = by_person[person["id"]]
        summary = rules.summarize(
            (
                rules.VerdictRow(
                    row["day"], row["status"], row["start_mark"], row["end_mark"], row["leave_type"]
                )
                for row in stored
            ),
            days_due=_days_due(calendar, start, last_counted, person["left_on"]),
            trips=trips.get(person["id"], 0),
        )
        days = []
        if with_days:
            sessions_by_day: dict[dt.date, list[dict]] = defaultdict(list)
            for row in sorted(stored, key=lambda row: (row["day"], row["session"] != Session.MORNING)):
                sessions_by_day[row["day"]].append(row)
            days = [
                DayRead(
                    day=day,
                    working=calendar.is_working_day(day),
                    note=calendar.describe(day),
                    sessions=[session_read(_stored(row)) for row in sessions_by_day.get(day, [])],
                    punches=punches_by.get((person["id"], day), []),
                    final=all(row["final"] for row in sessions_by_day.get(day, [])) and day < now.date(),
                )
                for day in days_between(start, end)
            ]
        reads.append(
            PersonMonthRead(
                staff_id=person["id"],
                staff_name=person["name"],
                staff_number=person["staff_number"],
                window_id=person["window"],
                window_name=person["window.name"],
                month=start,
                closed=closed,
                unknown_years=sorted(calendar.unknown_years),
                summary=SummaryRead.of(summary),
                days=days,
            )
        )
    return MonthReportRead(
        hall_id=hall_id,
        month=start,
        closed=closed,
        unknown_years=sorted(calendar.unknown_years),
        people=reads,
    )


# ---- the clerk's daily board ------------------------------------------------------------


def board_state(morning: SessionVerdict | None, afternoon: SessionVerdict | None) -> str:
    """One word for a person's day so far, worst first."""
    sessions = [verdict for verdict in (morning, afternoon) if verdict is not None]
    if not sessions:
        return "not_due"
    marks = {mark for verdict in sessions for mark in (verdict.start, verdict.end)}
    statuses = {verdict.status for verdict in sessions}
    if Mark.OFF_POST in marks:
        return "off_post"
    if Status.ABSENT in statuses:
        return "absent"
    if Mark.LATE in marks:
        return "late"
    if Mark.EARLY_LEAVE in marks:
        return "early_leave"
    if Mark.MISSING in marks:
        return "missing"
    if statuses == {Status.LEAVE}:
        return "leave"
    if Status.ATTENDED in statuses:
        return "in"
    return "not_in"


BOARD_STATES = {
    "in": "在岗",
    "late": "迟到",
    "early_leave": "早退",
    "off_post": "脱岗",
    "missing": "缺卡",
    "absent": "旷工",
    "leave": "请假",
    "not_in": "未到",
    "not_due": "无需出勤",
}


async def board(*, hall_id: int, day: dt.date, now: dt.datetime, scope: HallScope) -> BoardRead:
    """Who is in, who is late, who is missing, per window: computed live, never stored."""
    await get_hall(hall_id=hall_id, scope=scope)
    inputs = await load_inputs(hall_id=hall_id, start=day, end=day)
    judged = judge(inputs, [day], now)
    by_person: dict[int, dict[Session, SessionVerdict]] = defaultdict(dict)
    window_of: dict[int, int | None] = {}
    for item in judged:
        by_person[item.staff_id][item.verdict.session] = item.verdict
        window_of[item.staff_id] = item.window_id
    names = {
        row["id"]: row
        for row in await Staff.select(Staff.id, Staff.name, Staff.window).where(Staff.hall == hall_id)
    }
    windows = {
        row["id"]: row["name"]
        for row in await Window.select(Window.id, Window.name)
        .where(Window.hall == hall_id)
        .order_by(Window.number)
    }
    grouped: dict[int | None, list[BoardPersonRead]] = defaultdict(list)
    counts: dict[str, int] = dict.fromkeys(BOARD_STATES, 0)
    for person in inputs.people:
        if person.last_day is not None and person.last_day < day:
            continue  # left before this day: not on the board at all
        verdicts = by_person.get(person.staff_id, {})
        punches = sorted(inputs.punches.get((person.staff_id, day), []))
        morning, afternoon = verdicts.get(Session.MORNING), verdicts.get(Session.AFTERNOON)
        state = board_state(morning, afternoon)
        counts[state] += 1
        grouped[window_of.get(person.staff_id, person.window_id)].append(
            BoardPersonRead(
                staff_id=person.staff_id,
                staff_name=names[person.staff_id]["name"],
                morning=session_read(morning) if morning else None,
                afternoon=session_read(afternoon) if afternoon else None,
                first_punch=rules.clock(punches[0]) if punches else None,
                last_punch=rules.clock(punches[-1]) if len(punches) > 1 else None,
                state=state,
            )
        )
    ordered = [window_id for window_id in windows if window_id in grouped]
    ordered += [window_id for window_id in grouped if window_id not in windows]
    return BoardRead(
        hall_id=hall_id,
        day=day,
        at=now.strftime("%H:%M:%S"),
        working=inputs.calendar.is_working_day(day),
        note=inputs.calendar.describe(day),
        unknown_years=sorted(inputs.calendar.unknown_years),
        counts=counts,
        windows=[
            BoardWindowRead(
                window_id=window_id,
                window_name=windows.get(window_id, "未分配窗口"),
                people=grouped[window_id],
            )
            for window_id in ordered
        ],
    )
