"""Scores of windows and people per month, the director's sign-off, and the quarter: grades,
ranking, service stars and its publication (RULES.md, Scores; the rules in `scoring`).

An open month's scores are computed from the ledger as it stands, after the automatic
findings are brought in step (`findings.sync_month`); a signed-off month's are read from
`MonthScore`, as signed; a published quarter's from `QuarterResult`, as published.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from piccolo.query.functions.aggregate import Count
from piccolo.querystring import QueryString

from assessment import findings, scoring, self_assessments
from assessment.catalogue import CATEGORY_LABELS, COMPLAINT_UPHELD, Category
from assessment.schemas import (
    CategoryScoreRead,
    MonthScoresRead,
    QuarterLineRead,
    QuarterRead,
    ScoreRead,
    StarRead,
    SubjectMonthRead,
)
from assessment.scoring import Candidate, CategoryScore, Score, Standing
from assessment.tables import Evaluation, Finding, MonthScore, MonthSignOff, QuarterPublication, QuarterResult
from attendance import verdicts
from attendance.months import month_end, month_of, shift_month
from hall import audit, db
from hall.errors import Conflict, InvalidInput, NotFound
from hall.schemas import StaffRead, WindowRead
from hall.services import HallScope, get_hall, list_staff, list_windows
from hall.settings import setting_values_by_day, setting_values_by_hall
from hall.tables import Hall

WINDOW, PERSON = "window", "person"


def quarter_of(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_months(quarter: dt.date) -> list[dt.date]:
    return [shift_month(quarter_of(quarter), by) for by in range(3)]


async def bring_up_to_date(
    *, hall_ids: Iterable[int], months: Iterable[dt.date], now: dt.datetime, always: bool = False
) -> None:
    """Before open months are read: the attendance verdicts of their past days made final
    (as every reader of verdicts does), then their automatic findings put in step with them
    (read again in full only where something changed, unless `always`). For many halls at
    once in a few queries, when nothing changed."""
    hall_ids = list(hall_ids)
    months = sorted({month_of(month) for month in months if month_of(month) <= now.date()})
    if not hall_ids or not months:
        return
    signed = await findings.signed_months_of(hall_ids=hall_ids, start=months[0], end=month_end(months[-1]))
    unsigned = {(hall_id, month) for hall_id in hall_ids for month in months if month not in signed[hall_id]}
    if not unsigned:
        return
    halls = sorted({hall_id for hall_id, _ in unsigned})
    first, last = min(month for _, month in unsigned), max(month for _, month in unsigned)
    await verdicts.ensure_halls_current(hall_ids=halls, start=first, end=month_end(last), now=now)
    if not always:
        unsigned &= await findings.unsynced(hall_ids=halls, months=months)
    for hall_id, month in sorted(unsigned):
        await findings.sync_month(hall_id=hall_id, month=month)


# ---- a month's scores -------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """A window or a person as its score line names it."""

    kind: str
    id: int
    name: str
    number: str
    department: str
    window_name: str


@dataclass(frozen=True)
class Month:
    """A hall's month: every window's and person's score."""

    month: dt.date
    signed: dict[str, Any] | None
    windows: dict[int, Score]
    people: dict[int, Score]


def _counted(kind: str):
    """The ledger's column naming the subject, and the flag saying a finding counts for it."""
    return (Finding.window, Finding.for_window) if kind == WINDOW else (Finding.staff, Finding.for_person)


Settings = dict[int, Callable[[dt.date], dict[str, Any]]]
# The ledger summed per category in the database: a county's quarter is some 36,000 rows
# rather than 100,000 (the codes are the catalogue's own, not input).
_SUMS = (
    *(
        QueryString(
            f"SUM(CASE WHEN NOT bonus AND category = '{category.value}' THEN -effect ELSE 0 END)"
        ).as_alias(category.value)
        for category in scoring.CATEGORIES
    ),
    QueryString("SUM(CASE WHEN bonus THEN effect ELSE 0 END)").as_alias("bonus_points"),
)


async def _ledger_scores(
    hall_ids: list[int], month: dt.date, kind: str, settings: Settings
) -> dict[int, dict[int, Score]]:
    """The month scored from the ledger, per hall and window or person, with the caps and
    bonus cap in force on the month's first day."""
    column, counts = _counted(kind)
    rows = (
        await Finding.select(Finding.hall, column.as_alias("subject"), *_SUMS)
        .where(
            db.any_of(Finding.hall, hall_ids)
            & (Finding.day >= month)
            & (Finding.day <= month_end(month))
            & counts.eq(True)
        )
        .group_by(Finding.hall, column)
    )
    scored: dict[int, dict[int, Score]] = defaultdict(dict)
    for row in rows:
        if row["subject"] is not None:
            scored[row["hall"]][row["subject"]] = scoring.score_of(
                [row[category.value] for category in scoring.CATEGORIES],
                row["bonus_points"],
                settings[row["hall"]](month),
            )
    return scored


def _stored(row: dict[str, Any]) -> Score:
    categories = tuple(
        CategoryScore(Category(name), cap, deducted, counted)
        for name, (cap, deducted, counted) in row["categories"].items()
    )
    return Score(categories, row["bonus"], row["total"])


async def _months(hall_ids: list[int], month: dt.date, settings: Settings) -> dict[int, Month]:
    """The month of each of these halls: as signed, else scored from the ledger with the caps
    and bonus cap in force on the month's first day."""
    signed = {
        row["hall"]: row
        for row in await MonthSignOff.select(
            MonthSignOff.hall,
            MonthSignOff.signed_at,
            MonthSignOff.signed_by.display_name.as_alias("signed_by"),
        ).where(db.any_of(MonthSignOff.hall, hall_ids) & (MonthSignOff.month == month))
    }
    stored: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if signed:
        rows = (
            await MonthScore.select()
            .where(db.any_of(MonthScore.hall, signed) & (MonthScore.month == month))
            .output(load_json=True)
        )
        for row in rows:
            stored[row["hall"]].append(row)
    unsigned = [hall_id for hall_id in hall_ids if hall_id not in signed]
    ledger = {
        kind: await _ledger_scores(unsigned, month, kind, settings) if unsigned else {}
        for kind in (WINDOW, PERSON)
    }
    result = {}
    for hall_id in hall_ids:
        if hall_id in signed:
            rows = stored[hall_id]
            result[hall_id] = Month(
                month,
                signed[hall_id],
                {row["window"]: _stored(row) for row in rows if row["window"] is not None},
                {row["staff"]: _stored(row) for row in rows if row["staff"] is not None},
            )
        else:
            result[hall_id] = Month(
                month, None, ledger[WINDOW].get(hall_id, {}), ledger[PERSON].get(hall_id, {})
            )
    return result


async def _month(hall_id: int, month: dt.date, settings_on: Callable[[dt.date], dict[str, Any]]) -> Month:
    return (await _months([hall_id], month, {hall_id: settings_on}))[hall_id]


@dataclass(frozen=True)
class Roster:
    """A hall's windows and people, everyone who ever worked there included."""

    windows: list[WindowRead]
    people: list[StaffRead]


async def _rosters(hall_ids: list[int]) -> dict[int, Roster]:
    scope = frozenset(hall_ids)
    rosters = {hall_id: Roster([], []) for hall_id in hall_ids}
    for window in await list_windows(scope=scope):
        rosters[window.hall_id].windows.append(window)
    for person in await list_staff(scope=scope, include_left=True):
        rosters[person.hall_id].people.append(person)
    return rosters


async def _roster(hall_id: int) -> Roster:
    return (await _rosters([hall_id]))[hall_id]


def _subjects(month: dt.date, month_data: Month, hall: Roster) -> dict[str, list[Subject]]:
    """The windows in use and the people working in the month, and anyone scored in it."""
    windows, people = hall.windows, hall.people
    department = {window.id: window.department_name for window in windows}
    return {
        WINDOW: [
            Subject(WINDOW, w.id, w.name, w.number, w.department_name, w.name)
            for w in windows
            if w.active or w.id in month_data.windows
        ],
        PERSON: [
            Subject(
                PERSON,
                p.id,
                p.name,
                p.staff_number,
                department.get(p.window_id, ""),
                p.window_name or "",
            )
            for p in people
            if (p.left_on is None or p.left_on >= month) or p.id in month_data.people
        ],
    }


def _full(settings: dict[str, Any]) -> Score:
    return scoring.month_score((), settings)


def _score_read(subject: Subject, score: Score, previous: Score | None, findings_count: int) -> ScoreRead:
    return ScoreRead(
        window_id=subject.id if subject.kind == WINDOW else None,
        staff_id=subject.id if subject.kind == PERSON else None,
        name=subject.name,
        number=subject.number,
        department=subject.department,
        window_name=subject.window_name,
        categories=[
            CategoryScoreRead(
                category=c.category,
                label=CATEGORY_LABELS[c.category],
                cap=c.cap,
                deducted=c.deducted,
                counted=c.counted,
                score=c.cap - c.counted,
            )
            for c in score.categories
        ],
        bonus=score.bonus,
        total=score.total,
        previous_total=previous.total if previous else None,
        findings=findings_count,
    )


async def _finding_counts(hall_id: int, month: dt.date, kind: str) -> dict[int, int]:
    column, counts = _counted(kind)
    rows = (
        await Finding.select(column.as_alias("subject"), Count())
        .where(
            (Finding.hall == hall_id)
            & (Finding.day >= month)
            & (Finding.day <= month_end(month))
            & counts.eq(True)
            & Finding.reverses.is_null()
        )
        .group_by(column)
    )
    return {row["subject"]: row["count"] for row in rows}


Presses = dict[tuple[int, int | None], tuple[int, int]]


async def _presses(hall_ids: list[int], start: dt.date, end: dt.date) -> dict[int, Presses]:
    """Evaluator presses over start..end per hall: (evaluations, satisfied) per window and
    person (None: the window's only)."""
    rows = (
        await Evaluation.select(
            Evaluation.hall,
            Evaluation.window,
            Evaluation.staff,
            Count(),
            QueryString("SUM(CASE WHEN satisfied THEN 1 ELSE 0 END)").as_alias("satisfied"),
        )
        .where(
            db.any_of(Evaluation.hall, hall_ids)
            & (Evaluation.pressed_at >= dt.datetime.combine(start, dt.time()))
            & (Evaluation.pressed_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        )
        .group_by(Evaluation.hall, Evaluation.window, Evaluation.staff)
    )
    presses: dict[int, Presses] = defaultdict(dict)
    for row in rows:
        presses[row["hall"]][(row["window"], row["staff"])] = (row["count"], row["satisfied"])
    return presses


def _tallies(kind: str, *periods: Presses) -> dict[int, tuple[int, int]]:
    """(evaluations, satisfied) per window or per person over these periods."""
    tallies: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for presses in periods:
        for (window_id, staff_id), (n, good) in presses.items():
            subject = window_id if kind == WINDOW else staff_id
            if subject is not None:
                tallies[subject][0] += n
                tallies[subject][1] += good
    return {subject: (n, good) for subject, (n, good) in tallies.items()}


def _rate(tally: tuple[int, int] | None) -> Fraction | None:
    return Fraction(tally[1], tally[0]) if tally and tally[0] else None


def _stars(totals: dict[int | None, Fraction | int], tallies: dict[int, tuple[int, int]]) -> list[int]:
    """The service stars among people with these scores, by their evaluations of the same
    period (a month, or the quarter for the proposal among the monthly stars)."""
    candidates = [
        Candidate(staff_id, total, _rate(tallies.get(staff_id)), tallies.get(staff_id, (0, 0))[0])
        for staff_id, total in totals.items()
        if staff_id is not None
    ]
    return [candidate.staff_id for candidate in scoring.stars(candidates)]


def _ranked(lines: list[ScoreRead]) -> list[ScoreRead]:
    ranked = scoring.rank_windows(
        Standing(index, Fraction(line.total), 0, None) for index, line in enumerate(lines)
    )
    return [lines[standing.window_id].model_copy(update={"rank": rank}) for rank, standing in ranked]


async def month_scores(
    *, hall_id: int, month: dt.date, now: dt.datetime, scope: HallScope
) -> MonthScoresRead:
    """The director's overview of a month: every window ranked with its trend against the
    month before, every person, and the month's service stars."""
    hall = await get_hall(hall_id=hall_id, scope=scope)
    month = month_of(month)
    previous_month = shift_month(month, -1)
    await bring_up_to_date(hall_ids=[hall_id], months=[previous_month, month], now=now)
    settings_on = await setting_values_by_day(hall_id=hall_id)
    current = await _month(hall_id, month, settings_on)
    previous = await _month(hall_id, previous_month, settings_on)
    subjects = _subjects(month, current, await _roster(hall_id))
    full, full_before = _full(settings_on(month)), _full(settings_on(previous_month))
    counts = {kind: await _finding_counts(hall_id, month, kind) for kind in (WINDOW, PERSON)}

    def lines(kind: str, now_scores: dict[int, Score], before: dict[int, Score]) -> list[ScoreRead]:
        return [
            _score_read(
                subject,
                now_scores.get(subject.id, full),
                before.get(subject.id, full_before),
                counts[kind].get(subject.id, 0),
            )
            for subject in subjects[kind]
        ]

    windows = _ranked(lines(WINDOW, current.windows, previous.windows))
    people = _ranked(lines(PERSON, current.people, previous.people))
    tallies = _tallies(PERSON, (await _presses([hall_id], month, month_end(month))).get(hall_id, {}))
    best = _stars({line.staff_id: line.total for line in people}, tallies)
    stars = [line for line in people if line.staff_id in best]
    signed = current.signed
    return MonthScoresRead(
        hall_id=hall.id,
        hall_name=hall.name,
        month=month,
        signed_off=signed is not None,
        signed_by=signed["signed_by"] if signed else None,
        signed_at=signed["signed_at"] if signed else None,
        can_sign_off=signed is None and month_end(month) < now.date(),
        windows=windows,
        people=people,
        stars=sorted(stars, key=lambda line: best.index(line.staff_id)),
    )


async def subject_month(
    *,
    hall_id: int,
    month: dt.date,
    now: dt.datetime,
    window_id: int | None = None,
    staff_id: int | None = None,
) -> SubjectMonthRead:
    """A window's or a person's month opened down to every finding behind its score, and a
    window's self-assessment beside it. The caller has checked the caller's reach."""
    month = month_of(month)
    previous_month = shift_month(month, -1)
    await bring_up_to_date(hall_ids=[hall_id], months=[previous_month, month], now=now)
    settings_on = await setting_values_by_day(hall_id=hall_id)
    current = await _month(hall_id, month, settings_on)
    previous = await _month(hall_id, previous_month, settings_on)
    kind, subject_id = (WINDOW, window_id) if window_id is not None else (PERSON, staff_id)
    subject = next(
        (s for s in _subjects(month, current, await _roster(hall_id))[kind] if s.id == subject_id),
        None,
    )
    if subject is None:
        raise NotFound("这个月没有这个窗口或人员的考核")
    scores, before = (
        (current.windows, previous.windows) if kind == WINDOW else (current.people, previous.people)
    )
    ledger = await findings.list_findings(
        hall_id=hall_id, start=month, end=month_end(month), window_id=window_id, staff_id=staff_id
    )
    self_assessment = None
    if window_id is not None:
        self_assessment = await self_assessments.window_self_assessment(
            window_id=window_id, month=month, today=now.date(), scope=frozenset({hall_id})
        )
    return SubjectMonthRead(
        hall_id=hall_id,
        month=month,
        signed_off=current.signed is not None,
        score=_score_read(
            subject,
            scores.get(subject.id, _full(settings_on(month))),
            before.get(subject.id, _full(settings_on(previous_month))),
            sum(1 for finding in ledger if finding.reverses_id is None),
        ),
        findings=ledger,
        self_assessment=self_assessment,
    )


async def sign_off(
    *, hall_id: int, month: dt.date, actor_id: int, now: dt.datetime, scope: HallScope
) -> None:
    """签发: the director freezes a month that has ended. Its automatic findings are brought
    in step first; its scores are then kept as they stand."""
    await get_hall(hall_id=hall_id, scope=scope)
    month = month_of(month)
    if month_end(month) >= now.date():
        raise Conflict("{year}年{month}月尚未结束，不能签发", year=month.year, month=month.month)
    # In full, whatever the change marks say: what is signed is frozen.
    await bring_up_to_date(hall_ids=[hall_id], months=[month], now=now, always=True)
    settings_on = await setting_values_by_day(hall_id=hall_id)
    async with db.transaction():
        await db.lock(findings.LEDGER_LOCK, hall_id)
        if await findings.signed_months(hall_id=hall_id, start=month, end=month):
            raise findings.signed_message(month)
        scored = await _month(hall_id, month, settings_on)
        subjects = _subjects(month, scored, await _roster(hall_id))
        full = _full(settings_on(month))
        rows = []
        for kind, scores in ((WINDOW, scored.windows), (PERSON, scored.people)):
            for subject in subjects[kind]:
                score = scores.get(subject.id, full)
                rows.append(
                    MonthScore(
                        hall=hall_id,
                        month=month,
                        window=subject.id if kind == WINDOW else None,
                        staff=subject.id if kind == PERSON else None,
                        categories={
                            c.category.value: [c.cap, c.deducted, c.counted] for c in score.categories
                        },
                        bonus=score.bonus,
                        total=score.total,
                    )
                )
        if rows:
            await MonthScore.insert(*rows)
        await MonthSignOff.insert(
            MonthSignOff(hall=hall_id, month=month, signed_by=actor_id, signed_at=dt.datetime.now(dt.UTC))
        )
        await audit.record(
            "assessment.month.signoff",
            subject_type="assessment_month",
            subject_id=month.isoformat()[:7],
            hall_id=hall_id,
            before={"signed": False},
            after={"signed": True, "scores": len(rows)},
        )


# ---- the quarter ----------------------------------------------------------------------------


def quarter_label(quarter: dt.date) -> str:
    return f"{quarter.year}-Q{(quarter.month - 1) // 3 + 1}"


async def _upheld(hall_ids: list[int], start: dt.date, end: dt.date) -> dict[int, dict[int, int]]:
    """Upheld complaints per hall and window over start..end: their findings that stand."""
    rows = await Finding.select(Finding.id, Finding.hall, Finding.window, Finding.reverses).where(
        db.any_of(Finding.hall, hall_ids)
        & (Finding.day >= start)
        & (Finding.day <= end)
        & (Finding.rule == COMPLAINT_UPHELD)
        & Finding.for_window.eq(True)
    )
    reversed_ids = {row["reverses"] for row in rows if row["reverses"] is not None}
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if row["reverses"] is None and row["id"] not in reversed_ids:
            counts[row["hall"]][row["window"]] += 1
    return counts


def _star_read(staff_id: int, month: dt.date | None, score: Fraction, names, tallies) -> StarRead:
    name, window_name = names.get(staff_id, ("", ""))
    tally = tallies.get(staff_id, (0, 0))
    rate = _rate(tally)
    return StarRead(
        month=month,
        staff_id=staff_id,
        staff_name=name,
        window_name=window_name,
        score=scoring.shown(score),
        satisfaction=float(rate) if rate is not None else None,
        evaluations=tally[0],
    )


async def quarter_report(
    *, hall_id: int, quarter: dt.date, now: dt.datetime, scope: HallScope
) -> QuarterRead:
    """A quarter's grades and ranking, its monthly service stars and the system's proposal
    for the quarter's star: as published once the director has published it, else as the
    ledger stands (months not yet signed off may still change)."""
    await get_hall(hall_id=hall_id, scope=scope)
    return (await quarter_reports(hall_ids=[hall_id], quarter=quarter, now=now))[hall_id]


@dataclass(frozen=True)
class _QuarterInputs:
    """What one hall's quarter is computed from, read for many halls at once."""

    months: list[dt.date]
    data: list[Month]
    settings_on: Callable[[dt.date], dict[str, Any]]
    roster: Roster
    presses: list[Presses]  # a month each
    upheld: dict[int, int]
    publication: dict[str, Any] | None
    published: list[dict[str, Any]]


async def quarter_reports(
    *, hall_ids: Iterable[int], quarter: dt.date, now: dt.datetime
) -> dict[int, QuarterRead]:
    """`quarter_report` of each of these halls (the caller has checked the caller's reach),
    every input read once for all of them: a county's quarter in a few seconds."""
    hall_ids = list(hall_ids)
    if not hall_ids:
        return {}
    quarter = quarter_of(quarter)
    months = quarter_months(quarter)
    names = {
        row["id"]: row["name"]
        for row in await Hall.select(Hall.id, Hall.name).where(db.any_of(Hall.id, hall_ids))
    }
    missing = [hall_id for hall_id in hall_ids if hall_id not in names]
    if missing:
        raise NotFound("没有找到编号为 {id} 的中心", id=missing[0])
    await bring_up_to_date(hall_ids=hall_ids, months=months, now=now)
    settings = await setting_values_by_hall(hall_ids=hall_ids)
    data = [await _months(hall_ids, month, settings) for month in months]
    rosters = await _rosters(hall_ids)
    presses = [await _presses(hall_ids, month, month_end(month)) for month in months]
    upheld = await _upheld(hall_ids, months[0], month_end(months[-1]))
    publications = {
        row["hall"]: row
        for row in await QuarterPublication.select(
            QuarterPublication.all_columns(), QuarterPublication.published_by.display_name.as_alias("by_name")
        ).where(db.any_of(QuarterPublication.hall, hall_ids) & (QuarterPublication.quarter == quarter))
    }
    published = await _published_rows([row["id"] for row in publications.values()])
    return {
        hall_id: _quarter_read(
            hall_id,
            names[hall_id],
            quarter,
            now,
            _QuarterInputs(
                months,
                [by_hall[hall_id] for by_hall in data],
                settings[hall_id],
                rosters[hall_id],
                [by_hall.get(hall_id, {}) for by_hall in presses],
                upheld.get(hall_id, {}),
                publications.get(hall_id),
                published.get(publications[hall_id]["id"], []) if hall_id in publications else [],
            ),
        )
        for hall_id in hall_ids
    }


def _quarter_read(
    hall_id: int, hall_name: str, quarter: dt.date, now: dt.datetime, q: _QuarterInputs
) -> QuarterRead:
    months, data = q.months, q.data
    fulls = [_full(q.settings_on(month)) for month in months]
    subjects = [_subjects(month, data[i], q.roster) for i, month in enumerate(months)]
    names = {s.id: (s.name, s.window_name) for by_month in subjects for s in by_month[PERSON]}

    def totals(kind: str, subject_id: int) -> list[int]:
        return [
            (data[i].windows if kind == WINDOW else data[i].people).get(subject_id, fulls[i]).total
            for i in range(len(months))
        ]

    monthly_stars = []
    star_ids: list[int] = []
    for i, month in enumerate(months):
        if month > now.date():
            continue
        people = {s.id: data[i].people.get(s.id, fulls[i]).total for s in subjects[i][PERSON]}
        month_tallies = _tallies(PERSON, q.presses[i])
        best = _stars(people, month_tallies)
        monthly_stars += [_star_read(s, month, Fraction(people[s]), names, month_tallies) for s in best]
        star_ids += [s for s in best if s not in star_ids]
    quarter_tallies = _tallies(PERSON, *q.presses)
    means = {s: scoring.quarter_score(totals(PERSON, s)) for s in star_ids}
    proposal = _stars(dict(means), quarter_tallies)[:1]
    proposed = _star_read(proposal[0], None, means[proposal[0]], names, quarter_tallies) if proposal else None

    windows = {s.id: s for by_month in subjects for s in by_month[WINDOW]}
    publication = q.publication
    star = None
    if publication is not None:
        lines = [_published_line(row, windows) for row in q.published]
        if publication["star"] is not None:
            star_score = scoring.quarter_score(totals(PERSON, publication["star"]))
            star = _star_read(publication["star"], None, star_score, names, quarter_tallies)
    else:
        window_tallies = _tallies(WINDOW, *q.presses)
        standings = [
            Standing(
                w, scoring.quarter_score(totals(WINDOW, w)), q.upheld.get(w, 0), _rate(window_tallies.get(w))
            )
            for w in windows
        ]
        settings = q.settings_on(quarter)
        lines = [
            _line(
                rank,
                windows[s.window_id],
                totals(WINDOW, s.window_id),
                scoring.shown(s.score),
                s.upheld_complaints,
                window_tallies.get(s.window_id, (0, 0)),
                scoring.grade(s.score, upheld_complaints=s.upheld_complaints, settings=settings),
            )
            for rank, s in scoring.rank_windows(standings)
        ]
    return QuarterRead(
        hall_id=hall_id,
        hall_name=hall_name,
        quarter=quarter,
        label=quarter_label(quarter),
        months=months,
        unsigned_months=[month.month for month in data if month.signed is None],
        published=publication is not None,
        published_by=publication["by_name"] if publication else None,
        published_at=publication["published_at"] if publication else None,
        lines=lines,
        monthly_stars=monthly_stars,
        proposed_star=proposed,
        star=star,
    )


def _line(
    rank: int, subject: Subject, monthly: list[int], score, upheld: int, tally: tuple[int, int], grade
) -> QuarterLineRead:
    rate = _rate(tally)
    return QuarterLineRead(
        rank=rank,
        window_id=subject.id,
        window_number=subject.number,
        window_name=subject.name,
        department=subject.department,
        monthly=monthly,
        score=score,
        upheld_complaints=upheld,
        evaluations=tally[0],
        satisfied=tally[1],
        satisfaction=float(rate) if rate is not None else None,
        grade=grade,
        grade_label=grade.label,
    )


async def _published_rows(publication_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The frozen ranking of each of these publications, in rank order."""
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not publication_ids:
        return rows
    query = (
        QuarterResult.select(
            QuarterResult.all_columns(),
            QuarterResult.window.name.as_alias("window_name"),
            QuarterResult.window.number.as_alias("window_number"),
            QuarterResult.window.department.name.as_alias("department"),
        )
        .where(db.any_of(QuarterResult.publication, publication_ids))
        .order_by(QuarterResult.rank)
        .order_by(QuarterResult.id)
        .output(load_json=True)
    )
    for row in await query:
        rows[row["publication"]].append(row)
    return rows


def _published_line(row: dict[str, Any], windows: dict[int, Subject]) -> QuarterLineRead:
    subject = windows.get(row["window"]) or Subject(
        WINDOW, row["window"], row["window_name"], row["window_number"], row["department"], row["window_name"]
    )
    return _line(
        row["rank"],
        subject,
        row["monthly"],
        row["score"],
        row["upheld_complaints"],
        (row["evaluations"], row["satisfied"]),
        scoring.Grade(row["grade"]),
    )


async def publish_quarter(
    *,
    hall_id: int,
    quarter: dt.date,
    star_staff_id: int | None,
    actor_id: int,
    now: dt.datetime,
    scope: HallScope,
) -> QuarterRead:
    """季度公示: the director publishes a quarter whose three months are signed off; its
    ranking is frozen from then on. The quarter's service star is one of the monthly ones,
    the system's proposal unless the director chooses another."""
    report = await quarter_report(hall_id=hall_id, quarter=quarter, now=now, scope=scope)
    if report.published:
        raise Conflict("{quarter}的考核结果已公示", quarter=report.label)
    if report.unsigned_months:
        raise Conflict(
            "{months}尚未签发，不能公示本季度",
            months="、".join(f"{month.year}-{month.month:02d}" for month in report.unsigned_months),
        )
    candidates = {star.staff_id for star in report.monthly_stars}
    chosen = (
        star_staff_id if star_staff_id is not None else report.proposed_star and report.proposed_star.staff_id
    )
    if star_staff_id is not None and star_staff_id not in candidates:
        raise InvalidInput.single("star_staff_id", "季度服务明星", "应从本季度的月度服务明星中选出")
    async with db.transaction():
        await db.lock(findings.LEDGER_LOCK, hall_id)
        if await QuarterPublication.exists().where(
            (QuarterPublication.hall == hall_id) & (QuarterPublication.quarter == report.quarter)
        ):
            raise Conflict("{quarter}的考核结果已公示", quarter=report.label)
        publication = (
            await QuarterPublication.insert(
                QuarterPublication(
                    hall=hall_id,
                    quarter=report.quarter,
                    star=chosen,
                    published_by=actor_id,
                    published_at=dt.datetime.now(dt.UTC),
                )
            ).returning(QuarterPublication.id)
        )[0]["id"]
        if report.lines:
            await QuarterResult.insert(
                *(
                    QuarterResult(
                        publication=publication,
                        window=line.window_id,
                        rank=line.rank,
                        score=line.score,
                        monthly=line.monthly,
                        upheld_complaints=line.upheld_complaints,
                        evaluations=line.evaluations,
                        satisfied=line.satisfied,
                        grade=line.grade,
                    )
                    for line in report.lines
                )
            )
        await audit.record(
            "assessment.quarter.publish",
            subject_type="assessment_quarter",
            subject_id=report.label,
            hall_id=hall_id,
            before={"published": False},
            after={"published": True, "star_staff_id": chosen, "windows": len(report.lines)},
        )
    return await quarter_report(hall_id=hall_id, quarter=quarter, now=now, scope=scope)
