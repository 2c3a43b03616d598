"""A complaint's way from registered to closed (RULES.md, Complaints):

registered → assigned (to one or more windows / departments, each with its part and due
time) → each unit reports back → replied (in person, by phone, in writing or online; an
oral answer counts) → decided (upheld or not, with the sanction if any) → closed; followed
up with the complainant where they can be reached; reopened with a reason. Extensions move
the deadline with a reason and a record of how the complainant was told."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assessment.catalogue import COMPLAINT_UPHELD
from assessment.rule_settings import catalogue_by_day
from complaints.access import DESK, Viewer
from complaints.calendar import deadline_for
from complaints.deadlines import ComplaintClass
from complaints.schemas import (
    AssignRequest,
    ComplaintRead,
    DecisionCreate,
    ExtensionCreate,
    FollowUpCreate,
    ReplyCreate,
    ReportCreate,
)
from complaints.services import UNANSWERED, check_subject, event, find_row, get_complaint, wall_clock
from complaints.tables import (
    Action,
    Complaint,
    ComplaintExtension,
    ComplaintFinding,
    ComplaintReply,
    ComplaintUnit,
    State,
)
from hall import audit, db
from hall.errors import Conflict, FieldError, InvalidInput, NotAllowed, NotFound
from hall.services import get_window, list_departments

UNITS_NOTE = "{count} 个承办单位"
STATE_LABELS = {
    State.REGISTERED: "已登记",
    State.ASSIGNED: "已交办",
    State.REPLIED: "已答复",
    State.DECIDED: "已认定",
    State.CLOSED: "已办结",
}


def _desk(viewer: Viewer) -> None:
    if viewer.role not in DESK:
        raise NotAllowed("只有投诉受理员或大厅主任可以办理投诉")


def _in_state(row: dict[str, Any], allowed: tuple[State, ...], doing: str) -> None:
    if row["state"] not in allowed:
        raise Conflict(
            "投诉当前状态为“{state}”，不能{doing}", state=STATE_LABELS[State(row["state"])], doing=doing
        )


async def _save(complaint_id: int, **values: Any) -> None:
    await Complaint.update({getattr(Complaint, key): value for key, value in values.items()}).where(
        Complaint.id == complaint_id
    )


async def _audit(
    row: dict[str, Any], action: Action, after: dict[str, Any], before: dict[str, Any] | None = None
) -> None:
    """The audit entry of a step; `before` defaults to the complaint's fields that `after` names."""
    await audit.record(
        f"complaint.{action.value}",
        subject_type="complaint",
        subject_id=row["id"],
        hall_id=row["hall"],
        before={key: row[key] for key in after if key in row} if before is None else before,
        after=after,
    )


async def assign(
    *, complaint_id: int, data: AssignRequest, viewer: Viewer, now: dt.datetime
) -> ComplaintRead:
    """Pass the complaint to units. Two or more units make it complex (RULES.md: one week),
    as does the officer's mark; its deadline is then counted again from the receipt."""
    _desk(viewer)
    row = await find_row(complaint_id, viewer)
    _in_state(row, UNANSWERED, "交办")
    departments = {d.id for d in await list_departments()}
    problems = []
    for index, unit in enumerate(data.units):
        field = f"units.{index}"
        if (unit.window_id is None) == (unit.department_id is None):
            problems.append(FieldError(field, "承办单位", "每项须选择一个窗口或一个单位"))
        elif unit.window_id is not None:
            window = await get_window(window_id=unit.window_id, scope=None)
            if window.hall_id != row["hall"]:
                problems.append(FieldError(field, "承办窗口", "该窗口不属于本中心"))
        elif unit.department_id not in departments:
            problems.append(FieldError(field, "承办单位", "没有这个单位"))
    existing = await ComplaintUnit.count().where(ComplaintUnit.complaint == complaint_id)
    complaint_class = ComplaintClass(row["complaint_class"])
    if complaint_class == ComplaintClass.GENERAL and (data.marked_complex or existing + len(data.units) >= 2):
        complaint_class = ComplaintClass.COMPLEX
    deadline = await deadline_for(
        hall_id=row["hall"], received_at=row["received_at"], complaint_class=complaint_class
    )
    due_at = (
        max(row["due_at"], deadline.due_at) if complaint_class != row["complaint_class"] else row["due_at"]
    )
    for index, unit in enumerate(data.units):
        if unit.due_at is not None and wall_clock(unit.due_at) > due_at:
            problems.append(FieldError(f"units.{index}", "办理时限", "不能晚于投诉的答复期限"))
    if problems:
        raise InvalidInput(problems)
    async with db.transaction():
        for unit in data.units:
            await ComplaintUnit.insert(
                ComplaintUnit(
                    complaint=complaint_id,
                    window=unit.window_id,
                    department=unit.department_id,
                    part=unit.part,
                    due_at=wall_clock(unit.due_at) if unit.due_at else due_at,
                    assigned_at=wall_clock(now),
                )
            )
        changes: dict[str, Any] = {"state": State.ASSIGNED}
        if complaint_class != row["complaint_class"]:
            changes |= {
                "complaint_class": complaint_class,
                "marked_complex": row["marked_complex"] or data.marked_complex,
                "target_at": None,
                "original_due_at": deadline.due_at,
                "due_at": due_at,
            }
        await _save(complaint_id, **changes)
        await _audit(row, Action.ASSIGNED, {**changes, "units": [unit.model_dump() for unit in data.units]})
        await event(
            complaint_id, Action.ASSIGNED, viewer.account_id, UNITS_NOTE.format(count=len(data.units))
        )
    return await get_complaint(complaint_id=complaint_id, viewer=viewer, now=now)


async def report(
    *, complaint_id: int, unit_id: int, data: ReportCreate, viewer: Viewer, now: dt.datetime
) -> ComplaintRead:
    """A unit reports back: its window's staff, or the desk on its behalf."""
    row = await find_row(complaint_id, viewer)
    unit = (
        await ComplaintUnit.select()
        .where((ComplaintUnit.id == unit_id) & (ComplaintUnit.complaint == complaint_id))
        .first()
    )
    if unit is None:
        raise NotFound("没有找到该承办单位")
    if viewer.role not in DESK and not (viewer.only_own_window and unit["window"] == viewer.window_id):
        raise NotAllowed("只有承办窗口的工作人员或投诉受理员可以反馈办理情况")
    if row["state"] == State.CLOSED:
        raise Conflict("投诉已办结，不能再反馈办理情况")
    async with db.transaction():
        await ComplaintUnit.update(
            {
                ComplaintUnit.report: data.report,
                ComplaintUnit.reported_at: wall_clock(now),
                ComplaintUnit.reported_by: viewer.account_id,
            }
        ).where(ComplaintUnit.id == unit_id)
        await _audit(
            row,
            Action.REPORTED,
            {"unit_id": unit_id, "report": data.report},
            before={"report": unit["report"]},
        )
        await event(complaint_id, Action.REPORTED, viewer.account_id, data.report)
    return await get_complaint(complaint_id=complaint_id, viewer=viewer, now=now)


async def reply(*, complaint_id: int, data: ReplyCreate, viewer: Viewer, now: dt.datetime) -> ComplaintRead:
    """The answer to the complainant. The first answer stops the clock; later ones (after a
    reopening, or a further word) are added to the record."""
    _desk(viewer)
    row = await find_row(complaint_id, viewer)
    _in_state(row, (*UNANSWERED, State.REPLIED), "答复")
    replied_at = wall_clock(data.replied_at or now)
    if replied_at > wall_clock(now) + dt.timedelta(minutes=5):
        raise InvalidInput.single("replied_at", "答复时间", "不能晚于当前时间")
    if replied_at < row["received_at"]:
        raise InvalidInput.single("replied_at", "答复时间", "不能早于受理时间")
    async with db.transaction():
        await ComplaintReply.insert(
            ComplaintReply(
                complaint=complaint_id,
                channel=data.channel,
                content=data.content,
                replied_at=replied_at,
                replied_by=viewer.account_id,
            )
        )
        answered = {"state": State.REPLIED, "replied_at": row["replied_at"] or replied_at}
        if row["state"] in UNANSWERED:
            await _save(complaint_id, **answered)
        await _audit(
            row,
            Action.REPLIED,
            {
                **(answered if row["state"] in UNANSWERED else {}),
                "channel": data.channel,
                "reply": data.content,
            },
        )
        await event(complaint_id, Action.REPLIED, viewer.account_id, data.content)
    return await get_complaint(complaint_id=complaint_id, viewer=viewer, now=now)


async def extend(
    *, complaint_id: int, data: ExtensionCreate, viewer: Viewer, now: dt.datetime
) -> ComplaintRead:
    """A later deadline, with its reason and how the complainant was told. The original
    deadline stays; the complaint counts as extended, not answered on time."""
    _desk(viewer)
    row = await find_row(complaint_id, viewer)
    _in_state(row, UNANSWERED, "延期")
    new_due_at = wall_clock(data.new_due_at)
    if new_due_at <= row["due_at"]:
        raise InvalidInput.single("new_due_at", "延期至", "必须晚于现在的答复期限")
    async with db.transaction():
        await ComplaintExtension.insert(
            ComplaintExtension(
                complaint=complaint_id,
                previous_due_at=row["due_at"],
                new_due_at=new_due_at,
                reason=data.reason,
                told_by=data.told_by,
                told_note=data.told_note,
                extended_by=viewer.account_id,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        await _save(complaint_id, due_at=new_due_at)
        await _audit(row, Action.EXTENDED, {"due_at": new_due_at, "reason": data.reason})
        await event(complaint_id, Action.EXTENDED, viewer.account_id, data.reason)
    return await get_complaint(complaint_id=complaint_id, viewer=viewer, now=now)


async def decide(
    *, complaint_id: int, data: DecisionCreate, viewer: Viewer, now: dt.datetime
) -> ComplaintRead:
    """The finding. Upheld: a deduction for the window and, where named, the person, which
    the assessment takes into its ledger (RULES.md, Scores)."""
    _desk(viewer)
    row = await find_row(complaint_id, viewer)
    _in_state(row, (State.REPLIED,), "认定（请先答复投诉人）")
    if not data.upheld and data.sanction != "none":
        raise InvalidInput.single("sanction", "处理措施", "投诉不属实时不能有处理措施")
    window_id = data.window_id or row["window"]
    staff_id = data.staff_id or row["staff"]
    if data.upheld:
        if window_id is None:
            raise InvalidInput.single("window_id", "被投诉窗口", "投诉属实时须确定被投诉窗口")
        await check_subject(hall_id=row["hall"], window_id=window_id, staff_id=staff_id)
    # What the hall's rule catalogue deducts for an upheld complaint that day (−5 by default),
    # shown on the ticket as the ledger will count it.
    points = (await catalogue_by_day(hall_id=row["hall"]))(now.date())[COMPLAINT_UPHELD].points
    async with db.transaction():
        if data.upheld:
            await ComplaintFinding.insert(
                ComplaintFinding(
                    complaint=complaint_id,
                    hall=row["hall"],
                    window=window_id,
                    staff=staff_id,
                    day=now.date(),
                    points=points,
                    sanction=data.sanction,
                    decided_by=viewer.account_id,
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
        decision = {
            "state": State.DECIDED,
            "upheld": data.upheld,
            "sanction": data.sanction,
            "finding_note": data.note,
            "window": window_id,
            "staff": staff_id,
        }
        await _save(complaint_id, **decision)
        await _audit(row, Action.DECIDED, decision)
        await event(complaint_id, Action.DECIDED, viewer.account_id, "属实" if data.upheld else "不属实")
    return await get_complaint(complaint_id=complaint_id, viewer=viewer, now=now)


async def close(*, complaint_id: int, note: str, viewer: Viewer, now: dt.datetime) -> ComplaintRead:
    _desk(viewer)
    row = await find_row(complaint_id, viewer)
    _in_state(row, (State.DECIDED,), "办结（请先作出认定）")
    async with db.transaction():
        await _save(complaint_id, state=State.CLOSED, closed_at=wall_clock(now))
        await _audit(row, Action.CLOSED, {"state": State.CLOSED, "closed_at": wall_clock(now), "note": note})
        await event(complaint_id, Action.CLOSED, viewer.account_id, note)
    return await get_complaint(complaint_id=complaint_id, viewer=viewer, now=now)


async def follow_up(
    *, complaint_id: int, data: FollowUpCreate, viewer: Viewer, now: dt.datetime
) -> ComplaintRead:
    """回访: the complainant's view of the outcome, or that they could not be reached."""
    _desk(viewer)
    row = await find_row(complaint_id, viewer)
    _in_state(row, (State.REPLIED, State.DECIDED, State.CLOSED), "回访（尚未答复）")
    async with db.transaction():
        await _save(complaint_id, satisfaction=data.satisfaction)
        await _audit(row, Action.FOLLOWED_UP, {"satisfaction": data.satisfaction, "note": data.note})
        await event(complaint_id, Action.FOLLOWED_UP, viewer.account_id, data.note)
    return await get_complaint(complaint_id=complaint_id, viewer=viewer, now=now)


async def reopen(*, complaint_id: int, reason: str, viewer: Viewer, now: dt.datetime) -> ComplaintRead:
    """Back to work with a reason. The finding is withdrawn (its deduction with it) and a new
    deadline is counted from now as for a new complaint of its class; the first answer and
    the original deadline stay on record."""
    _desk(viewer)
    row = await find_row(complaint_id, viewer)
    _in_state(row, (State.REPLIED, State.DECIDED, State.CLOSED), "重新办理")
    deadline = await deadline_for(
        hall_id=row["hall"],
        received_at=wall_clock(now),
        complaint_class=ComplaintClass(row["complaint_class"]),
    )
    has_units = await ComplaintUnit.exists().where(ComplaintUnit.complaint == complaint_id)
    async with db.transaction():
        await ComplaintFinding.update(
            {
                ComplaintFinding.withdrawn_at: dt.datetime.now(dt.UTC),
                ComplaintFinding.withdrawn_reason: reason,
            }
        ).where((ComplaintFinding.complaint == complaint_id) & ComplaintFinding.withdrawn_at.is_null())
        reopened = {
            "state": State.ASSIGNED if has_units else State.REGISTERED,
            "due_at": max(deadline.due_at, row["due_at"]),
            "upheld": None,
            "sanction": "none",
            "closed_at": None,
        }
        await _save(complaint_id, **reopened)
        await _audit(row, Action.REOPENED, {**reopened, "reason": reason})
        await event(complaint_id, Action.REOPENED, viewer.account_id, reason)
    return await get_complaint(complaint_id=complaint_id, viewer=viewer, now=now)
