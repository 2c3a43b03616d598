"""The evaluators' services on the real database: a press stored once and attributed from the
day's punches, cover and leave; the person a tablet shows; a hall's month of satisfaction."""

from __future__ import annotations

import datetime as dt

import pytest

from assessment import evaluations
from assessment.evaluation_rules import Attribution, Level
from assessment.tables import Evaluation
from attendance import punches, requests
from attendance.rules import LeaveType, Session
from attendance.schemas import PunchCreate, RequestCreate, RequestDecision
from attendance.tables import PunchSource, RequestKind
from devices import registry
from devices.schemas import DeviceCreate, DeviceRead
from devices.tables import DeviceKind
from hall import services
from hall.errors import InvalidInput
from hall.roles import Role
from hall.schemas import CoverCreate
from tests.conftest import World

TZ = dt.timezone(dt.timedelta(hours=8))
# "Now" for these tests: a Wednesday morning, a working day.
NOW = dt.datetime(2026, 11, 18, 10, 0, 0)
DAY = NOW.date()


def at(time: str, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(time))


async def evaluator(world: World, window: int = 0, name: str = "一号窗口评价器") -> DeviceRead:
    issued = await registry.register_device(
        data=DeviceCreate(
            hall_id=world.town.id, name=name, kind=DeviceKind.EVALUATOR, window_id=world.windows[window].id
        ),
        scope=None,
        actor_id=None,
        now=dt.datetime.now(dt.UTC),
    )
    return issued.device


async def punch(world: World, person: int, time: str, day: dt.date = DAY) -> None:
    await punches.record_punch(
        data=PunchCreate(
            staff_id=world.staff[person].id, punched_at=at(time, day), source=PunchSource.FACE, device="T1"
        ),
        scope=None,
        actor_id=None,
        now=NOW,
        timezone=TZ,
    )


async def press(device: DeviceRead, time: str | None, level: Level = Level.SATISFIED, day: dt.date = DAY):
    return await evaluations.record_press(
        device=device, level=level, pressed_at=None if time is None else at(time, day), now=NOW, timezone=TZ
    )


# ---- storing a press -------------------------------------------------------------------------


async def test_a_press_is_stored_once_however_often_it_is_sent(world: World) -> None:
    device = await evaluator(world)
    first = await press(device, "09:30:05", Level.DISSATISFIED)
    again = await press(device, "09:30:05", Level.DISSATISFIED)
    assert (first.created, again.created) == (True, False)
    assert again.evaluation == first.evaluation
    stored = first.evaluation
    assert (stored.level, stored.level_label, stored.satisfied) == (Level.DISSATISFIED, "不满意", False)
    assert (stored.window_id, stored.device_id, stored.device_name) == (
        world.windows[0].id,
        device.id,
        device.name,
    )
    assert stored.pressed_at == at("09:30:05")
    assert await Evaluation.count() == 1
    # The next second is another press.
    assert (await press(device, "09:30:06")).created
    assert await Evaluation.count() == 2


async def test_a_press_without_a_time_is_now_and_a_time_with_an_offset_is_made_hall_local(
    world: World,
) -> None:
    device = await evaluator(world)
    assert (await press(device, None)).evaluation.pressed_at == NOW
    recorded = await evaluations.record_press(
        device=device,
        level=Level.SATISFIED,
        pressed_at=dt.datetime(2026, 11, 18, 1, 15, 30, 700000, tzinfo=dt.UTC),
        now=NOW,
        timezone=TZ,
    )
    assert recorded.evaluation.pressed_at == at("09:15:30")


async def test_a_press_far_in_the_future_or_the_past_is_refused(world: World) -> None:
    device = await evaluator(world)
    assert (await press(device, "10:05:00")).created  # within a clock running a little ahead
    with pytest.raises(InvalidInput) as ahead:
        await press(device, "10:05:01")
    assert ahead.value.errors[0].message == "不能晚于当前时间 5 分钟以上"
    with pytest.raises(InvalidInput) as old:
        await press(device, "09:59:59", day=DAY - dt.timedelta(days=7))
    assert old.value.errors[0].message == "不能早于 {days} 天前"
    assert old.value.errors[0].params == {"days": 7}
    assert await Evaluation.count() == 1


# ---- attribution ----------------------------------------------------------------------------


async def test_the_one_person_who_punched_in_is_evaluated(world: World) -> None:
    device = await evaluator(world)  # window 1: 王芳 and 李强
    await punch(world, 0, "08:01:00")
    before = await press(device, "08:00:59")
    after = await press(device, "08:01:00")
    assert (after.evaluation.staff_id, after.evaluation.staff_name) == (world.staff[0].id, "王芳")
    assert after.evaluation.attribution == Attribution.PRESENT
    # Before anyone punched in, two people were due: the window only.
    assert (before.evaluation.staff_id, before.evaluation.attribution) == (None, Attribution.NO_PUNCH)

    await punch(world, 1, "09:00:00")
    both = await press(device, "09:30:00")
    assert (both.evaluation.staff_id, both.evaluation.attribution_label) == (None, "多人在岗，只计入窗口")
    # A press is attributed as it was when it arrived: later punches change nothing stored.
    assert (await press(device, "08:01:00")).evaluation.staff_id == world.staff[0].id


async def test_a_one_person_window_whose_person_forgot_to_punch(world: World) -> None:
    device = await evaluator(world, window=1, name="二号窗口评价器")  # 张敏 alone
    recorded = await press(device, "09:00:00")
    assert (recorded.evaluation.staff_id, recorded.evaluation.attribution) == (
        world.staff[2].id,
        Attribution.NOT_PUNCHED,
    )
    assert recorded.evaluation.attribution_label == "未打卡"


async def test_a_cover_worker_counts_first(world: World) -> None:
    device = await evaluator(world)
    await services.create_cover(
        data=CoverCreate(
            staff_id=world.staff[2].id, window_id=world.windows[0].id, starts_on=DAY, ends_on=DAY
        ),
        scope=None,
        actor_id=world.account_ids[Role.CLERK],
    )
    await punch(world, 0, "08:00:00")
    await punch(world, 2, "08:05:00")
    recorded = await press(device, "09:00:00")
    assert (recorded.evaluation.staff_id, recorded.evaluation.attribution) == (
        world.staff[2].id,
        Attribution.COVER,
    )
    # The cover worker is away from their own window that day: nobody is due there.
    own = await evaluator(world, window=1, name="二号窗口评价器")
    assert (await press(own, "09:00:00")).evaluation.attribution == Attribution.NOBODY
    # On another day the cover is over.
    yesterday = DAY - dt.timedelta(days=1)
    await punch(world, 0, "08:00:00", day=yesterday)
    assert (await press(device, "09:00:00", day=yesterday)).evaluation.staff_id == world.staff[0].id


async def test_someone_on_leave_is_not_at_the_window(world: World) -> None:
    device = await evaluator(world)
    leave = await requests.submit_request(
        data=RequestCreate(
            kind=RequestKind.LEAVE,
            staff_id=world.staff[0].id,
            leave_type=LeaveType.SICK,
            first_day=DAY,
            first_session=Session.MORNING,
            last_day=DAY,
            last_session=Session.MORNING,
            reason="看病",
        ),
        scope=None,
        actor_id=world.account_ids[Role.CLERK],
        own_staff_id=None,
        now=NOW,
    )
    await requests.approve_request(
        request_id=leave.id,
        data=RequestDecision(substitute_id=world.staff[1].id),
        scope=None,
        actor_id=world.account_ids[Role.DIRECTOR],
        now=NOW,
    )
    # 王芳 is on leave this morning; 李强 has not punched in: he is the only one due.
    morning = await press(device, "09:00:00")
    assert (morning.evaluation.staff_id, morning.evaluation.attribution) == (
        world.staff[1].id,
        Attribution.NOT_PUNCHED,
    )
    current = await evaluations.current_person(device=device, now=NOW)
    assert (current.staff_id, current.staff_name, current.window_name) == (
        world.staff[1].id,
        "李强",
        "民政窗口",
    )


async def test_the_person_the_tablet_shows(world: World) -> None:
    device = await evaluator(world)
    nobody = await evaluations.current_person(device=device, now=NOW)
    assert (nobody.staff_id, nobody.staff_name, nobody.attribution) == (None, None, Attribution.NO_PUNCH)
    assert (nobody.window_number, nobody.window_name) == ("1", "民政窗口")
    await punch(world, 1, "08:10:00")
    current = await evaluations.current_person(device=device, now=NOW)
    assert (current.staff_id, current.staff_name, current.attribution_label) == (
        world.staff[1].id,
        "李强",
        "在岗人员",
    )


# ---- satisfaction ----------------------------------------------------------------------------


async def test_a_halls_month_per_window_and_person_week_by_week(world: World) -> None:
    first, second = await evaluator(world), await evaluator(world, window=1, name="二号窗口评价器")
    monday = dt.date(2026, 11, 16)
    await punch(world, 0, "08:00:00", day=monday)
    for time, level in (("09:00:00", Level.SATISFIED), ("09:01:00", Level.VERY_DISSATISFIED)):
        await press(first, time, level, day=monday)
    await press(
        first, "09:00:00", Level.BASICALLY_SATISFIED, day=dt.date(2026, 11, 13)
    )  # nobody in: window only
    await press(second, "09:00:00", Level.DISSATISFIED, day=DAY)  # 张敏, not punched in
    await press(second, "09:10:00", Level.SATISFIED, day=DAY)

    report = await evaluations.satisfaction(hall_id=world.town.id, month=dt.date(2026, 11, 1), scope=None)
    assert (report.hall_name, report.month) == ("青山镇便民服务中心", dt.date(2026, 11, 1))
    assert [week.number for week in report.weeks] == [44, 45, 46, 47, 48, 49]
    assert (report.total.presses, report.total.satisfied, report.total.dissatisfied) == (5, 3, 2)
    assert report.total.rate == pytest.approx(0.6)

    windows = {window.window_id: window for window in report.windows}
    one, two = windows[world.windows[0].id], windows[world.windows[1].id]
    assert (one.month.presses, one.month.satisfied, one.window_only) == (3, 2, 1)
    assert one.month.counts[Level.VERY_DISSATISFIED] == 1
    assert [week.presses for week in one.weeks] == [0, 0, 1, 2, 0, 0]
    assert [week.rate for week in one.weeks] == [None, None, 1.0, 0.5, None, None]
    assert (two.month.presses, two.month.rate) == (2, 0.5)

    people = {person.staff_name: person for person in report.people}
    assert set(people) == {"王芳", "李强", "张敏"}  # everyone of the hall, pressed for or not
    assert (people["王芳"].month.presses, people["王芳"].month.rate) == (2, 0.5)
    assert (people["李强"].month.presses, people["李强"].month.rate) == (0, None)
    assert [week.presses for week in people["张敏"].weeks] == [0, 0, 0, 2, 0, 0]

    # Another month has nothing; a window person sees their own window and themselves.
    assert (
        await evaluations.satisfaction(hall_id=world.town.id, month=dt.date(2026, 10, 1), scope=None)
    ).total.rate is None
    mine = await evaluations.my_satisfaction(staff_id=world.staff[0].id, hall_id=world.town.id, month=DAY)
    assert [window.window_id for window in mine.windows] == [world.windows[0].id]
    assert [person.staff_id for person in mine.people] == [world.staff[0].id]


async def test_the_presses_of_a_month(world: World) -> None:
    device = await evaluator(world)
    await punch(world, 0, "08:00:00")
    await press(device, "09:00:00", Level.DISSATISFIED)
    await press(device, "08:30:00")
    listed = await evaluations.list_evaluations(
        hall_id=world.town.id, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30), scope=None
    )
    assert [(e.pressed_at.time().isoformat(), e.level, e.staff_name) for e in listed] == [
        ("08:30:00", Level.SATISFIED, "王芳"),
        ("09:00:00", Level.DISSATISFIED, "王芳"),
    ]
    assert (
        await evaluations.list_evaluations(
            hall_id=world.town.id, start=DAY, end=DAY, scope=None, staff_id=world.staff[1].id
        )
        == []
    )
