"""The ledger on the real database: what an inspector may enter and what is refused, the
director's reversals, automatic findings kept in step with complaints and presses, the rule
catalogue's dated changes, self-assessments and the nightly job."""

from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image

from assessment import demo as assessment_demo
from assessment import findings, jobs, rule_settings, scores, self_assessments
from assessment.attachments import Upload
from assessment.evaluation_rules import Level
from assessment.schemas import FindingCreate, ReversalCreate, RuleWrite, SelfAssessmentWrite
from assessment.tables import Finding, LedgerSync
from attendance import demo as attendance_demo
from attendance.tables import Verdict
from complaints import workflow
from hall import demo, services
from hall.errors import Conflict, InvalidInput
from hall.roles import Role
from hall.schemas import CoverCreate
from hall.tables import Hall
from tests.assessment.test_quarter import LIMITS, WINTER_DAY, at, attend, press, uphold_complaint
from tests.complaints.test_services import viewer
from tests.conftest import World

TODAY = dt.date(2026, 11, 18)
NOW = dt.datetime(2026, 11, 18, 15, 0)
NOVEMBER = dt.date(2026, 11, 1)


async def enter(
    world: World, *, day: dt.date = TODAY, rule: str = "no_badge", window: int = 0, person=0, **fields
):
    staff_id = None if person is None else world.staff[person].id
    return await findings.record_finding(
        hall_id=world.town.id,
        data=FindingCreate(
            day=day,
            rule=rule,
            window_id=fields.pop("window_id", world.windows[window].id),
            staff_id=staff_id,
            **fields,
        ),
        photo=fields.pop("photo", None),
        limits=LIMITS,
        scope=frozenset({world.town.id}),
        actor_id=world.account_ids[Role.INSPECTOR],
        today=TODAY,
    )


async def refused(world: World, field: str, **fields) -> str:
    before = await Finding.count()
    with pytest.raises(InvalidInput) as error:
        await enter(world, **fields)
    assert await Finding.count() == before
    (problem,) = error.value.errors
    assert problem.field == field
    return problem.message.format(**problem.params)


@pytest.fixture(autouse=True)
async def present(world: World) -> None:
    """Everyone punched on every working day of November before today: the only findings
    are those a test makes."""
    await attend(
        world, [person.id for person in world.staff], NOVEMBER, TODAY - dt.timedelta(days=1), WINTER_DAY
    )


# ---- entering ----------------------------------------------------------------------------------


async def test_an_inspection_finding_counts_against_the_person_and_the_window(world: World) -> None:
    finding = await enter(world, evidence="上午10点巡查未佩证")
    assert (finding.rule_name, finding.effect, finding.for_person, finding.for_window) == (
        "未佩戴工作证",
        -1,
        True,
        True,
    )
    assert finding.entered_by == Role.INSPECTOR.label


async def test_a_person_not_at_that_window_that_day_is_refused(world: World) -> None:
    # 张敏 works at window 2, not window 1.
    assert await refused(world, "staff_id", person=2) == "这一天不在这个窗口"


async def test_a_cover_worker_is_at_the_window_they_cover_and_counts_for_it_only(world: World) -> None:
    await services.create_cover(
        data=CoverCreate(
            staff_id=world.staff[2].id, window_id=world.windows[0].id, starts_on=TODAY, ends_on=TODAY
        ),
        scope=None,
        actor_id=world.account_ids[Role.CLERK],
    )
    finding = await enter(world, person=2)
    assert (finding.for_person, finding.for_window) == (False, True)
    assert await refused(world, "staff_id", person=2, window=1) == "这一天不在这个窗口"


async def test_points_outside_the_rules_range_are_refused(world: World) -> None:
    assert await refused(world, "points", rule="untidy_desk", points=6) == "应在 1 到 5 分之间"
    assert (await enter(world, rule="untidy_desk", points=3)).effect == -3


async def test_an_automatic_rule_or_an_unknown_one_cannot_be_entered(world: World) -> None:
    for rule in ("late", "complaint_upheld", "dissatisfied", "nonsense"):
        assert await refused(world, "rule", rule=rule) == "没有这个可录入的扣分项"


async def test_a_window_of_another_hall_and_a_day_to_come_are_refused(world: World) -> None:
    assert (
        await refused(world, "window_id", window_id=world.other_window.id, person=None) == "不是本中心的窗口"
    )
    assert await refused(world, "day", day=TODAY + dt.timedelta(days=1)) == "不能晚于今天"


async def test_a_rule_for_the_person_needs_the_person_and_a_window_rule_counts_for_the_window_only(
    world: World,
) -> None:
    finding = await enter(world, rule="not_cleaned")
    assert (finding.for_person, finding.for_window) == (False, True)


async def test_a_photo_is_kept_and_a_file_that_is_not_an_image_is_refused(world: World, tmp_path) -> None:
    image = tmp_path / "desk.jpg"
    Image.new("RGB", (64, 48), "white").save(image)
    finding = await enter(world, rule="untidy_desk", photo=Upload("desk.jpg", image.read_bytes()))
    path, content_type = await findings.finding_photo(finding_id=finding.id, scope=None)
    assert finding.has_photo and content_type == "image/jpeg" and path.startswith("findings/")
    with pytest.raises(InvalidInput):
        await enter(world, rule="untidy_desk", photo=Upload("desk.jpg", b"%PDF-1.4 not a photo"))
    assert await Finding.count() == 1


async def test_a_finding_in_a_signed_off_month_is_refused(world: World) -> None:
    october = dt.date(2026, 10, 1)
    await scores.sign_off(
        hall_id=world.town.id, month=october, actor_id=world.account_ids[Role.DIRECTOR], now=NOW, scope=None
    )
    with pytest.raises(Conflict) as error:
        await enter(world, day=dt.date(2026, 10, 20))
    assert error.value.message == "{year}年{month}月的考核已签发，不能再更改"


async def test_a_month_is_signed_off_once_and_only_after_it_ends(world: World) -> None:
    director = world.account_ids[Role.DIRECTOR]
    with pytest.raises(Conflict):
        await scores.sign_off(hall_id=world.town.id, month=NOVEMBER, actor_id=director, now=NOW, scope=None)
    await scores.sign_off(
        hall_id=world.town.id, month=dt.date(2026, 10, 1), actor_id=director, now=NOW, scope=None
    )
    with pytest.raises(Conflict):
        await scores.sign_off(
            hall_id=world.town.id, month=dt.date(2026, 10, 1), actor_id=director, now=NOW, scope=None
        )


# ---- reversing ---------------------------------------------------------------------------------


async def test_the_director_reverses_a_finding_with_a_reason_once(world: World) -> None:
    finding = await enter(world)
    director = world.account_ids[Role.DIRECTOR]
    with pytest.raises(InvalidInput):
        ReversalCreate(reason="  ")
    reversed_finding = await findings.reverse_finding(
        finding_id=finding.id,
        data=ReversalCreate(reason="当事人当天佩证，系误记"),
        scope=None,
        actor_id=director,
    )
    assert reversed_finding.reversed_by_id is not None
    with pytest.raises(Conflict):
        await findings.reverse_finding(
            finding_id=finding.id, data=ReversalCreate(reason="再撤一次"), scope=None, actor_id=director
        )
    with pytest.raises(Conflict):
        await findings.reverse_finding(
            finding_id=reversed_finding.reversed_by_id,
            data=ReversalCreate(reason="撤销撤销"),
            scope=None,
            actor_id=director,
        )
    month = await scores.subject_month(
        hall_id=world.town.id, month=NOVEMBER, now=NOW, staff_id=world.staff[0].id
    )
    assert month.score.total == 100 and len(month.findings) == 2


async def test_an_automatic_finding_reversed_by_the_director_stays_reversed(world: World) -> None:
    await press(world, world.windows[1].id, at("2026-11-16", "10:00:00"), Level.DISSATISFIED)
    month = await scores.subject_month(
        hall_id=world.town.id, month=NOVEMBER, now=NOW, window_id=world.windows[1].id
    )
    (finding,) = month.findings
    assert (finding.rule, finding.effect) == ("dissatisfied", -2)
    await findings.reverse_finding(
        finding_id=finding.id,
        data=ReversalCreate(reason="评价器故障，误按"),
        scope=None,
        actor_id=world.account_ids[Role.DIRECTOR],
    )
    again = await scores.subject_month(
        hall_id=world.town.id, month=NOVEMBER, now=NOW, window_id=world.windows[1].id
    )
    assert again.score.total == 100 and len(again.findings) == 2


# ---- complaints ------------------------------------------------------------------------------------


async def test_a_reopened_complaint_withdraws_its_finding_from_the_ledger(world: World) -> None:
    await uphold_complaint(world, world.windows[0].id, world.staff[1].id, at("2026-11-09", "09:00:00"))
    person = world.staff[1].id
    month = await scores.subject_month(hall_id=world.town.id, month=NOVEMBER, now=NOW, staff_id=person)
    assert [(f.rule, f.effect, f.source) for f in month.findings] == [("complaint_upheld", -5, "complaint")]
    complaint_id = month.findings[0].complaint_id
    await workflow.reopen(
        complaint_id=complaint_id,
        reason="投诉人提供新情况",
        viewer=await viewer(world, Role.COMPLAINT_OFFICER),
        now=NOW,
    )
    month = await scores.subject_month(hall_id=world.town.id, month=NOVEMBER, now=NOW, staff_id=person)
    assert month.score.total == 100
    assert month.findings[-1].reason == findings.SYNC_REASONS[findings.Source.COMPLAINT]


async def test_the_upheld_complaint_deducts_what_the_halls_rule_says(world: World) -> None:
    await rule_settings.change_rule(
        hall_id=world.town.id,
        data=RuleWrite(
            code="complaint_upheld",
            name="有效投诉",
            category="service",
            points=8,
            min_points=8,
            max_points=8,
            effective_from=dt.date(2026, 11, 2),
        ),
        scope=None,
        actor_id=world.account_ids[Role.DIRECTOR],
        today=dt.date(2026, 11, 1),
    )
    await uphold_complaint(world, world.windows[0].id, world.staff[1].id, at("2026-11-09", "09:00:00"))
    month = await scores.subject_month(
        hall_id=world.town.id, month=NOVEMBER, now=NOW, window_id=world.windows[0].id
    )
    assert month.score.total == 92


# ---- the catalogue ---------------------------------------------------------------------------------


def rule(**fields) -> RuleWrite:
    values = dict(
        code="phone_at_desk",
        name="工作时间玩手机",
        category="discipline",
        points=2,
        min_points=1,
        max_points=5,
        effective_from=TODAY,
    )
    return RuleWrite(**{**values, **fields})


async def change(world: World, data: RuleWrite):
    return await rule_settings.change_rule(
        hall_id=world.town.id, data=data, scope=None, actor_id=world.account_ids[Role.DIRECTOR], today=TODAY
    )


async def test_a_hall_adds_a_rule_from_today_and_inspectors_can_use_it(world: World) -> None:
    added = await change(world, rule())
    assert added.manual and added.effective_from == TODAY
    assert (await enter(world, rule="phone_at_desk", points=4)).effect == -4
    with pytest.raises(InvalidInput):
        await enter(world, rule="phone_at_desk", day=TODAY - dt.timedelta(days=1))


async def test_a_rule_change_never_applies_to_the_past(world: World) -> None:
    with pytest.raises(InvalidInput) as error:
        await change(world, rule(effective_from=TODAY - dt.timedelta(days=1)))
    assert error.value.errors[0].field == "effective_from"


async def test_points_outside_their_own_range_and_an_automatic_rule_made_a_bonus_are_refused(
    world: World,
) -> None:
    with pytest.raises(InvalidInput):
        rule(points=6)
    with pytest.raises(InvalidInput):
        await change(
            world, rule(code="late", name="迟到", category="attendance", points=1, min_points=1, bonus=True)
        )


async def test_a_rule_turned_off_stops_its_automatic_findings(world: World) -> None:
    await change(
        world,
        rule(
            code="dissatisfied",
            name="评价器不满意",
            category="service",
            points=2,
            min_points=2,
            max_points=2,
            active=False,
        ),
    )
    await press(world, world.windows[1].id, at("2026-11-18", "10:00:00"), Level.DISSATISFIED)
    month = await scores.subject_month(
        hall_id=world.town.id, month=NOVEMBER, now=NOW, window_id=world.windows[1].id
    )
    assert month.findings == [] and month.score.total == 100


# ---- self-assessment ---------------------------------------------------------------------------------


async def file(world: World, window: int, now: dt.datetime, **points):
    return await self_assessments.file_self_assessment(
        window_id=world.windows[window].id,
        month=dt.date(2026, 10, 1),
        data=SelfAssessmentWrite(text="本月无违纪，卫生有一次未达标", **points),
        actor_id=world.account_ids[Role.STAFF],
        now=now,
        scope=frozenset({world.town.id}),
    )


async def test_a_self_assessment_is_due_by_the_5th_and_late_or_missing_ones_are_listed(world: World) -> None:
    on_time = await file(world, 0, dt.datetime(2026, 11, 5, 23, 59), hygiene=2)
    assert (on_time.total, on_time.late, on_time.due_on) == (98, False, dt.date(2026, 11, 5))
    listed = await self_assessments.month_self_assessments(
        hall_id=world.town.id, month=dt.date(2026, 10, 1), today=TODAY
    )
    assert [(item.window_name, item.filed, item.late) for item in listed] == [
        ("民政窗口", True, False),
        ("社保窗口", False, True),
    ]
    late = await file(world, 1, dt.datetime(2026, 11, 6, 8, 0))
    assert late.late and late.total == 100


async def test_a_self_assessment_cannot_lose_more_than_a_category_has(world: World) -> None:
    with pytest.raises(InvalidInput) as error:
        await file(world, 0, NOW, hygiene=11)
    assert error.value.errors[0].field == "hygiene"


# ---- the nightly job ----------------------------------------------------------------------------------


async def test_the_nightly_job_brings_the_ledger_up_to_date_without_a_page_being_read(world: World) -> None:
    await press(world, world.windows[1].id, at("2026-11-16", "10:00:00"), Level.VERY_DISSATISFIED)
    assert await Finding.count() == 0
    await jobs.sync_assessment_findings({}, local_now=NOW)
    assert await Finding.count().where(Finding.rule == "dissatisfied") == 1
    await jobs.sync_assessment_findings({}, local_now=NOW)
    assert await Finding.count().where(Finding.rule == "dissatisfied") == 1


# ---- the demo ------------------------------------------------------------------------------------------


async def test_the_demo_hall_gets_its_inspections_once_and_its_month_scores() -> None:
    await demo.load_demo()
    await attendance_demo.load_demo_attendance(now=NOW)
    assert await assessment_demo.load_demo_assessment(now=NOW) == len(assessment_demo.INSPECTIONS)
    assert await assessment_demo.load_demo_assessment(now=NOW) == 0
    town = await Hall.select(Hall.id).where(Hall.code == demo.TOWN_CODE).first()
    overview = await scores.month_scores(hall_id=town["id"], month=NOVEMBER, now=NOW, scope=None)
    sources = {
        row["source"] for row in await Finding.select(Finding.source).where(Finding.hall == town["id"])
    }
    assert sources == {"manual", "attendance"}
    assert len(overview.windows) == len(demo.WINDOWS) and overview.stars
    assert min(line.total for line in overview.windows) < 100


# ---- reading without re-reading ---------------------------------------------------------------------------


async def test_a_read_with_no_source_changed_leaves_the_ledger_alone_and_a_change_is_seen(
    world: World,
) -> None:
    window = world.windows[1].id

    async def read():
        return await scores.subject_month(hall_id=world.town.id, month=NOVEMBER, now=NOW, window_id=window)

    async def mark() -> dt.datetime:
        row = (
            await LedgerSync.select(LedgerSync.synced_at)
            .where((LedgerSync.hall == world.town.id) & (LedgerSync.month == NOVEMBER))
            .first()
        )
        return row["synced_at"]

    assert (await read()).findings == []
    # As if the last sync and the verdicts were an hour old.
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    await LedgerSync.update({LedgerSync.synced_at: an_hour_ago}).where(LedgerSync.hall == world.town.id)
    await Verdict.update({Verdict.computed_at: an_hour_ago - dt.timedelta(hours=1)}).where(
        Verdict.hall == world.town.id
    )
    await read()
    assert abs(await mark() - an_hour_ago) < dt.timedelta(seconds=1)  # nothing was read again

    await press(world, window, at("2026-11-17", "10:00:00"), Level.DISSATISFIED)
    assert [f.rule for f in (await read()).findings] == ["dissatisfied"]
    assert await mark() > an_hour_ago


async def test_a_change_in_one_hall_marks_that_halls_month_only(world: World) -> None:
    halls = [world.town.id, world.other_town.id]
    assert await findings.unsynced(hall_ids=halls, months=[NOVEMBER]) == {
        (world.town.id, NOVEMBER),
        (world.other_town.id, NOVEMBER),
    }  # never synced
    await scores.bring_up_to_date(hall_ids=halls, months=[NOVEMBER], now=NOW)
    # As if the sync and the verdicts were an hour old.
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    await LedgerSync.update({LedgerSync.synced_at: an_hour_ago}).where(LedgerSync.id > 0)
    await Verdict.update({Verdict.computed_at: an_hour_ago - dt.timedelta(hours=1)}).where(Verdict.id > 0)
    assert await findings.unsynced(hall_ids=halls, months=[NOVEMBER]) == set()

    await press(world, world.windows[1].id, at("2026-11-17", "10:00:00"), Level.DISSATISFIED)
    assert await findings.unsynced(hall_ids=halls, months=[NOVEMBER]) == {(world.town.id, NOVEMBER)}
    await scores.bring_up_to_date(hall_ids=halls, months=[NOVEMBER], now=NOW)
    assert await Finding.count().where(Finding.rule == "dissatisfied") == 1
