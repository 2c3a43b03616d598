"""Attendance services on the real database: punches stored once, verdicts recomputed when a
late punch, a request or a month close arrives, the calendar's holidays and make-up days,
requests and their limits, month close."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance import months, punches, requests, verdicts
from attendance.rules import LeaveType, Mark, Session, Slot, Status
from attendance.schemas import PunchCreate, RequestCreate, RequestDecision
from attendance.tables import Punch, PunchSource, RequestKind, RequestStatus, Verdict
from hall import calendar
from hall.errors import Conflict, InvalidInput, NotFound
from hall.roles import Role
from tests.conftest import World

TZ = dt.timezone(dt.timedelta(hours=8))
# "Now" for these tests: a Monday evening after the October days they look at.
NOW = dt.datetime(2026, 11, 16, 19, 0, 0)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


async def punch(
    world: World, when: str, *, person: int = 0, source=PunchSource.FACE, device="T1", now=NOW, **extra
):
    return await punches.record_punch(
        data=PunchCreate(
            staff_id=world.staff[person].id, punched_at=at(when), source=source, device=device, **extra
        ),
        scope=None,
        actor_id=world.account_ids[Role.CLERK],
        now=now,
        timezone=TZ,
    )


async def full_day(world: World, day: str, *, person: int = 0, times=("08:00", "11:00", "13:30", "16:30")):
    for time in times:
        await punch(world, f"{day} {time}", person=person)


async def sessions(world: World, day: dt.date, person: int = 0) -> dict[Session, dict]:
    rows = await Verdict.select().where((Verdict.staff == world.staff[person].id) & (Verdict.day == day))
    return {Session(row["session"]): row for row in rows}


async def request(world: World, now=NOW, person: int = 0, **fields):
    return await requests.submit_request(
        data=RequestCreate(staff_id=world.staff[person].id, reason="身体不适", **fields),
        scope=None,
        actor_id=world.account_ids[Role.CLERK],
        own_staff_id=None,
        now=now,
    )


async def approve(world: World, request_id: int, **fields):
    return await requests.approve_request(
        request_id=request_id,
        data=RequestDecision(**fields),
        scope=None,
        actor_id=world.account_ids[Role.DIRECTOR],
        now=NOW,
    )


# ---- punches -----------------------------------------------------------------------


async def test_a_punch_is_stored_once_however_often_a_device_sends_it(world: World) -> None:
    first = await punch(world, "2026-11-16 08:01:00")
    again = await punch(world, "2026-11-16 08:01:00")
    assert (first.created, again.created) == (True, False)
    assert again.punch.id == first.punch.id
    assert await Punch.count() == 1


async def test_the_same_second_from_another_device_is_another_record(world: World) -> None:
    await punch(world, "2026-11-16 08:01:00", device="T1")
    await punch(world, "2026-11-16 08:01:00", device="T2")
    assert await Punch.count() == 2
    morning = (await sessions(world, dt.date(2026, 11, 16)))[Session.MORNING]
    assert (morning["start_mark"], morning["end_mark"]) == (Mark.ON_TIME, Mark.MISSING)


async def test_a_punch_keeps_its_second_and_drops_the_offset(world: World) -> None:
    recorded = await punch(world, "2026-11-16T00:01:02.900+00:00")
    assert recorded.punch.punched_at == dt.datetime(2026, 11, 16, 8, 1, 2)


async def test_a_punch_more_than_five_minutes_ahead_is_refused(world: World) -> None:
    await punch(world, "2026-11-16 19:05:00")  # within the allowed clock skew
    with pytest.raises(InvalidInput) as refused:
        await punch(world, "2026-11-16 19:05:01")
    assert refused.value.errors[0].message == "不能晚于当前时间 5 分钟以上"
    assert await Punch.count() == 1


async def test_an_unknown_person_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput):
        await punches.record_punch(
            data=PunchCreate(staff_id=987654, punched_at=at("2026-11-16 08:00")),
            scope=None,
            actor_id=None,
            now=NOW,
            timezone=TZ,
        )


async def test_a_person_of_another_hall_is_unknown_to_the_clerk(world: World) -> None:
    with pytest.raises(InvalidInput):
        await punches.record_punch(
            data=PunchCreate(
                staff_id=world.other_staff.id, punched_at=at("2026-11-16 08:00"), reason="忘记打卡"
            ),
            scope=frozenset({world.town.id}),
            actor_id=None,
            now=NOW,
            timezone=TZ,
        )


async def test_a_manual_punch_needs_a_reason_and_keeps_who_entered_it(world: World) -> None:
    with pytest.raises(InvalidInput):
        await punch(world, "2026-11-16 08:00", source=PunchSource.MANUAL)
    recorded = await punch(world, "2026-11-16 08:00", source=PunchSource.MANUAL, reason="人脸机故障")
    assert recorded.punch.entered_by == Role.CLERK.label
    assert recorded.punch.reason == "人脸机故障"


# ---- verdicts on the calendar ---------------------------------------------------------


async def test_a_full_day_is_on_time_in_both_sessions(world: World) -> None:
    await full_day(world, "2026-11-16")
    found = await sessions(world, dt.date(2026, 11, 16))
    assert {row["status"] for row in found.values()} == {Status.ATTENDED}
    assert {row["start_mark"] for row in found.values()} == {Mark.ON_TIME}
    assert all(not row["final"] for row in found.values())  # the day is not over yet


async def test_a_late_arriving_punch_recomputes_a_past_day(world: World) -> None:
    await full_day(world, "2026-11-13", times=("08:00", "13:30", "16:30"))
    morning = (await sessions(world, dt.date(2026, 11, 13)))[Session.MORNING]
    assert morning["end_mark"] == Mark.MISSING and morning["final"]
    await punch(world, "2026-11-13 11:00")  # the terminal was offline and sends it three days late
    morning = (await sessions(world, dt.date(2026, 11, 13)))[Session.MORNING]
    assert morning["end_mark"] == Mark.ON_TIME


async def test_a_statutory_holiday_has_no_verdicts(world: World) -> None:
    await punch(world, "2026-10-01 08:00")  # National Day
    assert await sessions(world, dt.date(2026, 10, 1)) == {}
    report = await verdicts.month_report(
        hall_id=world.town.id, month=dt.date(2026, 10, 1), scope=None, now=NOW
    )
    person = next(p for p in report.people if p.staff_id == world.staff[0].id)
    # October 2026: 22 weekdays, minus 1-7 October's five weekdays, plus two make-up Saturdays
    # (9 and 10 October? only the 10th: 2026-09-20 is September's).
    assert person.summary.days_due == 22 - 5 + 1


async def test_a_make_up_saturday_is_a_working_day(world: World) -> None:
    await verdicts.recompute(
        hall_id=world.town.id, start=dt.date(2026, 10, 10), end=dt.date(2026, 10, 11), now=NOW
    )
    saturday = await sessions(world, dt.date(2026, 10, 10))
    assert {row["status"] for row in saturday.values()} == {Status.ABSENT}
    assert await sessions(world, dt.date(2026, 10, 11)) == {}  # an ordinary Sunday


async def test_a_hall_closure_removes_a_working_day(world: World) -> None:
    await calendar.add_closure(
        hall_id=world.town.id, day=dt.date(2026, 11, 12), reason="停电", scope=None, actor_id=None
    )
    await verdicts.recompute(
        hall_id=world.town.id, start=dt.date(2026, 11, 12), end=dt.date(2026, 11, 12), now=NOW
    )
    assert await sessions(world, dt.date(2026, 11, 12)) == {}
    await verdicts.recompute(
        hall_id=world.other_town.id, start=dt.date(2026, 11, 12), end=dt.date(2026, 11, 12), now=NOW
    )
    assert await Verdict.count().where(Verdict.hall == world.other_town.id) == 2


async def test_an_unknown_year_is_provisional(world: World) -> None:
    later = dt.datetime(2027, 1, 8, 19, 0)
    await verdicts.recompute(
        hall_id=world.town.id, start=dt.date(2027, 1, 4), end=dt.date(2027, 1, 4), now=later
    )
    row = (await sessions(world, dt.date(2027, 1, 4)))[Session.MORNING]
    assert row["provisional_calendar"]
    report = await verdicts.month_report(
        hall_id=world.town.id, month=dt.date(2027, 1, 1), scope=None, now=later
    )
    assert report.unknown_years == [2027]


# ---- requests --------------------------------------------------------------------------


async def test_leave_for_one_session_exempts_it(world: World) -> None:
    await full_day(world, "2026-11-11", times=("13:30", "16:30"))
    leave = await request(
        world,
        kind=RequestKind.LEAVE,
        leave_type=LeaveType.SICK,
        first_day=dt.date(2026, 11, 11),
        first_session=Session.MORNING,
        last_session=Session.MORNING,
        substitute_id=world.staff[1].id,
    )
    assert (await sessions(world, dt.date(2026, 11, 11)))[Session.MORNING]["status"] == Status.ABSENT
    approved = await approve(world, leave.id, note="同意")
    assert approved.status is RequestStatus.APPROVED
    assert [event.action for event in approved.history] == ["submitted", "approved"]
    morning = (await sessions(world, dt.date(2026, 11, 11)))[Session.MORNING]
    assert (morning["status"], morning["leave_type"]) == (Status.LEAVE, LeaveType.SICK)


async def test_leave_approval_needs_a_substitute(world: World) -> None:
    leave = await request(
        world, kind=RequestKind.LEAVE, leave_type=LeaveType.ANNUAL, first_day=dt.date(2026, 11, 19)
    )
    with pytest.raises(InvalidInput) as refused:
        await approve(world, leave.id)
    assert refused.value.errors[0].message == "批准请假必须指定顶岗人员"
    assert (await approve(world, leave.id, substitute_id=world.staff[1].id)).substitute_id == world.staff[
        1
    ].id


async def test_a_request_overlapping_an_approved_one_is_refused(world: World) -> None:
    first = await request(
        world,
        kind=RequestKind.LEAVE,
        leave_type=LeaveType.TRIP,
        first_day=dt.date(2026, 11, 18),
        last_day=dt.date(2026, 11, 20),
        substitute_id=world.staff[1].id,
    )
    await approve(world, first.id)
    with pytest.raises(Conflict) as refused:
        await request(
            world,
            kind=RequestKind.LEAVE,
            leave_type=LeaveType.PERSONAL,
            first_day=dt.date(2026, 11, 20),
            first_session=Session.AFTERNOON,
        )
    assert refused.value.params == {"id": first.id}


async def test_a_missing_punch_is_cleared_by_an_approved_makeup(world: World) -> None:
    await full_day(world, "2026-11-10", times=("08:00", "13:30", "16:30"))
    makeup = await request(
        world,
        kind=RequestKind.MAKEUP,
        first_day=dt.date(2026, 11, 10),
        first_session=Session.MORNING,
        slot=Slot.END,
    )
    await approve(world, makeup.id)
    assert (await sessions(world, dt.date(2026, 11, 10)))[Session.MORNING]["end_mark"] == Mark.CLEARED


async def test_a_makeup_for_a_slot_that_is_not_missing_is_refused(world: World) -> None:
    await full_day(world, "2026-11-10")
    with pytest.raises(InvalidInput):
        await request(
            world,
            kind=RequestKind.MAKEUP,
            first_day=dt.date(2026, 11, 10),
            first_session=Session.MORNING,
            slot=Slot.END,
        )


async def test_the_fourth_makeup_request_in_a_month_is_refused(world: World) -> None:
    days = [dt.date(2026, 11, d) for d in (2, 3, 4, 5)]
    for day in days:
        await full_day(world, day.isoformat(), times=("08:00", "13:30", "16:30"))
    for day in days[:3]:
        await request(
            world, kind=RequestKind.MAKEUP, first_day=day, first_session=Session.MORNING, slot=Slot.END
        )
    with pytest.raises(Conflict) as refused:
        await request(
            world, kind=RequestKind.MAKEUP, first_day=days[3], first_session=Session.MORNING, slot=Slot.END
        )
    assert refused.value.params == {"limit": 3}


async def test_a_refusal_needs_a_reason_and_is_kept_in_the_history(world: World) -> None:
    leave = await request(
        world, kind=RequestKind.LEAVE, leave_type=LeaveType.PERSONAL, first_day=dt.date(2026, 11, 19)
    )
    with pytest.raises(InvalidInput):
        await requests.refuse_request(
            request_id=leave.id, data=RequestDecision(), scope=None, actor_id=world.account_ids[Role.DIRECTOR]
        )
    refused = await requests.refuse_request(
        request_id=leave.id,
        data=RequestDecision(note="窗口人手不足"),
        scope=None,
        actor_id=world.account_ids[Role.DIRECTOR],
    )
    assert refused.status is RequestStatus.REFUSED
    assert refused.history[-1].note == "窗口人手不足"
    with pytest.raises(Conflict):
        await approve(world, leave.id, substitute_id=world.staff[1].id)


async def test_staff_ask_only_for_themselves(world: World) -> None:
    from hall.errors import NotAllowed

    with pytest.raises(NotAllowed):
        await requests.submit_request(
            data=RequestCreate(
                staff_id=world.staff[1].id,
                kind=RequestKind.LEAVE,
                leave_type=LeaveType.SICK,
                first_day=dt.date(2026, 11, 19),
                reason="病",
            ),
            scope=None,
            actor_id=world.account_ids[Role.STAFF],
            own_staff_id=world.staff[0].id,
            now=NOW,
        )


# ---- month close -----------------------------------------------------------------------


async def test_a_closed_month_no_longer_changes(world: World) -> None:
    october = dt.date(2026, 10, 1)
    await full_day(world, "2026-10-12", times=("08:00", "13:30", "16:30"))
    state = await months.close_month(
        hall_id=world.town.id, month=october, scope=None, actor_id=world.account_ids[Role.CLERK], now=NOW
    )
    assert state.closed
    before = await sessions(world, dt.date(2026, 10, 12))
    assert before[Session.MORNING]["final"]

    with pytest.raises(Conflict) as refused:
        await punch(world, "2026-10-12 11:00", source=PunchSource.MANUAL, reason="补录")
    assert str(refused.value) == "2026年10月的考勤已关账，不能再更改"
    late = await punch(world, "2026-10-12 11:00")  # a terminal's late record: kept, not counted
    assert (late.created, late.counted) == (True, False)
    with pytest.raises(Conflict):
        await request(
            world,
            kind=RequestKind.MAKEUP,
            first_day=dt.date(2026, 10, 12),
            first_session=Session.MORNING,
            slot=Slot.END,
        )
    await verdicts.recompute(hall_id=world.town.id, start=october, end=dt.date(2026, 10, 31), now=NOW)
    assert await sessions(world, dt.date(2026, 10, 12)) == before


async def test_reopening_is_a_logged_act(world: World) -> None:
    october = dt.date(2026, 10, 1)
    await months.close_month(
        hall_id=world.town.id, month=october, scope=None, actor_id=world.account_ids[Role.CLERK], now=NOW
    )
    with pytest.raises(Conflict):
        await months.close_month(
            hall_id=world.town.id, month=october, scope=None, actor_id=world.account_ids[Role.CLERK], now=NOW
        )
    state = await months.reopen_month(
        hall_id=world.town.id,
        month=october,
        reason="补录病假",
        scope=None,
        actor_id=world.account_ids[Role.DIRECTOR],
    )
    assert not state.closed
    assert [(event.action, event.reason) for event in state.history] == [
        ("close", ""),
        ("reopen", "补录病假"),
    ]
    assert (await punch(world, "2026-10-12 11:00", source=PunchSource.MANUAL, reason="补录")).counted


async def test_a_month_not_over_cannot_be_closed(world: World) -> None:
    with pytest.raises(InvalidInput):
        await months.close_month(
            hall_id=world.town.id, month=dt.date(2026, 11, 1), scope=None, actor_id=None, now=NOW
        )


async def test_a_month_with_pending_requests_cannot_be_closed(world: World) -> None:
    await full_day(world, "2026-10-12", times=("08:00", "13:30", "16:30"))
    await request(
        world,
        kind=RequestKind.MAKEUP,
        first_day=dt.date(2026, 10, 12),
        first_session=Session.MORNING,
        slot=Slot.END,
    )
    with pytest.raises(Conflict) as refused:
        await months.close_month(
            hall_id=world.town.id, month=dt.date(2026, 10, 1), scope=None, actor_id=None, now=NOW
        )
    assert refused.value.params == {"count": 1}


async def test_another_halls_month_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await months.month_state(
            hall_id=world.other_town.id, month=dt.date(2026, 10, 1), scope=frozenset({world.town.id})
        )


# ---- views ----------------------------------------------------------------------------


async def test_a_persons_month_shows_every_punch_and_the_summary(world: World) -> None:
    await full_day(world, "2026-11-02", times=("06:30", "08:20", "11:00", "13:30", "16:30"))
    month = await verdicts.person_month(
        staff_id=world.staff[0].id, month=dt.date(2026, 11, 1), scope=None, now=NOW
    )
    november_2 = next(day for day in month.days if day.day == dt.date(2026, 11, 2))
    assert [p.session for p in november_2.punches] == [None, "morning", "morning", "afternoon", "afternoon"]
    assert month.summary.late == 1
    # 1-16 November 2026: 11 working days so far, 10 of them without a punch.
    assert month.summary.days_due == 11
    assert month.summary.absent_half_days == 2 * 10 - 0


async def test_the_board_shows_who_is_in_and_who_is_late(world: World) -> None:
    morning = dt.datetime(2026, 11, 16, 9, 0)
    await punch(world, "2026-11-16 07:55", person=0, now=morning)
    await punch(world, "2026-11-16 08:20", person=1, now=morning)
    board = await verdicts.board(hall_id=world.town.id, day=morning.date(), now=morning, scope=None)
    states = {person.staff_name: person.state for window in board.windows for person in window.people}
    assert states == {"王芳": "in", "李强": "late", "张敏": "not_in"}
    assert board.counts["late"] == 1


async def test_a_person_who_left_is_due_until_their_last_day_only(world: World) -> None:
    from hall import services
    from hall.schemas import StaffUpdate

    await services.update_staff(
        staff_id=world.staff[2].id,
        data=StaffUpdate(status="left", left_on=dt.date(2026, 11, 4)),
        scope=None,
        today=NOW.date(),
    )
    november = await verdicts.person_month(
        staff_id=world.staff[2].id, month=dt.date(2026, 11, 1), scope=None, now=NOW
    )
    assert november.summary.days_due == 3  # 2, 3 and 4 November
    december = await verdicts.person_month(
        staff_id=world.staff[2].id, month=dt.date(2026, 12, 1), scope=None, now=NOW
    )
    assert december.summary.days_due == 0  # their own page still opens
    report = await verdicts.month_report(
        hall_id=world.town.id, month=dt.date(2026, 12, 1), scope=None, now=NOW
    )
    assert world.staff[2].id not in {person.staff_id for person in report.people}
    board = await verdicts.board(hall_id=world.town.id, day=NOW.date(), now=NOW, scope=None)
    assert "张敏" not in {person.staff_name for window in board.windows for person in window.people}
