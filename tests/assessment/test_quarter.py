"""A worked quarter for a small hall, computed by hand from RULES.md ("Scores"), and the
recomputation of an attendance finding before and after the director's sign-off.

The hall: window A (民政, 王芳 and 李强), window B (社保, 张敏), window C (不动产, 陈刚). Everyone
punches four times on every working day of 2026-Q3 (summer hours 08:00-11:00, 14:00-17:00)
except where a case below says otherwise.

July        王芳 late on 07-06 (08:16:00): −1 attendance, 王芳 and A.
            张敏 absent on the afternoon of 07-08: −3 attendance, 张敏 and B.
            Inspection of B on 07-20: untidy desk −5 and not cleaned −10: hygiene lost 15,
            capped at 10.
            陈刚 gets three 满意 presses at C.
August      An upheld complaint about 李强 at A (decided 08-05): −5 service, 李强 and A.
            张敏 covers C on 08-10 and is late (08:20:00): −1, C only (a cover worker);
            a 满意 press at C that day is 张敏's.
            Two 不满意 presses for 陈刚 at C on 08-12: −2 each, 陈刚 and C.
September   王芳 leaves at 16:40:00 on 09-15: early leave −1, 王芳 and A.
            Inspection on 09-10 finds 陈刚 away from C: 脱岗 −2, 陈刚 and C.
            张敏 gets one 满意 press at B on 09-08.

Windows     A: 99, 95, 99 → 97.67 (an upheld complaint: 达标, not 优胜)
            B: 87, 100, 100 → 95.67 → 优胜
            C: 100, 95, 98 → 97.67 → 优胜; ties with A and ranks first on fewer upheld
            complaints: C 1st, A 2nd, B 3rd.
People      王芳 99, 100, 99; 李强 100, 95, 100; 张敏 97, 100, 100; 陈刚 100, 96, 98.
Stars       July: 李强 and 陈刚 at 100; 陈刚 has a satisfaction rate, 李强 none → 陈刚.
            August: 王芳 and 张敏 at 100; 张敏 has a rate → 张敏.
            September: 李强 and 张敏 at 100; 张敏 has a rate → 张敏.
            The quarter's proposal: 张敏 (mean 99) over 陈刚 (mean 98).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assessment import evaluations, findings, scores
from assessment.attachments import Limits
from assessment.evaluation_rules import Level
from assessment.schemas import FindingCreate
from assessment.scoring import Grade
from assessment.tables import Finding
from attendance import punches
from attendance.punches import TerminalPunch
from attendance.tables import PunchSource
from complaints import services as complaint_services
from complaints import workflow
from complaints.schemas import ComplaintCreate, DecisionCreate, ReplyCreate
from complaints.tables import ReplyChannel
from devices import registry
from devices.schemas import DeviceCreate
from devices.tables import Device, DeviceKind
from hall import services
from hall.calendar import hall_calendar
from hall.errors import Conflict
from hall.roles import Role
from hall.schemas import CoverCreate, StaffCreate, WindowCreate
from tests.complaints.test_services import viewer
from tests.conftest import World

TZ = dt.timezone(dt.timedelta(hours=8))
LIMITS = Limits(max_bytes=1024 * 1024, max_pixels=20_000_000)
JULY, AUGUST, SEPTEMBER = dt.date(2026, 7, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1)
AFTER_QUARTER = dt.datetime(2026, 10, 12, 10, 0)
SUMMER_DAY = ("07:55:00", "11:02:00", "13:55:00", "17:03:00")
WINTER_DAY = ("07:55:00", "11:02:00", "13:25:00", "16:33:00")


def at(day: str, time: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time))


async def attend(world: World, people: list[int], start: dt.date, end: dt.date, times, changed=None) -> None:
    """Every working day of start..end, four punches a person; `changed` maps (person, day)
    to that day's punches instead."""
    changed = changed or {}
    calendar = await hall_calendar(hall_id=world.town.id, start=start, end=end)
    batch = [
        TerminalPunch(person, dt.datetime.combine(day, dt.time.fromisoformat(time)), PunchSource.FACE, "15")
        for day in calendar.working_days(start, end)
        for person in people
        for time in changed.get((person, day.isoformat()), times)
    ]
    await punches.store_terminal_punches(hall_id=world.town.id, device="T1", punches=batch)


async def press(world: World, window_id: int, moment: dt.datetime, level: Level) -> None:
    """A press on the window's evaluator (registered on its first press)."""
    name = f"评价器{window_id}"
    found = (
        await Device.select(Device.id).where((Device.hall == world.town.id) & (Device.name == name)).first()
    )
    if found is None:
        issued = await registry.register_device(
            data=DeviceCreate(
                hall_id=world.town.id, name=name, kind=DeviceKind.EVALUATOR, window_id=window_id
            ),
            scope=None,
            actor_id=None,
            now=dt.datetime.now(dt.UTC),
        )
        device = issued.device
    else:
        device = await registry.get_device(device_id=found["id"], scope=None)
    await evaluations.record_press(device=device, level=level, pressed_at=moment, now=moment, timezone=TZ)


async def inspect(world: World, day: str, rule: str, window_id: int, staff_id: int | None = None) -> None:
    await findings.record_finding(
        hall_id=world.town.id,
        data=FindingCreate(day=dt.date.fromisoformat(day), rule=rule, window_id=window_id, staff_id=staff_id),
        photo=None,
        limits=LIMITS,
        scope=None,
        actor_id=world.account_ids[Role.INSPECTOR],
        today=dt.date.fromisoformat(day),
    )


async def uphold_complaint(world: World, window_id: int, staff_id: int, received: dt.datetime) -> None:
    officer = await viewer(world, Role.COMPLAINT_OFFICER)
    complaint, _ = await complaint_services.register_complaint(
        data=ComplaintCreate(
            hall_id=world.town.id,
            channel="in_person",
            window_id=window_id,
            staff_id=staff_id,
            content="办理时态度生硬",
            received_at=received,
            complainant_name="陈先生",
            complainant_contact="13800000000",
        ),
        uploads=[],
        viewer=officer,
        now=received,
        limits=LIMITS,
    )
    decided = received + dt.timedelta(days=2)
    await workflow.reply(
        complaint_id=complaint.id,
        data=ReplyCreate(channel=ReplyChannel.PHONE, content="电话告知核查结果"),
        viewer=officer,
        now=decided,
    )
    await workflow.decide(
        complaint_id=complaint.id, data=DecisionCreate(upheld=True), viewer=officer, now=decided
    )


@pytest.fixture
async def quarter(world: World) -> World:
    civil = world.windows[0].department_id
    window_c = await services.create_window(
        data=WindowCreate(hall_id=world.town.id, department_id=civil, number="3", name="不动产窗口"),
        scope=None,
    )
    chen = await services.create_staff(
        data=StaffCreate(hall_id=world.town.id, name="陈刚", staff_number="QS004", window_id=window_c.id),
        scope=None,
    )
    world.windows.append(window_c)
    world.staff.append(chen)
    wang, li, zhang, chen_id = (person.id for person in world.staff)
    a, b, c = (window.id for window in world.windows)
    await services.create_cover(
        data=CoverCreate(
            staff_id=zhang, window_id=c, starts_on=dt.date(2026, 8, 10), ends_on=dt.date(2026, 8, 10)
        ),
        scope=None,
        actor_id=world.account_ids[Role.CLERK],
    )
    changed = {
        (wang, "2026-07-06"): ("08:16:00", "11:02:00", "13:55:00", "17:03:00"),
        (zhang, "2026-07-08"): ("07:55:00", "11:02:00"),
        (zhang, "2026-08-10"): ("08:20:00", "11:02:00", "13:55:00", "17:03:00"),
        (wang, "2026-09-15"): ("07:55:00", "11:02:00", "13:55:00", "16:40:00"),
    }
    await attend(world, [wang, li, zhang, chen_id], JULY, dt.date(2026, 9, 30), SUMMER_DAY, changed)
    await inspect(world, "2026-07-20", "untidy_desk", b)
    await inspect(world, "2026-07-20", "not_cleaned", b)
    for minute in (0, 1, 2):
        await press(world, c, at("2026-07-15", f"10:0{minute}:00"), Level.SATISFIED)
    await uphold_complaint(world, a, li, at("2026-08-03", "09:00:00"))
    await press(world, c, at("2026-08-10", "10:00:00"), Level.SATISFIED)
    await press(world, c, at("2026-08-12", "10:00:00"), Level.DISSATISFIED)
    await press(world, c, at("2026-08-12", "10:05:00"), Level.DISSATISFIED)
    await press(world, b, at("2026-09-08", "10:00:00"), Level.SATISFIED)
    await inspect(world, "2026-09-10", "off_post", c, chen_id)
    return world


async def monthly(world: World, month: dt.date) -> tuple[dict[str, int], dict[str, int], list[str]]:
    read = await scores.month_scores(hall_id=world.town.id, month=month, now=AFTER_QUARTER, scope=None)
    return (
        {line.name: line.total for line in read.windows},
        {line.name: line.total for line in read.people},
        [star.name for star in read.stars],
    )


async def test_a_worked_quarter(quarter: World) -> None:
    world = quarter
    assert await monthly(world, JULY) == (
        {"民政窗口": 99, "社保窗口": 87, "不动产窗口": 100},
        {"王芳": 99, "李强": 100, "张敏": 97, "陈刚": 100},
        ["陈刚"],
    )
    assert await monthly(world, AUGUST) == (
        {"民政窗口": 95, "社保窗口": 100, "不动产窗口": 95},
        {"王芳": 100, "李强": 95, "张敏": 100, "陈刚": 96},
        ["张敏"],
    )
    assert await monthly(world, SEPTEMBER) == (
        {"民政窗口": 99, "社保窗口": 100, "不动产窗口": 98},
        {"王芳": 99, "李强": 100, "张敏": 100, "陈刚": 98},
        ["张敏"],
    )

    report = await scores.quarter_report(hall_id=world.town.id, quarter=JULY, now=AFTER_QUARTER, scope=None)
    assert [
        (line.rank, line.window_name, line.monthly, line.score, line.upheld_complaints, line.grade)
        for line in report.lines
    ] == [
        (1, "不动产窗口", [100, 95, 98], Decimal("97.67"), 0, Grade.EXCELLENT),
        (2, "民政窗口", [99, 95, 99], Decimal("97.67"), 1, Grade.STANDARD),
        (3, "社保窗口", [87, 100, 100], Decimal("95.67"), 0, Grade.EXCELLENT),
    ]
    by_window = {line.window_name: line for line in report.lines}
    assert (by_window["不动产窗口"].evaluations, by_window["不动产窗口"].satisfied) == (6, 4)
    assert [(star.month, star.staff_name) for star in report.monthly_stars] == [
        (JULY, "陈刚"),
        (AUGUST, "张敏"),
        (SEPTEMBER, "张敏"),
    ]
    assert report.proposed_star is not None
    assert (report.proposed_star.staff_name, report.proposed_star.score) == ("张敏", Decimal("99.00"))
    assert report.unsigned_months == [JULY, AUGUST, SEPTEMBER]


async def test_the_hygiene_category_loses_no_more_than_its_cap(quarter: World) -> None:
    world = quarter
    month = await scores.subject_month(
        hall_id=world.town.id, month=JULY, now=AFTER_QUARTER, window_id=world.windows[1].id
    )
    hygiene = next(c for c in month.score.categories if c.category == "hygiene")
    assert (hygiene.cap, hygiene.deducted, hygiene.counted, hygiene.score) == (10, 15, 10, 0)
    attendance = next(c for c in month.score.categories if c.category == "attendance")
    assert (attendance.deducted, attendance.score) == (3, 27)
    assert sorted(f.rule for f in month.findings) == ["absent", "not_cleaned", "untidy_desk"]


async def test_a_cover_workers_finding_counts_against_the_window_only(quarter: World) -> None:
    world = quarter
    zhang = world.staff[2].id
    # The automatic findings are made when the month is read (or by the nightly job).
    await scores.month_scores(hall_id=world.town.id, month=AUGUST, now=AFTER_QUARTER, scope=None)
    late = (
        await Finding.select()
        .where((Finding.staff == zhang) & (Finding.day == dt.date(2026, 8, 10)) & (Finding.rule == "late"))
        .first()
    )
    assert late is not None
    assert (late["window"], late["for_person"], late["for_window"]) == (world.windows[2].id, False, True)


async def test_publishing_needs_the_three_months_signed_off_and_then_freezes_the_ranking(
    quarter: World,
) -> None:
    world = quarter
    director = world.account_ids[Role.DIRECTOR]
    with pytest.raises(Conflict):
        await scores.publish_quarter(
            hall_id=world.town.id,
            quarter=JULY,
            star_staff_id=None,
            actor_id=director,
            now=AFTER_QUARTER,
            scope=None,
        )
    for month in (JULY, AUGUST, SEPTEMBER):
        await scores.sign_off(
            hall_id=world.town.id, month=month, actor_id=director, now=AFTER_QUARTER, scope=None
        )
    published = await scores.publish_quarter(
        hall_id=world.town.id,
        quarter=JULY,
        star_staff_id=None,
        actor_id=director,
        now=AFTER_QUARTER,
        scope=None,
    )
    assert published.published and published.star is not None and published.star.staff_name == "张敏"
    assert [line.window_name for line in published.lines] == ["不动产窗口", "民政窗口", "社保窗口"]
    # A finding in a signed-off month is refused; the published ranking stays as it was.
    with pytest.raises(Conflict):
        await inspect(world, "2026-09-11", "no_badge", world.windows[2].id, world.staff[3].id)
    again = await scores.quarter_report(hall_id=world.town.id, quarter=JULY, now=AFTER_QUARTER, scope=None)
    assert again.lines == published.lines
    with pytest.raises(Conflict):
        await scores.publish_quarter(
            hall_id=world.town.id,
            quarter=JULY,
            star_staff_id=None,
            actor_id=director,
            now=AFTER_QUARTER,
            scope=None,
        )


async def test_a_countys_quarters_read_together_are_each_halls_own(quarter: World) -> None:
    """The county's ranking reads every hall's quarter at once: nothing of one hall reaches
    another's; a hall that has published is read as published, one that has not as its
    ledger stands (赵丽 of the other town never punched: absent all quarter)."""
    world = quarter
    director = world.account_ids[Role.DIRECTOR]
    for month in (JULY, AUGUST, SEPTEMBER):
        await scores.sign_off(
            hall_id=world.town.id, month=month, actor_id=director, now=AFTER_QUARTER, scope=None
        )
    await scores.publish_quarter(
        hall_id=world.town.id,
        quarter=JULY,
        star_staff_id=None,
        actor_id=director,
        now=AFTER_QUARTER,
        scope=None,
    )
    town, other = world.town.id, world.other_town.id
    together = await scores.quarter_reports(hall_ids=[town, other], quarter=JULY, now=AFTER_QUARTER)
    for hall_id in (town, other):
        alone = await scores.quarter_report(hall_id=hall_id, quarter=JULY, now=AFTER_QUARTER, scope=None)
        assert together[hall_id] == alone
    assert together[town].published and not together[other].published
    assert [line.window_name for line in together[town].lines] == ["不动产窗口", "民政窗口", "社保窗口"]
    (line,) = together[other].lines
    assert line.window_id == world.other_window.id and max(line.monthly) < 100
    assert [star.staff_name for star in together[other].monthly_stars] == ["赵丽"] * 3


# ---- recomputation ------------------------------------------------------------------------------


async def test_a_late_punch_changes_the_finding_before_sign_off_and_nothing_after(world: World) -> None:
    """王芳 forgot her afternoon end punch on 10-14 and 10-15 (缺卡, −1 each). The terminal
    uploads the 10-14 punch late: the finding is reversed and the score mended. The director
    signs October off; the 10-15 punch arriving afterwards changes nothing."""
    wang = world.staff[0].id
    october, now = dt.date(2026, 10, 1), dt.datetime(2026, 11, 12, 10, 0)
    morning_only = WINTER_DAY[:3]
    await attend(
        world,
        [person.id for person in world.staff],
        october,
        dt.date(2026, 10, 31),
        WINTER_DAY,
        {(wang, "2026-10-14"): morning_only, (wang, "2026-10-15"): morning_only},
    )

    async def wang_month():
        return await scores.subject_month(hall_id=world.town.id, month=october, now=now, staff_id=wang)

    before = await wang_month()
    assert before.score.total == 98
    assert [(f.day.isoformat(), f.rule, f.effect) for f in before.findings] == [
        ("2026-10-14", "missing_punch", -1),
        ("2026-10-15", "missing_punch", -1),
    ]

    late = [TerminalPunch(wang, at("2026-10-14", "16:35:00"), PunchSource.FACE, "15")]
    await punches.store_terminal_punches(hall_id=world.town.id, device="T1", punches=late)
    mended = await wang_month()
    assert mended.score.total == 99
    # The reversal is listed on the day it reverses, after the finding.
    reversal = mended.findings[1]
    assert (reversal.reverses_id, reversal.effect, reversal.reason) == (
        mended.findings[0].id,
        1,
        findings.SYNC_REASONS[findings.Source.ATTENDANCE],
    )
    assert mended.findings[0].reversed_by_id == reversal.id

    await scores.sign_off(
        hall_id=world.town.id, month=october, actor_id=world.account_ids[Role.DIRECTOR], now=now, scope=None
    )
    ledger_size = await Finding.count()
    later = [TerminalPunch(wang, at("2026-10-15", "16:35:00"), PunchSource.FACE, "15")]
    await punches.store_terminal_punches(hall_id=world.town.id, device="T1", punches=later)
    frozen = await wang_month()
    assert frozen.signed_off and frozen.score.total == 99
    assert await Finding.count() == ledger_size
