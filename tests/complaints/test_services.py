"""The complaint services on a real database: intake with its deadline, the whole workflow,
extensions, findings for the assessment, reopening, who may read what, statistics."""

from __future__ import annotations

import datetime as dt

import pytest

from complaints import attachments, services, statistics, workflow
from complaints import demo as complaints_demo
from complaints.access import Viewer
from complaints.deadlines import ComplaintClass
from complaints.schemas import (
    HIDDEN,
    AssignmentCreate,
    AssignRequest,
    ComplaintCreate,
    DecisionCreate,
    ExtensionCreate,
    FollowUpCreate,
    ReplyCreate,
    ReportCreate,
)
from complaints.tables import (
    Complaint,
    ComplaintAttachment,
    ComplaintFinding,
    IdentityView,
    ReplyChannel,
    Sanction,
    Satisfaction,
    State,
)
from hall import demo
from hall.errors import Conflict, InvalidInput, NotAllowed, NotFound
from hall.roles import Role
from hall.services import hall_scope, list_departments
from tests.conftest import World

LIMITS = attachments.Limits(max_bytes=1024 * 1024, max_pixels=20_000_000)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# The RULES.md example: a general complaint taken at 16:59 on the day before National Day.
EVE_OF_NATIONAL_DAY = dt.datetime(2026, 9, 30, 16, 59)
LATER = dt.datetime(2026, 11, 23, 10, 0)


async def viewer(world: World, role: Role) -> Viewer:
    hall_id = None if role == Role.ADMIN else world.town.id
    return Viewer(
        account_id=world.account_ids[role],
        role=role,
        scope=await hall_scope(hall_id=hall_id),
        window_id=world.windows[0].id if role == Role.STAFF else None,
        client="127.0.0.1",
        place="test",
    )


async def register(world: World, *, received_at: dt.datetime = EVE_OF_NATIONAL_DAY, uploads=(), **fields):
    data = ComplaintCreate(
        hall_id=world.town.id,
        channel=fields.pop("channel", "in_person"),
        window_id=fields.pop("window_id", world.windows[0].id),
        staff_id=fields.pop("staff_id", world.staff[0].id),
        content=fields.pop("content", "办理低保证明时态度生硬"),
        received_at=received_at,
        complainant_name="陈先生",
        complainant_contact="13800000000",
        **fields,
    )
    return await services.register_complaint(
        data=data,
        uploads=list(uploads),
        viewer=await viewer(world, Role.COMPLAINT_OFFICER),
        now=LATER,
        limits=LIMITS,
    )


# ---- intake ----------------------------------------------------------------------------------------


async def test_a_general_complaint_taken_on_the_eve_of_national_day_is_due_after_the_holiday(
    world: World,
) -> None:
    read, code = await register(world)
    assert read.due_at == read.original_due_at == dt.datetime(2026, 10, 8, 16, 30)
    assert read.target_at == dt.datetime(2026, 9, 30, 17, 0)
    assert read.state == State.REGISTERED and read.complaint_class == ComplaintClass.GENERAL
    assert read.number.startswith("TS20260930") and len(code) == 8
    assert any("国庆节" in line for line in read.deadline_explanation)
    assert any("16:30" in line for line in read.deadline_explanation)


async def test_an_answer_on_the_spot_is_a_valid_outcome(world: World) -> None:
    read, _ = await register(world, on_the_spot_reply="当场解释了办理流程，投诉人表示理解")
    assert read.state == State.REPLIED and read.replied_at == EVE_OF_NATIONAL_DAY
    assert read.on_time is True
    assert [reply.channel for reply in read.replies] == [ReplyChannel.ON_THE_SPOT]


async def test_a_petition_visit_has_three_working_days(world: World) -> None:
    read, _ = await register(world, complaint_class="petition")
    # 10-08 (Thu), 10-09 (Fri), 10-10 (the make-up Saturday).
    assert read.due_at == dt.datetime(2026, 10, 10, 16, 30)
    assert read.target_at is None


async def test_a_serious_matter_needs_a_written_record(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await register(world, serious=True)
    assert "书面材料" in refused.value.errors[0].message
    assert await Complaint.count() == 0
    read, _ = await register(world, serious=True, uploads=[attachments.Upload("笔录.pdf", PDF)])
    assert [a.content_type for a in read.attachments] == ["application/pdf"]


async def test_an_attachment_is_checked_by_its_content_and_nothing_is_half_written(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await register(
            world,
            uploads=[attachments.Upload("scan.pdf", PDF), attachments.Upload("photo.jpg", b"just some text")],
        )
    assert "photo.jpg" in str(refused.value.errors[0].params)
    assert await Complaint.count() == 0 and await ComplaintAttachment.count() == 0
    too_big = attachments.Upload("big.pdf", PDF + b"0" * LIMITS.max_bytes)
    with pytest.raises(InvalidInput):
        await register(world, uploads=[too_big])


@pytest.mark.parametrize(
    ("field", "subject"),
    [("window_id", "other_window"), ("staff_id", "other_staff")],
)
async def test_the_subject_must_belong_to_the_hall(world: World, field: str, subject: str) -> None:
    with pytest.raises(InvalidInput):
        await register(world, **{field: getattr(world, subject).id})
    assert await Complaint.count() == 0


async def test_the_person_must_work_at_the_window_complained_about(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await register(world, window_id=world.windows[1].id, staff_id=world.staff[0].id)
    assert refused.value.errors[0].message == "该人员不在所选窗口"


async def test_only_the_desk_registers(world: World) -> None:
    data = ComplaintCreate(hall_id=world.town.id, channel="phone", content="电话无人接听")
    with pytest.raises(NotAllowed):
        await services.register_complaint(
            data=data, uploads=[], viewer=await viewer(world, Role.CLERK), now=LATER, limits=LIMITS
        )


# ---- the workflow ------------------------------------------------------------------------------------


async def test_the_whole_way_from_registered_to_closed_and_reopened(world: World) -> None:
    read, _ = await register(world)
    officer = await viewer(world, Role.COMPLAINT_OFFICER)
    now = dt.datetime(2026, 10, 8, 9, 0)

    # Two units make it complex: five working days from the receipt, the make-up Saturday counted.
    read = await workflow.assign(
        complaint_id=read.id,
        data=AssignRequest(
            units=[
                AssignmentCreate(window_id=world.windows[0].id, part="核实窗口人员态度"),
                AssignmentCreate(department_id=(await _department(world)), part="调取监控"),
            ]
        ),
        viewer=officer,
        now=now,
    )
    assert read.state == State.ASSIGNED and read.complaint_class == ComplaintClass.COMPLEX
    assert read.due_at == read.original_due_at == dt.datetime(2026, 10, 13, 16, 30)
    assert [unit.due_at for unit in read.units] == [read.due_at, read.due_at]

    # The window's own staff report their part; the other window's cannot.
    staff = await viewer(world, Role.STAFF)
    read = await workflow.report(
        complaint_id=read.id,
        unit_id=read.units[0].id,
        data=ReportCreate(report="已约谈当事人"),
        viewer=staff,
        now=now,
    )
    assert read.units[0].reported_at == now and read.complainant_name == HIDDEN
    with pytest.raises(NotAllowed):
        await workflow.report(
            complaint_id=read.id,
            unit_id=read.units[1].id,
            data=ReportCreate(report="x"),
            viewer=staff,
            now=now,
        )

    with pytest.raises(Conflict):  # a finding comes after the answer
        await workflow.decide(complaint_id=read.id, data=DecisionCreate(upheld=True), viewer=officer, now=now)

    read = await workflow.reply(
        complaint_id=read.id,
        data=ReplyCreate(channel=ReplyChannel.PHONE, content="电话告知核查结果并致歉"),
        viewer=officer,
        now=dt.datetime(2026, 10, 12, 15, 0),
    )
    assert read.state == State.REPLIED and read.on_time is True

    read = await workflow.decide(
        complaint_id=read.id,
        data=DecisionCreate(upheld=True, sanction=Sanction.NOTICE, note="态度生硬属实"),
        viewer=await viewer(world, Role.DIRECTOR),
        now=dt.datetime(2026, 10, 12, 16, 0),
    )
    assert read.upheld is True and read.state == State.DECIDED
    findings = await ComplaintFinding.select().where(ComplaintFinding.complaint == read.id)
    assert [(f["window"], f["staff"], f["points"], f["sanction"], f["day"]) for f in findings] == [
        (world.windows[0].id, world.staff[0].id, 5, "notice", dt.date(2026, 10, 12))
    ]

    read = await workflow.close(complaint_id=read.id, note="", viewer=officer, now=now)
    read = await workflow.follow_up(
        complaint_id=read.id,
        data=FollowUpCreate(satisfaction=Satisfaction.SATISFIED),
        viewer=officer,
        now=now,
    )
    assert (read.state, read.satisfaction) == (State.CLOSED, Satisfaction.SATISFIED)

    reopen_at = dt.datetime(2026, 10, 14, 10, 0)
    read = await workflow.reopen(
        complaint_id=read.id, reason="投诉人提供了新的录音", viewer=officer, now=reopen_at
    )
    assert read.state == State.ASSIGNED and read.upheld is None
    assert read.original_due_at == dt.datetime(2026, 10, 13, 16, 30)
    assert read.due_at == dt.datetime(2026, 10, 21, 16, 30)  # five working days from the reopening
    assert read.findings[0].withdrawn
    assert [event.action for event in read.history][-1] == "reopened"


async def _department(world: World) -> int:
    return (await list_departments())[0].id


async def test_an_extension_keeps_the_original_deadline_and_counts_as_extended(world: World) -> None:
    read, _ = await register(world)
    officer = await viewer(world, Role.COMPLAINT_OFFICER)
    with pytest.raises(InvalidInput):
        await workflow.extend(
            complaint_id=read.id,
            data=ExtensionCreate(new_due_at=read.due_at, reason="需调取录像", told_by=ReplyChannel.PHONE),
            viewer=officer,
            now=LATER,
        )
    read = await workflow.extend(
        complaint_id=read.id,
        data=ExtensionCreate(
            new_due_at=dt.datetime(2026, 10, 15, 16, 30),
            reason="需调取录像",
            told_by=ReplyChannel.PHONE,
            told_note="10月8日上午电话告知投诉人",
        ),
        viewer=officer,
        now=dt.datetime(2026, 10, 8, 9, 0),
    )
    assert (read.original_due_at, read.due_at) == (
        dt.datetime(2026, 10, 8, 16, 30),
        dt.datetime(2026, 10, 15, 16, 30),
    )
    assert read.extended and read.extensions[0].told_note == "10月8日上午电话告知投诉人"
    read = await workflow.reply(
        complaint_id=read.id,
        data=ReplyCreate(
            channel=ReplyChannel.WRITTEN, content="书面答复", replied_at=dt.datetime(2026, 10, 14, 9, 0)
        ),
        viewer=officer,
        now=dt.datetime(2026, 10, 14, 9, 0),
    )
    assert read.on_time is False and not read.overdue


async def test_overdue_is_right_when_read_with_no_job_having_run(world: World) -> None:
    read, _ = await register(world)
    officer = await viewer(world, Role.COMPLAINT_OFFICER)
    due = dt.datetime(2026, 10, 8, 16, 30)
    on_the_second = await services.get_complaint(complaint_id=read.id, viewer=officer, now=due)
    one_second_later = await services.get_complaint(
        complaint_id=read.id, viewer=officer, now=due + dt.timedelta(seconds=1)
    )
    assert (on_the_second.overdue, one_second_later.overdue) == (False, True)
    assert one_second_later.on_time is False and one_second_later.seconds_left == -1


# ---- who sees the complainant ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.DIRECTOR, True),
        (Role.COMPLAINT_OFFICER, True),
        (Role.ADMIN, False),
        (Role.CLERK, False),
        (Role.INSPECTOR, False),
        (Role.STAFF, False),
    ],
)
async def test_the_complainant_is_shown_to_the_desk_only_and_each_view_is_logged(
    world: World, role: Role, sees: bool
) -> None:
    read, _ = await register(world)
    before = await IdentityView.count()
    seen = await services.get_complaint(complaint_id=read.id, viewer=await viewer(world, role), now=LATER)
    assert (seen.complainant_name, seen.complainant_contact) == (
        ("陈先生", "13800000000") if sees else (HIDDEN, HIDDEN)
    )
    assert await IdentityView.count() == before + (1 if sees else 0)
    listed = await services.list_complaints(viewer=await viewer(world, role), now=LATER)
    assert [(c.complainant_name, c.complainant_contact) for c in listed] == [(HIDDEN, HIDDEN)]


async def test_staff_see_their_own_windows_complaints_only(world: World) -> None:
    mine, _ = await register(world)
    theirs, _ = await register(world, window_id=world.windows[1].id, staff_id=world.staff[2].id)
    staff = await viewer(world, Role.STAFF)
    assert [c.id for c in await services.list_complaints(viewer=staff, now=LATER)] == [mine.id]
    with pytest.raises(NotFound):
        await services.get_complaint(complaint_id=theirs.id, viewer=staff, now=LATER)


# ---- the board and the statistics ------------------------------------------------------------------


async def test_the_board_puts_the_least_time_left_first_and_counts(world: World) -> None:
    overdue, _ = await register(world, received_at=dt.datetime(2026, 11, 16, 9, 0))  # due Tue 11-17 16:30
    today, _ = await register(world, received_at=dt.datetime(2026, 11, 20, 9, 0))  # due Mon 11-23 16:30
    later, _ = await register(world, received_at=dt.datetime(2026, 11, 23, 9, 0))  # due Tue 11-24 16:30
    answered, _ = await register(
        world, received_at=dt.datetime(2026, 11, 23, 9, 30), on_the_spot_reply="已解释"
    )
    reads = await services.list_complaints(viewer=await viewer(world, Role.DIRECTOR), now=LATER)
    assert [r.id for r in reads] == [overdue.id, today.id, later.id, answered.id]
    assert [services.urgency(r, LATER) for r in reads] == ["overdue", "today", "calm", "answered"]
    counts = services.board_counts(reads, LATER)
    assert (counts.open, counts.overdue, counts.due_today, counts.extended) == (4, 1, 1, 0)


async def test_monthly_statistics_per_window(world: World) -> None:
    officer = await viewer(world, Role.COMPLAINT_OFFICER)
    await register(world, received_at=dt.datetime(2026, 10, 9, 9, 0), on_the_spot_reply="已解释")
    late, _ = await register(world, received_at=dt.datetime(2026, 10, 9, 10, 0))  # due 10-10 16:30
    await workflow.reply(
        complaint_id=late.id,
        data=ReplyCreate(
            channel=ReplyChannel.PHONE, content="答复", replied_at=dt.datetime(2026, 10, 12, 9, 0)
        ),
        viewer=officer,
        now=LATER,
    )
    await workflow.decide(complaint_id=late.id, data=DecisionCreate(upheld=True), viewer=officer, now=LATER)
    await register(
        world, received_at=dt.datetime(2026, 10, 20, 9, 0), window_id=world.windows[1].id, staff_id=None
    )
    await register(world, received_at=dt.datetime(2026, 11, 2, 9, 0))  # another month
    rows = await statistics.month_statistics(
        hall_id=world.town.id, month=dt.date(2026, 10, 1), viewer=officer, now=LATER
    )
    figures = [(r.window_id, r.received, r.answered_on_time, r.extended, r.overdue, r.upheld) for r in rows]
    assert figures == [(world.windows[0].id, 2, 1, 0, 1, 1), (world.windows[1].id, 1, 0, 0, 1, 0)]
    assert statistics.total(rows).received == 3


async def test_the_demo_hall_gets_its_complaints_once() -> None:
    await demo.load_demo()
    assert await complaints_demo.load_demo_complaints(now=LATER) == len(complaints_demo.DEMO)
    assert await complaints_demo.load_demo_complaints(now=LATER) == 0
    states = {row["state"] for row in await Complaint.select(Complaint.state)}
    assert states == {State.REGISTERED, State.REPLIED}
