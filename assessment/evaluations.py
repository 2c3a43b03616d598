"""The evaluators' presses: each stored once, attributed to the person at the window when it
was pressed; who that is now, for the tablet page; and the satisfaction figures of a hall's
month, per window and per person, week by week."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from assessment import evaluation_rules as rules
from assessment.evaluation_rules import Attributed, Level, Tally
from assessment.schemas import (
    CurrentPersonRead,
    EvaluationRead,
    EvaluationRecorded,
    PersonSatisfactionRead,
    SatisfactionRead,
    TallyRead,
    WeekRead,
    WindowSatisfactionRead,
)
from assessment.tables import Evaluation
from attendance import rules as attendance_rules
from attendance.punches import CLOCK_SKEW, local_time
from attendance.verdicts import load_inputs
from devices.schemas import DeviceRead
from hall import db
from hall.errors import Conflict, InvalidInput
from hall.services import HallScope, get_hall, get_staff, get_window, list_staff, list_windows
from hall.settings import setting_values_by_day
from hall.tables import StaffStatus

# Names the advisory lock that stores one evaluator's presses one at a time (db.lock).
DEVICE_LOCK = 7_402_301
# An evaluator that kept presses while the network was down sends them later; after a week
# the people at the window can no longer be told from the punches with confidence.
OLDEST_PRESS = dt.timedelta(days=7)


def _session_at(second: int, schedule: attendance_rules.Schedule) -> attendance_rules.Session:
    """The session a press falls in, for leave taken by the session: the one a punch at that
    second would be given to; outside every punch window, the nearer end of the day."""
    session = attendance_rules.assign(second, schedule)
    if session is not None:
        return session
    morning = second < schedule.morning_start
    return attendance_rules.Session.MORNING if morning else attendance_rules.Session.AFTERNOON


async def _attribute(*, hall_id: int, window_id: int, at: dt.datetime) -> Attributed:
    """Whom a press on the window at `at` (hall-local) evaluates: evaluation_rules.attribute
    over the day's people, cover, leave and punches as the verdicts read them. The window's
    regular people are those it has now."""
    day, second = at.date(), attendance_rules.seconds(at)
    inputs = await load_inputs(hall_id=hall_id, start=day, end=day)
    session = _session_at(second, attendance_rules.schedule_for(day, inputs.settings_on(day)))
    people = [
        person
        for person in inputs.people
        if (person.last_day is None or person.last_day >= day) and inputs.window_on(person, day) == window_id
    ]
    return rules.attribute(
        cover_staff={person.staff_id for person in people if person.window_id != window_id},
        regular_staff={person.staff_id for person in people if person.window_id == window_id},
        on_leave={
            person.staff_id for person in people if session in inputs.leave.get((person.staff_id, day), {})
        },
        punched={
            person.staff_id
            for person in people
            if any(punch <= second for punch in inputs.punches.get((person.staff_id, day), ()))
        },
    )


def _query():
    return Evaluation.select(
        Evaluation.all_columns(),
        Evaluation.window.name.as_alias("window_name"),
        Evaluation.staff.name.as_alias("staff_name"),
        Evaluation.device.name.as_alias("device_name"),
    ).order_by(Evaluation.pressed_at)


def _read(row: dict) -> EvaluationRead:
    level, attribution = Level(row["level"]), rules.Attribution(row["attribution"])
    return EvaluationRead(
        id=row["id"],
        hall_id=row["hall"],
        window_id=row["window"],
        window_name=row["window_name"],
        staff_id=row["staff"],
        staff_name=row["staff_name"],
        device_id=row["device"],
        device_name=row["device_name"],
        pressed_at=row["pressed_at"],
        level=level,
        level_label=level.label,
        satisfied=row["satisfied"],
        attribution=attribution,
        attribution_label=attribution.label,
        received_at=row["received_at"],
    )


async def record_press(
    *, device: DeviceRead, level: Level, pressed_at: dt.datetime | None, now: dt.datetime, timezone: dt.tzinfo
) -> EvaluationRecorded:
    """Store a press of an evaluator once, attributed to the person at its window then.
    `now` is hall-local; a press without a time is now. Every evaluator may send any of the
    five levels: a two-button model simply never sends the other three."""
    if device.window_id is None:
        raise Conflict("评价器没有指定窗口，请联系管理员")
    pressed = local_time(pressed_at, timezone) if pressed_at is not None else now.replace(microsecond=0)
    if pressed > now + CLOCK_SKEW:
        raise InvalidInput.single("pressed_at", "评价时间", "不能晚于当前时间 5 分钟以上")
    if pressed < now - OLDEST_PRESS:
        raise InvalidInput.single("pressed_at", "评价时间", "不能早于 {days} 天前", days=OLDEST_PRESS.days)
    async with db.transaction():
        await db.lock(DEVICE_LOCK, device.id)
        existing = (
            await Evaluation.select(Evaluation.id)
            .where((Evaluation.device == device.id) & (Evaluation.pressed_at == pressed))
            .first()
        )
        created = existing is None
        if created:
            attributed = await _attribute(hall_id=device.hall_id, window_id=device.window_id, at=pressed)
            row = Evaluation(
                hall=device.hall_id,
                window=device.window_id,
                staff=attributed.staff_id,
                device=device.id,
                pressed_at=pressed,
                level=level,
                satisfied=level.satisfied,
                attribution=attributed.reason,
                received_at=dt.datetime.now(dt.UTC),
            )
            await db.write(row.save())
            evaluation_id = row.id
        else:
            evaluation_id = existing["id"]
    stored = await _query().where(Evaluation.id == evaluation_id).first()
    return EvaluationRecorded(evaluation=_read(stored), created=created)


async def current_person(*, device: DeviceRead, now: dt.datetime) -> CurrentPersonRead:
    """The window of an evaluator and whom a press would evaluate at `now` (hall-local)."""
    if device.window_id is None:
        raise Conflict("评价器没有指定窗口，请联系管理员")
    window = await get_window(window_id=device.window_id, scope=frozenset({device.hall_id}))
    attributed = await _attribute(hall_id=device.hall_id, window_id=window.id, at=now)
    person = None
    if attributed.staff_id is not None:
        person = await get_staff(staff_id=attributed.staff_id, scope=None)
    return CurrentPersonRead(
        window_id=window.id,
        window_number=window.number,
        window_name=window.name,
        staff_id=attributed.staff_id,
        staff_name=person.name if person else None,
        attribution=attributed.reason,
        attribution_label=attributed.reason.label,
    )


async def list_evaluations(
    *,
    hall_id: int,
    start: dt.date,
    end: dt.date,
    scope: HallScope,
    window_id: int | None = None,
    staff_id: int | None = None,
) -> list[EvaluationRead]:
    """A hall's presses over start..end, oldest first."""
    await get_hall(hall_id=hall_id, scope=scope)
    query = _query().where(
        (Evaluation.hall == hall_id)
        & (Evaluation.pressed_at >= dt.datetime.combine(start, dt.time()))
        & (Evaluation.pressed_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    )
    if window_id is not None:
        query = query.where(Evaluation.window == window_id)
    if staff_id is not None:
        query = query.where(Evaluation.staff == staff_id)
    return [_read(row) for row in await query]


# ---- satisfaction figures ------------------------------------------------------------------


def _tally_read(tally: Tally) -> TallyRead:
    return TallyRead(
        counts=tally.counts,
        presses=tally.presses,
        satisfied=tally.satisfied,
        dissatisfied=tally.dissatisfied,
        rate=tally.rate,
    )


class _Tallies:
    """A month's tally and one per week of the month, for each window or person."""

    def __init__(self, weeks: list[rules.Week]) -> None:
        self.week_of = {(week.year, week.number): index for index, week in enumerate(weeks)}
        self.month: dict[int, Tally] = defaultdict(Tally)
        self.weeks: dict[int, list[Tally]] = defaultdict(lambda: [Tally() for _ in weeks])

    def add(self, key: int, level: Level, day: dt.date) -> None:
        self.month[key].add(level)
        self.weeks[key][self.week_of[rules.iso_week(day)]].add(level)

    def month_of(self, key: int) -> TallyRead:
        return _tally_read(self.month[key])

    def weeks_of(self, key: int) -> list[TallyRead]:
        return [_tally_read(tally) for tally in self.weeks[key]]


async def satisfaction(*, hall_id: int, month: dt.date, scope: HallScope) -> SatisfactionRead:
    """The satisfaction of a hall, its windows and its people in a month and in each of its
    weeks. Windows and people of the hall are listed even without presses (no rate); a
    window no longer in use, or someone who has left, only if pressed for that month."""
    hall = await get_hall(hall_id=hall_id, scope=scope)
    first, last = rules.month_bounds(month)
    weeks = rules.weeks_of_month(first)
    rows = await Evaluation.select(
        Evaluation.window, Evaluation.staff, Evaluation.level, Evaluation.pressed_at
    ).where(
        (Evaluation.hall == hall_id)
        & (Evaluation.pressed_at >= dt.datetime.combine(first, dt.time()))
        & (Evaluation.pressed_at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))
    )
    total, by_window, by_person = Tally(), _Tallies(weeks), _Tallies(weeks)
    window_only: dict[int, int] = defaultdict(int)
    for row in rows:
        level, day = Level(row["level"]), row["pressed_at"].date()
        total.add(level)
        by_window.add(row["window"], level, day)
        if row["staff"] is None:
            window_only[row["window"]] += 1
        else:
            by_person.add(row["staff"], level, day)
    windows = [
        window
        for window in await list_windows(scope=None, hall_id=hall_id)
        if window.active or window.id in by_window.month
    ]
    people = [
        person
        for person in await list_staff(scope=None, hall_id=hall_id, include_left=True)
        if person.status == StaffStatus.ACTIVE or person.id in by_person.month
    ]
    return SatisfactionRead(
        hall_id=hall.id,
        hall_name=hall.name,
        month=first,
        weeks=[WeekRead(**week._asdict()) for week in weeks],
        total=_tally_read(total),
        windows=[
            WindowSatisfactionRead(
                window_id=window.id,
                number=window.number,
                name=window.name,
                month=by_window.month_of(window.id),
                weeks=by_window.weeks_of(window.id),
                window_only=window_only[window.id],
            )
            for window in windows
        ],
        people=[
            PersonSatisfactionRead(
                staff_id=person.id,
                staff_name=person.name,
                staff_number=person.staff_number,
                window_name=person.window_name,
                month=by_person.month_of(person.id),
                weeks=by_person.weeks_of(person.id),
            )
            for person in people
        ],
    )


async def my_satisfaction(*, staff_id: int, hall_id: int, month: dt.date) -> SatisfactionRead:
    """A window person's month: their own figures, their own window's and the hall's."""
    scope = frozenset({hall_id})
    person = await get_staff(staff_id=staff_id, scope=scope)
    report = await satisfaction(hall_id=hall_id, month=month, scope=scope)
    return report.model_copy(
        update={
            "windows": [window for window in report.windows if window.window_id == person.window_id],
            "people": [someone for someone in report.people if someone.staff_id == person.id],
        }
    )


async def evaluator_levels(*, hall_id: int, day: dt.date) -> tuple[Level, ...]:
    """The buttons of the hall's tablet evaluators on `day`, best first (hall setting)."""
    return rules.MODELS[(await setting_values_by_day(hall_id=hall_id))(day)["evaluator_buttons"]]
