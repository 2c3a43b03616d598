"""The ledger of findings (考核记录): entering a finding, reversing one, and keeping the
automatic findings in step with the attendance verdicts, the evaluators' presses and the
upheld complaints they come from.

The ledger is append-only. A change of what an automatic finding rests on (a punch arriving
late, a complaint reopened) is a reversal of the old finding and, where something still
stands, a new one, made by `sync_month` until the director signs the month off; after that
the month is frozen and nothing is added to it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from piccolo.query.functions.aggregate import Max

from assessment import attachments
from assessment.catalogue import (
    ABSENT,
    CATEGORY_LABELS,
    COMPLAINT_UPHELD,
    DISSATISFIED,
    EARLY_LEAVE,
    LATE,
    MISSING_PUNCH,
    OFF_POST,
    SOURCE_LABELS,
    Category,
    Rule,
    Source,
    Target,
    enterable,
)
from assessment.evaluation_rules import LEVEL_LABELS, Attribution, Level
from assessment.rule_settings import catalogue_by_day
from assessment.schemas import FindingCreate, FindingRead, ReversalCreate
from assessment.tables import Evaluation, Finding, LedgerSync, MonthSignOff, ScoreRule
from attendance.months import month_end, month_of
from attendance.rules import (
    MARK_LABELS,
    SESSION_LABELS,
    SLOT_LABELS,
    STATUS_LABELS,
    Mark,
    Session,
    Slot,
    Status,
)
from attendance.rules import clock as clock_text
from attendance.tables import Verdict
from complaints.tables import ComplaintFinding
from hall import audit, db
from hall.errors import Conflict, InvalidInput, NotFound
from hall.services import HallScope, get_hall
from hall.tables import CoverAssignment, Staff, Window

# The namespace of the advisory locks that serialise writes to one hall's ledger.
LEDGER_LOCK = 3_110_002

SYNC_REASONS = {
    Source.ATTENDANCE: "考勤重新计算后不再成立",
    Source.EVALUATOR: "评价扣分规则已停用",
    Source.COMPLAINT: "投诉重新处理，认定已撤销",
}
CHANGED_REASON = "重新计算后改为新的记录"
# How far before its mark a sync looks for changes: a verdict computed, or a press received,
# in a transaction still open when the mark was set is seen by the next read.
SYNC_MARGIN = dt.timedelta(minutes=5)
# The marks of a session verdict that are findings, by rule.
FAULTS = {
    Mark.LATE: LATE,
    Mark.EARLY_LEAVE: EARLY_LEAVE,
    Mark.OFF_POST: OFF_POST,
    Mark.MISSING: MISSING_PUNCH,
}


def signed_message(month: dt.date) -> Conflict:
    return Conflict("{year}年{month}月的考核已签发，不能再更改", year=month.year, month=month.month)


async def signed_months(*, hall_id: int, start: dt.date, end: dt.date) -> set[dt.date]:
    return (await signed_months_of(hall_ids=[hall_id], start=start, end=end))[hall_id]


async def signed_months_of(
    *, hall_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, set[dt.date]]:
    """The months signed off from start to end, of each of these halls."""
    signed: dict[int, set[dt.date]] = {hall_id: set() for hall_id in hall_ids}
    if signed:
        rows = await MonthSignOff.select(MonthSignOff.hall, MonthSignOff.month).where(
            db.any_of(MonthSignOff.hall, signed)
            & (MonthSignOff.month >= month_of(start))
            & (MonthSignOff.month <= end)
        )
        for row in rows:
            signed[row["hall"]].add(row["month"])
    return signed


async def check_not_signed(*, hall_id: int, day: dt.date) -> None:
    if await signed_months(hall_id=hall_id, start=day, end=day):
        raise signed_message(month_of(day))


# ---- who was at which window ----------------------------------------------------------------


class Covers:
    """The cover assignments (顶岗) of a hall's people over a period, to tell a cover worker's
    finding, which counts against the window only, from a regular one."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        self._by_staff: dict[int, list[tuple[dt.date, dt.date, int]]] = defaultdict(list)
        for row in rows:
            self._by_staff[row["staff"]].append((row["starts_on"], row["ends_on"], row["window"]))

    def window_on(self, staff_id: int, day: dt.date) -> int | None:
        for first, last, window in self._by_staff.get(staff_id, ()):
            if first <= day <= last:
                return window
        return None

    def covering(self, staff_id: int | None, window_id: int | None, day: dt.date) -> bool:
        return staff_id is not None and window_id is not None and self.window_on(staff_id, day) == window_id


async def covers(*, staff_ids: Iterable[int] | None, hall_id: int, start: dt.date, end: dt.date) -> Covers:
    query = CoverAssignment.select(
        CoverAssignment.staff, CoverAssignment.window, CoverAssignment.starts_on, CoverAssignment.ends_on
    ).where(
        (CoverAssignment.window.hall == hall_id)
        & (CoverAssignment.starts_on <= end)
        & (CoverAssignment.ends_on >= start)
    )
    if staff_ids is not None:
        query = query.where(CoverAssignment.staff.is_in(list(staff_ids)))
    return Covers(await query)


def counts_for(rule: Rule, *, has_person: bool, cover: bool) -> tuple[bool, bool]:
    """(for the person, for the window): RULES.md, "a person's finding also counts against the
    window; a temporary cover worker's finding counts against the window only"."""
    return has_person and rule.target is not Target.WINDOW and not cover, rule.target is not Target.PERSON


# ---- reading ---------------------------------------------------------------------------------


def _query():
    return Finding.select(
        Finding.all_columns(),
        Finding.window.name.as_alias("window_name"),
        Finding.staff.name.as_alias("staff_name"),
        Finding.entered_by.display_name.as_alias("entered_by_name"),
    )


def _read(row: dict[str, Any], reversed_by: dict[int, int]) -> FindingRead:
    category = Category(row["category"])
    return FindingRead(
        id=row["id"],
        hall_id=row["hall"],
        day=row["day"],
        rule=row["rule"],
        rule_name=row["rule_name"],
        category=category,
        category_label=CATEGORY_LABELS[category],
        bonus=row["bonus"],
        effect=row["effect"],
        window_id=row["window"],
        window_name=row["window_name"],
        staff_id=row["staff"],
        staff_name=row["staff_name"],
        for_person=row["for_person"],
        for_window=row["for_window"],
        source=Source(row["source"]),
        source_label=SOURCE_LABELS[Source(row["source"])],
        evaluation_id=row["evaluation"],
        complaint_id=row["complaint"],
        evidence=row["evidence"],
        has_photo=bool(row["photo"]),
        reverses_id=row["reverses"],
        reversed_by_id=reversed_by.get(row["id"]),
        reason=row["reason"],
        entered_by=row["entered_by_name"],
        entered_at=row["entered_at"],
    )


async def list_findings(
    *,
    hall_id: int,
    start: dt.date,
    end: dt.date,
    window_id: int | None = None,
    staff_id: int | None = None,
) -> list[FindingRead]:
    """The ledger of a hall's period, oldest first: a window's (what counts against it), a
    person's (what counts against them) or everything."""
    query = _query().where((Finding.hall == hall_id) & (Finding.day >= start) & (Finding.day <= end))
    if window_id is not None:
        query = query.where((Finding.window == window_id) & Finding.for_window.eq(True))
    if staff_id is not None:
        query = query.where((Finding.staff == staff_id) & Finding.for_person.eq(True))
    rows = await query.order_by(Finding.day).order_by(Finding.id)
    reversed_by = {row["reverses"]: row["id"] for row in rows if row["reverses"] is not None}
    return [_read(row, reversed_by) for row in rows]


async def get_finding(*, finding_id: int, scope: HallScope) -> FindingRead:
    row = await _query().where(Finding.id == finding_id).first()
    if row is None:
        raise NotFound("没有这条考核记录")
    await get_hall(hall_id=row["hall"], scope=scope)
    reversal = await Finding.select(Finding.id).where(Finding.reverses == finding_id).first()
    return _read(row, {finding_id: reversal["id"]} if reversal else {})


async def finding_photo(*, finding_id: int, scope: HallScope) -> tuple[str, str]:
    """The photo's path under the media directory and its content type."""
    row = await Finding.select(Finding.hall, Finding.photo).where(Finding.id == finding_id).first()
    if row is None or not row["photo"]:
        raise NotFound("这条考核记录没有照片")
    await get_hall(hall_id=row["hall"], scope=scope)
    return row["photo"], attachments.content_type(row["photo"])


# ---- entering and reversing -----------------------------------------------------------------


class Fact(NamedTuple):
    """An automatic finding as its source says it should be."""

    key: str
    rule: Rule
    day: dt.date
    window_id: int | None
    staff_id: int | None
    for_person: bool
    for_window: bool
    evidence: str
    evaluation_id: int | None = None
    complaint_id: int | None = None

    @property
    def effect(self) -> int:
        return self.rule.points if self.rule.bonus else -self.rule.points


INSERT_COLUMNS = (
    "hall",
    "day",
    "rule",
    "rule_name",
    "category",
    "bonus",
    "effect",
    "window",
    "staff",
    "for_person",
    "for_window",
    "source",
    "source_key",
    "evaluation",
    "complaint",
    "evidence",
    "photo",
    "reverses",
    "reason",
    "entered_by",
    "entered_at",
)


def _new_row(hall_id: int, fact: Fact, now: dt.datetime) -> tuple:
    rule = fact.rule
    return (
        hall_id,
        fact.day,
        rule.code,
        rule.name,
        rule.category,
        rule.bonus,
        fact.effect,
        fact.window_id,
        fact.staff_id,
        fact.for_person,
        fact.for_window,
        rule.source,
        fact.key,
        fact.evaluation_id,
        fact.complaint_id,
        fact.evidence,
        "",
        None,
        "",
        None,
        now,
    )


def _reversal_row(original: dict[str, Any], reason: str, actor_id: int | None, now: dt.datetime) -> tuple:
    values = {
        **{column: original[column] for column in INSERT_COLUMNS if column in original},
        "effect": -original["effect"],
        "photo": "",
        "reverses": original["id"],
        "reason": reason,
        "entered_by": actor_id,
        "entered_at": now,
    }
    return tuple(values[column] for column in INSERT_COLUMNS)


async def record_finding(
    *,
    hall_id: int,
    data: FindingCreate,
    photo: attachments.Upload | None,
    limits: attachments.Limits,
    scope: HallScope,
    actor_id: int,
    today: dt.date,
) -> FindingRead:
    """A spot-check finding (督查): refused for a day to come, a signed-off month, a rule that
    cannot be entered by hand or is not in force, points outside the rule's range, a window
    of another hall, or a person who was not at that window that day."""
    await get_hall(hall_id=hall_id, scope=scope)
    if data.day > today:
        raise InvalidInput.single("day", "日期", "不能晚于今天")
    rule = (await catalogue_by_day(hall_id=hall_id))(data.day).get(data.rule)
    if rule is None or not rule.active or not enterable(rule):
        raise InvalidInput.single("rule", "扣分项", "没有这个可录入的扣分项")
    points = rule.points if data.points is None else data.points
    if not rule.allows(points):
        raise InvalidInput.single(
            "points", "分值", "应在 {low} 到 {high} 分之间", low=rule.min_points, high=rule.max_points
        )
    window = await Window.select(Window.hall).where(Window.id == data.window_id).first()
    if window is None or window["hall"] != hall_id:
        raise InvalidInput.single("window_id", "窗口", "不是本中心的窗口")
    if rule.target is Target.PERSON and data.staff_id is None:
        raise InvalidInput.single("staff_id", "人员", "这个扣分项针对个人，请选择人员")
    cover = False
    if data.staff_id is not None:
        staff = (
            await Staff.select(Staff.hall, Staff.window, Staff.left_on)
            .where(Staff.id == data.staff_id)
            .first()
        )
        if staff is None or staff["hall"] != hall_id:
            raise InvalidInput.single("staff_id", "人员", "不是本中心的人员")
        assigned = await covers(staff_ids=[data.staff_id], hall_id=hall_id, start=data.day, end=data.day)
        at_window = assigned.window_on(data.staff_id, data.day) or staff["window"]
        if at_window != data.window_id or (staff["left_on"] is not None and data.day > staff["left_on"]):
            raise InvalidInput.single("staff_id", "人员", "这一天不在这个窗口")
        cover = assigned.covering(data.staff_id, data.window_id, data.day)
    checked = attachments.check_photo(photo, limits) if photo is not None else None
    for_person, for_window = counts_for(rule, has_person=data.staff_id is not None, cover=cover)
    effect = points if rule.bonus else -points
    async with db.transaction():
        await db.lock(LEDGER_LOCK, hall_id)
        await check_not_signed(hall_id=hall_id, day=data.day)
        stored_photo = attachments.store(checked) if checked else ""
        finding = (
            await Finding.insert(
                Finding(
                    hall=hall_id,
                    day=data.day,
                    rule=rule.code,
                    rule_name=rule.name,
                    category=rule.category,
                    bonus=rule.bonus,
                    effect=effect,
                    window=data.window_id,
                    staff=data.staff_id,
                    for_person=for_person,
                    for_window=for_window,
                    source=Source.MANUAL,
                    evidence=data.evidence,
                    photo=stored_photo,
                    entered_by=actor_id,
                    entered_at=dt.datetime.now(dt.UTC),
                )
            ).returning(Finding.id)
        )[0]
        await audit.record(
            "assessment.finding.add",
            subject_type="finding",
            subject_id=finding["id"],
            hall_id=hall_id,
            after={
                "day": data.day,
                "rule": rule.code,
                "effect": effect,
                "window_id": data.window_id,
                "staff_id": data.staff_id,
                "evidence": data.evidence,
            },
        )
    return await get_finding(finding_id=finding["id"], scope=scope)


async def record_findings(
    *,
    hall_id: int,
    data: Sequence[FindingCreate],
    photo: attachments.Upload | None,
    limits: attachments.Limits,
    scope: HallScope,
    actor_id: int,
    today: dt.date,
) -> list[FindingRead]:
    """What one spot check found by several rules (the same window, person, day and photo):
    all of them recorded, or, when one is refused, none."""
    async with db.transaction():
        return [
            await record_finding(
                hall_id=hall_id,
                data=item,
                photo=photo,
                limits=limits,
                scope=scope,
                actor_id=actor_id,
                today=today,
            )
            for item in data
        ]


async def reverse_finding(
    *, finding_id: int, data: ReversalCreate, scope: HallScope, actor_id: int
) -> FindingRead:
    """冲销: the director reverses a finding by a new record with a reason. A reversed
    automatic finding stays reversed: recomputing does not bring it back."""
    async with db.transaction():
        original = await Finding.select().where(Finding.id == finding_id).first()
        if original is None:
            raise NotFound("没有这条考核记录")
        await get_hall(hall_id=original["hall"], scope=scope)
        await db.lock(LEDGER_LOCK, original["hall"])
        if original["reverses"] is not None:
            raise Conflict("这是一条撤销记录，不能再撤销")
        if await Finding.exists().where(Finding.reverses == finding_id):
            raise Conflict("这条考核记录已撤销")
        await check_not_signed(hall_id=original["hall"], day=original["day"])
        await db.insert_many(
            Finding, INSERT_COLUMNS, [_reversal_row(original, data.reason, actor_id, dt.datetime.now(dt.UTC))]
        )
        await audit.record(
            "assessment.finding.reverse",
            subject_type="finding",
            subject_id=finding_id,
            hall_id=original["hall"],
            before={"reversed": False, "effect": original["effect"]},
            after={"reversed": True, "reason": data.reason},
        )
    return await get_finding(finding_id=finding_id, scope=scope)


# ---- automatic findings -----------------------------------------------------------------------


def _verdict_facts(row: dict[str, Any], rules: dict[str, Rule], covers_: Covers) -> Iterable[Fact]:
    """迟到, 早退, 脱岗, 缺卡 (not cleared) and 旷工 of one final session verdict."""
    session = Session(row["session"])
    base = f"verdict:{row['staff']}:{row['day']}:{session.value}"
    cover = covers_.covering(row["staff"], row["window"], row["day"])

    def fact(suffix: str, code: str, evidence: str) -> Fact | None:
        rule = rules[code]
        if not rule.active:
            return None
        for_person, for_window = counts_for(rule, has_person=True, cover=cover)
        return Fact(
            f"{base}:{suffix}",
            rule,
            row["day"],
            row["window"],
            row["staff"],
            for_person,
            for_window,
            evidence,
        )

    if row["status"] == Status.ABSENT:
        found = [fact("absent", ABSENT, f"{SESSION_LABELS[session]}{STATUS_LABELS[Status.ABSENT]}")]
    else:
        found = []
        for slot, mark, second in (
            (Slot.START, Mark(row["start_mark"]), row["start_second"]),
            (Slot.END, Mark(row["end_mark"]), row["end_second"]),
        ):
            code = FAULTS.get(mark)
            if code is None:
                continue
            at = "" if second is None else f" {clock_text(second)}"
            found.append(
                fact(
                    slot.value, code, f"{SESSION_LABELS[session]}{SLOT_LABELS[slot]}{at} {MARK_LABELS[mark]}"
                )
            )
    return [f for f in found if f is not None]


async def _facts(hall_id: int, start: dt.date, end: dt.date, rules_on) -> list[Fact]:
    verdicts = await Verdict.select(
        Verdict.staff,
        Verdict.window,
        Verdict.day,
        Verdict.session,
        Verdict.status,
        Verdict.start_mark,
        Verdict.end_mark,
        Verdict.start_second,
        Verdict.end_second,
    ).where(
        (Verdict.hall == hall_id)
        & (Verdict.day >= start)
        & (Verdict.day <= end)
        & Verdict.final.eq(True)
        # Only the sessions with something to find: most of a month is on time.
        & (
            (Verdict.status == Status.ABSENT)
            | Verdict.start_mark.is_in(list(FAULTS))
            | Verdict.end_mark.is_in(list(FAULTS))
        )
    )
    covers_ = await covers(staff_ids=None, hall_id=hall_id, start=start, end=end)
    facts = [fact for row in verdicts for fact in _verdict_facts(row, rules_on(row["day"]), covers_)]

    presses = await Evaluation.select(
        Evaluation.id,
        Evaluation.window,
        Evaluation.staff,
        Evaluation.pressed_at,
        Evaluation.level,
        Evaluation.attribution,
    ).where(
        (Evaluation.hall == hall_id)
        & (Evaluation.pressed_at >= dt.datetime.combine(start, dt.time()))
        & (Evaluation.pressed_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        & Evaluation.satisfied.eq(False)
    )
    for press in presses:
        day = press["pressed_at"].date()
        rule = rules_on(day)[DISSATISFIED]
        if not rule.active:
            continue
        for_person, for_window = counts_for(
            rule, has_person=press["staff"] is not None, cover=press["attribution"] == Attribution.COVER
        )
        facts.append(
            Fact(
                f"evaluation:{press['id']}",
                rule,
                day,
                press["window"],
                press["staff"],
                for_person,
                for_window,
                f"{press['pressed_at']:%H:%M:%S} {LEVEL_LABELS[Level(press['level'])]}",
                evaluation_id=press["id"],
            )
        )

    upheld = await ComplaintFinding.select(
        ComplaintFinding.id,
        ComplaintFinding.complaint,
        ComplaintFinding.window,
        ComplaintFinding.staff,
        ComplaintFinding.day,
        ComplaintFinding.complaint.number.as_alias("number"),
    ).where(
        (ComplaintFinding.hall == hall_id)
        & (ComplaintFinding.day >= start)
        & (ComplaintFinding.day <= end)
        & ComplaintFinding.withdrawn_at.is_null()
    )
    for finding in upheld:
        rule = rules_on(finding["day"])[COMPLAINT_UPHELD]
        if not rule.active:
            continue
        for_person, for_window = counts_for(
            rule,
            has_person=finding["staff"] is not None,
            cover=covers_.covering(finding["staff"], finding["window"], finding["day"]),
        )
        facts.append(
            Fact(
                f"complaint:{finding['id']}",
                rule,
                finding["day"],
                finding["window"],
                finding["staff"],
                for_person,
                for_window,
                finding["number"],
                complaint_id=finding["complaint"],
            )
        )
    return facts


def _same(row: dict[str, Any], fact: Fact) -> bool:
    return (
        row["rule"],
        row["effect"],
        row["window"],
        row["staff"],
        row["for_person"],
        row["for_window"],
    ) == (
        fact.rule.code,
        fact.effect,
        fact.window_id,
        fact.staff_id,
        fact.for_person,
        fact.for_window,
    )


def _moment(value: Any) -> dt.datetime | None:
    """An aggregate's timestamp: SQLite hands back text, PostgreSQL a datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


async def unsynced(*, hall_ids: Iterable[int], months: Iterable[dt.date]) -> set[tuple[int, dt.date]]:
    """The (hall, month)s whose automatic findings may be out of step with their sources:
    never synced, or something they rest on changed since the last sync: a final verdict
    recomputed, a press received, a complaint upheld or withdrawn, a rule or a cover
    assignment entered. (A cover assignment deleted leaves no trace: the nightly sync, which
    does not ask, catches it.) A few queries a month, however many halls."""
    hall_ids, months = list(hall_ids), sorted({month_of(month) for month in months})
    if not hall_ids or not months:
        return set()
    marks = {
        (row["hall"], row["month"]): _moment(row["synced_at"]) - SYNC_MARGIN
        for row in await LedgerSync.select(LedgerSync.hall, LedgerSync.month, LedgerSync.synced_at).where(
            db.any_of(LedgerSync.hall, hall_ids) & LedgerSync.month.is_in(months)
        )
    }
    out = {(hall_id, month) for hall_id in hall_ids for month in months} - marks.keys()
    if not marks:
        return out
    since = min(marks.values())
    # Rules and cover assignments touch every hall's months.
    everywhere = [
        _moment(row["max"])
        for table in (ScoreRule, CoverAssignment)
        for row in await table.select(Max(table.created_at)).where(table.created_at > since)
    ]
    latest: dict[tuple[int, dt.date], list[dt.datetime | None]] = defaultdict(lambda: list(everywhere))
    for month in months:
        start, end = month, month_end(month)
        day_after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
        changes = (
            Verdict.select(Verdict.hall, Max(Verdict.computed_at))
            .where(
                db.any_of(Verdict.hall, hall_ids)
                & (Verdict.day >= start)
                & (Verdict.day <= end)
                & Verdict.final.eq(True)
                & (Verdict.computed_at > since)
            )
            .group_by(Verdict.hall),
            Evaluation.select(Evaluation.hall, Max(Evaluation.received_at))
            .where(
                db.any_of(Evaluation.hall, hall_ids)
                & (Evaluation.pressed_at >= dt.datetime.combine(start, dt.time()))
                & (Evaluation.pressed_at < day_after)
                & (Evaluation.received_at > since)
            )
            .group_by(Evaluation.hall),
            ComplaintFinding.select(
                ComplaintFinding.hall,
                Max(ComplaintFinding.created_at),
                Max(ComplaintFinding.withdrawn_at, alias="withdrawn"),
            )
            .where(
                db.any_of(ComplaintFinding.hall, hall_ids)
                & (ComplaintFinding.day >= start)
                & (ComplaintFinding.day <= end)
                & ((ComplaintFinding.created_at > since) | (ComplaintFinding.withdrawn_at > since))
            )
            .group_by(ComplaintFinding.hall),
        )
        for query in changes:
            for row in await query:
                latest[(row["hall"], month)] += [_moment(row["max"]), _moment(row.get("withdrawn"))]
    for key, mark in marks.items():
        if any(at is not None and at > mark for at in latest[key]):
            out.add(key)
    return out


async def sync_month(*, hall_id: int, month: dt.date) -> tuple[int, int]:
    """Bring the month's automatic findings in step with their sources: a finding for each
    fact not yet in the ledger, a reversal for each finding whose fact is gone or changed.
    Nothing for a signed-off month. Readers ask `unsynced` first, so as not to read the
    sources of a month in which none changed. Returns (findings added, findings reversed)."""
    start, end = month_of(month), month_end(month)
    rules_on = await catalogue_by_day(hall_id=hall_id)
    now = dt.datetime.now(dt.UTC)
    async with db.transaction():
        await db.lock(LEDGER_LOCK, hall_id)
        if await signed_months(hall_id=hall_id, start=start, end=end):
            return 0, 0
        mark = (
            await LedgerSync.select(LedgerSync.id, LedgerSync.synced_at)
            .where((LedgerSync.hall == hall_id) & (LedgerSync.month == start))
            .first()
        )
        if mark is None:
            await LedgerSync.insert(LedgerSync(hall=hall_id, month=start, synced_at=now))
        else:
            await LedgerSync.update({LedgerSync.synced_at: now}).where(LedgerSync.id == mark["id"])
        facts = {fact.key: fact for fact in await _facts(hall_id, start, end, rules_on)}
        rows = await Finding.select().where(
            (Finding.hall == hall_id)
            & (Finding.day >= start)
            & (Finding.day <= end)
            & Finding.source_key.is_not_null()
        )
        reversed_ids = {row["reverses"] for row in rows if row["reverses"] is not None}
        # A finding someone reversed by hand stays reversed, whatever its source still says.
        settled = {row["source_key"] for row in rows if row["reverses"] is not None and row["entered_by"]}
        standing = {
            row["source_key"]: row
            for row in rows
            if row["reverses"] is None and row["id"] not in reversed_ids
        }
        new_rows = []
        for key, row in standing.items():
            fact = facts.get(key)
            if fact is None or not _same(row, fact):
                reason = CHANGED_REASON if fact is not None else SYNC_REASONS[Source(row["source"])]
                new_rows.append(_reversal_row(row, reason, None, now))
        reversals = len(new_rows)
        for key, fact in facts.items():
            if key in settled:
                continue
            row = standing.get(key)
            if row is None or not _same(row, fact):
                new_rows.append(_new_row(hall_id, fact, now))
        await db.insert_many(Finding, INSERT_COLUMNS, new_rows)
    return len(new_rows) - reversals, reversals
