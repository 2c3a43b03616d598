"""Reminders about complaint deadlines (issue 6): the assignee and the desk are warned at
half the working time and two working hours before a deadline, the complaint is marked
overdue at its deadline, and the director is told of it. Reminders go out in working hours
only; the overdue mark is made whenever the job first runs after the deadline.

`reminder_due` is the pure rule; `send_due_reminders` the service the arq job runs. Each
reminder is stored once per (complaint, target, kind, deadline) by a unique index, so a job
run twice, or by two workers at once, sends nothing twice, and an extended deadline gets
reminders of its own."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from complaints.access import DESK, Viewer
from complaints.calendar import day_info
from complaints.deadlines import DayInfo, in_working_hours, reminder_moments
from complaints.schemas import ReminderRead
from complaints.services import UNANSWERED, event
from complaints.tables import Action, Audience, Complaint, ComplaintReminder, ComplaintUnit, ReminderKind
from hall import db
from hall.roles import Role

TWO_WORKING_HOURS = 2 * 3600
MESSAGES = {
    ReminderKind.HALFWAY: "投诉 {number}{part}已过办理时限的一半，期限 {due:%Y-%m-%d %H:%M}",
    ReminderKind.BEFORE_DUE: "投诉 {number}{part}距期限不足两个工作小时，期限 {due:%Y-%m-%d %H:%M}",
    ReminderKind.OVERDUE: "投诉 {number}{part}已超过期限 {due:%Y-%m-%d %H:%M}，尚未办结答复",
    ReminderKind.ESCALATED: "投诉 {number} 逾期未答复（期限 {due:%Y-%m-%d %H:%M}），请主任督办",
}


OVERDUE_NOTE = "答复期限 {due:%Y-%m-%d %H:%M}"


def reminder_due(
    *, starts_at: dt.datetime, due_at: dt.datetime, now: dt.datetime, day_info: DayInfo
) -> ReminderKind | None:
    """The reminder a deadline calls for at `now`, if any: only in working hours, and only
    the most advanced one (a warning that comes due overnight together with the next is not
    sent first)."""
    if not in_working_hours(now, day_info):
        return None
    if now > due_at:
        return ReminderKind.OVERDUE
    halfway, shortly_before = reminder_moments(received_at=starts_at, due_at=due_at, day_info=day_info)
    if now >= shortly_before:
        return ReminderKind.BEFORE_DUE
    if now >= halfway:
        return ReminderKind.HALFWAY
    return None


@dataclass(frozen=True)
class Watch:
    """One deadline being watched: the complaint's own, or a unit's part of it."""

    complaint: dict[str, Any]
    target: str
    window_id: int | None
    audience: Audience
    starts_at: dt.datetime
    due_at: dt.datetime
    part: str = ""


def _watches(complaint: dict[str, Any], units: list[dict[str, Any]]) -> list[Watch]:
    watches = [
        Watch(
            complaint,
            "complaint",
            complaint["window"],
            Audience.OFFICER,
            complaint["received_at"],
            complaint["due_at"],
        )
    ]
    for unit in units:
        if unit["reported_at"] is None:
            # A department has no account here: the desk is reminded of its part instead.
            audience = Audience.UNIT if unit["window"] is not None else Audience.OFFICER
            watches.append(
                Watch(
                    complaint,
                    f"unit:{unit['id']}",
                    unit["window"],
                    audience,
                    unit["assigned_at"],
                    unit["due_at"],
                    part="（承办事项）",
                )
            )
    return watches


def _reminder(watch: Watch, kind: ReminderKind, audience: Audience, sent_at: dt.datetime) -> tuple:
    message = MESSAGES[kind].format(number=watch.complaint["number"], part=watch.part, due=watch.due_at)
    return (
        watch.complaint["id"],
        watch.complaint["hall"],
        watch.window_id,
        watch.target,
        kind,
        audience,
        watch.due_at,
        message,
        sent_at,
    )


COLUMNS = ("complaint", "hall", "window", "target", "kind", "audience", "deadline", "message", "sent_at")


async def _mark_overdue(complaints: list[dict[str, Any]], local_now: dt.datetime) -> None:
    for complaint in complaints:
        if complaint["due_at"] < local_now and complaint["overdue_marked_for"] != complaint["due_at"]:
            marked = await db.write(
                Complaint.update({Complaint.overdue_marked_for: complaint["due_at"]})
                .where(
                    (Complaint.id == complaint["id"])
                    & (Complaint.due_at == complaint["due_at"])
                    & Complaint.state.is_in(list(UNANSWERED))
                    & (
                        Complaint.overdue_marked_for.is_null()
                        | (Complaint.overdue_marked_for != complaint["due_at"])
                    )
                )
                .returning(Complaint.id)
            )
            if marked:
                await event(
                    complaint["id"], Action.OVERDUE, None, OVERDUE_NOTE.format(due=complaint["due_at"])
                )


async def send_due_reminders(*, now: dt.datetime, local_now: dt.datetime) -> int:
    """Mark what passed its deadline, and store the reminders due at `local_now` (hall-local
    wall-clock time). Returns how many reminders were new."""
    local_now = local_now.replace(tzinfo=None)
    complaints = await Complaint.select().where(Complaint.state.is_in(list(UNANSWERED)))
    if not complaints:
        return 0
    await _mark_overdue(complaints, local_now)
    units: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for unit in await ComplaintUnit.select().where(
        db.any_of(ComplaintUnit.complaint, [complaint["id"] for complaint in complaints])
    ):
        units[unit["complaint"]].append(unit)
    by_hall: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for complaint in complaints:
        by_hall[complaint["hall"]].append(complaint)
    rows = []
    for hall_id, hall_complaints in by_hall.items():
        earliest = min(c["received_at"] for c in hall_complaints).date()
        info, _ = await day_info(hall_id=hall_id, start=min(earliest, local_now.date()), end=local_now.date())
        for complaint in hall_complaints:
            for watch in _watches(complaint, units[complaint["id"]]):
                kind = reminder_due(
                    starts_at=watch.starts_at, due_at=watch.due_at, now=local_now, day_info=info
                )
                if kind is None:
                    continue
                rows.append(_reminder(watch, kind, watch.audience, now))
                if kind == ReminderKind.OVERDUE and watch.target == "complaint":
                    rows.append(_reminder(watch, ReminderKind.ESCALATED, Audience.DIRECTOR, now))
    async with db.transaction():
        stored = await db.insert_new_returning(ComplaintReminder, COLUMNS, rows, ("id",))
    return len(stored)


def _audiences(viewer: Viewer) -> list[Audience]:
    if viewer.role == Role.DIRECTOR:
        return [Audience.OFFICER, Audience.DIRECTOR]
    if viewer.role in DESK:
        return [Audience.OFFICER]
    return [Audience.UNIT]


async def list_reminders(*, viewer: Viewer, limit: int = 50) -> list[ReminderRead]:
    """The reminders meant for the caller: the desk's, the director's, or their window's."""
    condition = ComplaintReminder.audience.is_in(list(_audiences(viewer)))
    if viewer.scope is not None:
        condition &= ComplaintReminder.hall.is_in(list(viewer.scope) or [-1])
    if viewer.only_own_window:
        condition &= ComplaintReminder.window == (viewer.window_id or -1)
    elif viewer.role not in DESK:
        return []
    rows = (
        await ComplaintReminder.select(
            *ComplaintReminder.all_columns(), ComplaintReminder.complaint.number.as_alias("number")
        )
        .where(condition)
        .order_by(ComplaintReminder.id, ascending=False)
        .limit(limit)
    )
    return [
        ReminderRead(
            id=row["id"],
            complaint_id=row["complaint"],
            number=row["number"],
            kind=row["kind"],
            audience=row["audience"],
            deadline=row["deadline"],
            message=row["message"],
            sent_at=row["sent_at"],
        )
        for row in rows
    ]
