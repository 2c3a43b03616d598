"""Raw punches: append-only, one per (person, second, device), each one recomputing the
person's day unless that day's month is closed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from attendance import months, rules
from attendance.schemas import PunchCreate, PunchRead, PunchRecorded
from attendance.tables import PendingDay, Punch, PunchSource
from attendance.verdicts import recompute
from hall import audit, db
from hall.errors import InvalidInput, NotFound
from hall.services import HallScope, get_hall, get_staff
from hall.settings import setting_values_by_day
from hall.tables import StaffStatus

# A terminal's clock may run a little ahead of ours; beyond this a time is refused.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Entered by a person rather than read by a terminal: these need a reason and obey month close.
ENTERED_BY_HAND = {PunchSource.MANUAL, PunchSource.WEB}


def local_time(value: dt.datetime, timezone: dt.tzinfo) -> dt.datetime:
    """Hall-local wall-clock time to the second; a time with an offset is converted first."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _punch_query():
    return Punch.select(
        Punch.id,
        Punch.staff,
        Punch.staff.name,
        Punch.hall,
        Punch.punched_at,
        Punch.source,
        Punch.device,
        Punch.verify_mode,
        Punch.reason,
        Punch.entered_by.display_name,
    )


def _punch_read(row: dict, session: rules.Session | None = None) -> PunchRead:
    return PunchRead(
        id=row["id"],
        staff_id=row["staff"],
        staff_name=row["staff.name"],
        punched_at=row["punched_at"],
        source=row["source"],
        device=row["device"],
        verify_mode=row["verify_mode"],
        reason=row["reason"],
        entered_by=row["entered_by.display_name"],
        session=session,
    )


async def record_punch(
    *,
    data: PunchCreate,
    scope: HallScope,
    actor_id: int | None,
    now: dt.datetime,
    timezone: dt.tzinfo,
) -> PunchRecorded:
    """Store a punch once and recompute the person's day. `now` is hall-local.

    A punch typed in by hand needs a reason and is refused in a closed month; a terminal's
    punch in a closed month is kept (nothing a device sends is lost) but changes nothing."""
    punched_at = local_time(data.punched_at, timezone)
    if punched_at > now + CLOCK_SKEW:
        raise InvalidInput.single("punched_at", "打卡时间", "不能晚于当前时间 5 分钟以上")
    by_hand = data.source in ENTERED_BY_HAND
    if by_hand and len(data.reason) < 2:
        raise InvalidInput.single("reason", "补录原因", "手工补录的打卡必须写明原因")
    try:
        person = await get_staff(staff_id=data.staff_id, scope=scope)
    except NotFound:
        raise InvalidInput.single("staff_id", "人员", "没有这个人员") from None
    day = punched_at.date()
    if person.status == StaffStatus.LEFT and person.left_on is not None and day > person.left_on:
        raise InvalidInput.single("staff_id", "人员", "此人已于 {day} 离岗", day=person.left_on.isoformat())
    device = data.device if not by_hand else ""
    async with db.transaction():
        await db.lock(months.HALL_LOCK, person.hall_id)
        month_closed = bool(await months.closed_months(hall_id=person.hall_id, start=day, end=day))
        if month_closed and by_hand:
            raise months.closed_message(months.month_of(day))
        existing = (
            await Punch.select(Punch.id)
            .where((Punch.staff == person.id) & (Punch.punched_at == punched_at) & (Punch.device == device))
            .first()
        )
        created = existing is None
        if created:
            row = Punch(
                staff=person.id,
                hall=person.hall_id,
                punched_at=punched_at,
                source=data.source,
                device=device,
                verify_mode=data.verify_mode,
                reason=data.reason,
                entered_by=actor_id if by_hand else None,
                received_at=dt.datetime.now(dt.UTC),
            )
            await row.save()
            punch_id = row.id
            if by_hand:
                await audit.record(
                    "attendance.punch.manual",
                    subject_type="punch",
                    subject_id=punch_id,
                    hall_id=person.hall_id,
                    after={
                        "staff_id": person.id,
                        "punched_at": punched_at,
                        "source": data.source,
                        "reason": data.reason,
                    },
                )
            if not month_closed:
                await recompute(hall_id=person.hall_id, start=day, end=day, now=now, staff_ids=[person.id])
        else:
            punch_id = existing["id"]
    stored = await _punch_query().where(Punch.id == punch_id).first()
    return PunchRecorded(punch=_punch_read(stored), created=created, counted=not month_closed)


@dataclass(frozen=True)
class TerminalPunch:
    staff_id: int
    punched_at: dt.datetime  # hall-local, to the second
    source: PunchSource
    verify_mode: str


PUNCH_COLUMNS = ("staff", "hall", "punched_at", "source", "device", "verify_mode", "reason", "received_at")


async def store_terminal_punches(*, hall_id: int, device: str, punches: Sequence[TerminalPunch]) -> int:
    """Store a terminal's batch, each (person, second, device) once, and return how many
    were new. The days they touch are marked for `verdicts.settle_pending` rather than
    recomputed here: a batch of hundreds then costs a few statements, and one recompute
    covers many batches. Runs in the caller's transaction when there is one."""
    if not punches:
        return 0
    received_at = dt.datetime.now(dt.UTC)
    rows = []
    in_batch = set()
    for punch in punches:
        key = (punch.staff_id, punch.punched_at)
        # A batch naming a punch twice stores it once, as its first line has it.
        if key not in in_batch:
            in_batch.add(key)
            rows.append(
                (
                    punch.staff_id,
                    hall_id,
                    punch.punched_at,
                    punch.source,
                    device,
                    punch.verify_mode,
                    "",
                    received_at,
                )
            )
    async with db.transaction():
        # The unique index decides what is new, in the insert itself: a re-sent line, also
        # one that a concurrent re-send of the batch stored a moment ago, is neither stored
        # nor counted again.
        stored = await db.insert_new_returning(Punch, PUNCH_COLUMNS, rows, ("staff", "punched_at"))
        days = sorted({(staff, punched_at.date()) for staff, punched_at in stored})
        await db.insert_many(
            PendingDay, ("hall", "staff", "day"), [(hall_id, staff, day) for staff, day in days]
        )
    return len(stored)


async def list_punches(
    *,
    staff_ids: Iterable[int] | None = None,
    hall_id: int | None = None,
    start: dt.date,
    end: dt.date,
) -> list[PunchRead]:
    """Punches of some people or of a hall over start..end, each with the session it was
    given to (None: outside every punch window, kept but counting for nothing)."""
    query = (
        _punch_query()
        .where(
            (Punch.punched_at >= dt.datetime.combine(start, dt.time()))
            & (Punch.punched_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        )
        .order_by(Punch.punched_at)
    )
    if staff_ids is not None:
        query = query.where(Punch.staff.is_in(list(staff_ids) or [-1]))
    if hall_id is not None:
        query = query.where(Punch.hall == hall_id)
    rows = await query
    if not rows:
        return []
    settings_by_hall = {
        hall: await setting_values_by_day(hall_id=hall) for hall in {row["hall"] for row in rows}
    }
    reads = []
    for row in rows:
        at = row["punched_at"]
        schedule = rules.schedule_for(at.date(), settings_by_hall[row["hall"]](at.date()))
        reads.append(_punch_read(row, rules.assign(rules.seconds(at), schedule)))
    return reads


async def punches_of_hall(
    *, hall_id: int, start: dt.date, end: dt.date, scope: HallScope, staff_id: int | None = None
) -> list[PunchRead]:
    await get_hall(hall_id=hall_id, scope=scope)
    return await list_punches(
        hall_id=hall_id, staff_ids=None if staff_id is None else [staff_id], start=start, end=end
    )
