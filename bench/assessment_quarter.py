"""A county's quarter of assessment: 200 halls, 2,000 windows, 10,000 staff and about 300,000
findings; every hall's quarter report, and the director's overview of a month.

    .venv/bin/python bench/assessment_quarter.py [--halls 200] [--windows 2000] [--staff 10000]
        [--presses 8] [--requests 20] [--no-server] [--profile FILE]

Creates a throw-away PostgreSQL database on the server of DATABASE_URL (default: the local
one), migrates it and fills it (asyncpg COPY; set-up is not measured) with 2026-Q3
(2026-07-01..09-30, the working days of the hall calendar) as the ledger stands the morning
after the nightly job, with every source an automatic finding rests on:

- a county centre (no windows) over `--halls` township halls, `--windows` windows spread
  over them (10 a hall, ten departments), `--staff` people spread over the windows (5 a
  window), none of them covering another window;
- a final attendance verdict for every person, working day and session (10,000 x 66 x 2 =
  1.32 M): about 1 % of sessions absent, 1.5 % on leave, and per slot late 6 %, missing 1 %,
  early leave 4.5 %, off post 0.5 %;
- `--presses` evaluator presses per window and working day (about 1 M), 7 % not satisfied;
  85 % attributed to one of the window's people, the rest to the window only;
- 5 upheld complaints per hall (1,000), 5 % of their findings since withdrawn;
- the automatic findings made by the product itself: `findings.sync_month` for every hall
  and month, once, in set-up (its time is printed as "first sync"); then about 1.5 manual
  findings per person and month (督查: no badge, untidy desk, not cleaned, case not
  registered or overdue, off post) by COPY, and the director's hand reversals of 1 % of
  the manual findings and 0.5 % of the automatic ones. About 300,000 findings in all.

No month is signed off and no quarter published, so every figure below is computed from
the ledger, as the product does for an open quarter. Measured, in this process, with the
product's connection pool (its first query waits on a fresh pool):

- quarter, first pass: `scores.quarter_reports` for every hall at once (scores of the three
  months for every window and person, grades, ranking, monthly stars and the quarter's
  proposal), as the county's ranking is computed, right after set-up; each input is read
  once for all halls. It includes `bring_up_to_date`, which every reader of an open month
  runs: the halls' final attendance days (every working day final, nothing to recompute)
  and the change marks of their three months (`findings.unsynced`: nothing changed since
  the set-up's sync, so no month's sources are read again; the number of findings is
  counted before and after the pass and must not move);
- quarter, second pass: the same again (warm caches);
- of which bring_up_to_date: that step alone for every hall's three months, to split the
  time between keeping the ledger in step and the scoring proper;
- one hall's quarter: `scores.quarter_report` (the director's quarter page) for the first
  20 halls one after the other: median and max;
- overview: the director's overview of one hall's August, `REQUESTS` times: in-process
  (`scores.month_scores`, which also brings July and August up to date), and through a
  real server (`uvicorn --factory web.app:create_app`, 1 worker, its own Redis queue name,
  no job worker) as a director with a session token: the API
  `GET /api/assessment/months/2026-08?hall_id=` and the page `GET /assessment?hall_id=&month=2026-08`,
  each measured when the server has it (a 404 is reported as "not there"). The judged
  overview figure is the page's median, else the API's, else the in-process one.

Beside the wall-clock times: the CPU seconds of this process and of the database's
PostgreSQL backends over each pass, and the load average, because other work on a shared
2-core machine stretches the wall clock and not the CPU; and a floor: what computing every
hall's quarter from the ledger must read (the findings summed per hall, month, subject,
category; the presses counted per month; windows, staff, upheld complaints), each in one
bare-SQL query for all halls at once, with no scoring and no sync.

Targets (issue 7): every hall's quarter under 5 s (judged on the slower of the two passes);
the overview under 300 ms (median of 20 requests). The ratio printed is figure / target:
below 1 meets it. `--profile FILE` runs a third quarter pass under cProfile, writes it to
FILE and prints its top functions. The script asserts nothing about time; it stops with an
error only when a report comes back incomplete.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import io
import os
import pstats
import random
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from common import TICKS, Server, database_url, on_server

REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
QUARTER = dt.date(2026, 7, 1)
QUARTER_END = dt.date(2026, 9, 30)
MONTHS = (dt.date(2026, 7, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1))
OVERVIEW_MONTH = dt.date(2026, 8, 1)
NOW = dt.datetime(2026, 10, 15, 12, 0)  # hall-local: the quarter is over, nothing signed off
# When the verdicts, presses and complaints were recorded: before the nightly sync that wrote
# the automatic findings (set-up's first sync_month), as in a hall the morning after.
RECORDED = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
TARGET_QUARTER_SECONDS = 5.0
TARGET_OVERVIEW_MS = 300.0
ONE_HALL_SAMPLES = 20
DEPARTMENTS = (
    "民政办",
    "社保所",
    "医保站",
    "不动产登记",
    "市场监管所",
    "税务分局",
    "户籍窗口",
    "公积金",
    "残联",
    "退役军人服务站",
)
# Summer hours (May to September): 08:00-11:00 and 14:00-17:00, in seconds since midnight.
HOURS = {"morning": (28_800, 39_600), "afternoon": (50_400, 61_200)}
LEVELS = (
    ("very_satisfied", True, 0.45),
    ("satisfied", True, 0.38),
    ("basically_satisfied", True, 0.10),
    ("dissatisfied", False, 0.05),
    ("very_dissatisfied", False, 0.02),
)
# Manual rules with their weights and the points an inspector gives (a range: by severity).
MANUAL = (
    ("no_badge", 0.35, (1, 1)),
    ("untidy_desk", 0.20, (1, 5)),
    ("not_cleaned", 0.10, (1, 10)),
    ("case_not_registered", 0.15, (2, 2)),
    ("case_overdue", 0.05, (5, 5)),
    ("off_post", 0.15, (2, 2)),
)
MANUAL_PER_PERSON_MONTH = 1.5
COMPLAINTS_PER_HALL = 5
CHUNK = 200_000


@dataclass
class County:
    county: int
    halls: list[int]
    windows: dict[int, list[int]]  # hall -> its windows
    people: dict[int, list[int]]  # window -> its people
    hall_of_window: dict[int, int]
    days: list[dt.date]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def staff(self) -> list[tuple[int, int, int]]:
        """(hall, window, person)"""
        return [
            (self.hall_of_window[window], window, person)
            for window, people in self.people.items()
            for person in people
        ]


def _spread(total: int, over: int) -> list[int]:
    return [total // over + (1 if index < total % over else 0) for index in range(over)]


# ---- set-up -----------------------------------------------------------------------------------


async def _organisation(connection: asyncpg.Connection, halls: int, windows: int, staff: int) -> County:
    created = dt.datetime.now(dt.UTC)
    county = await connection.fetchval(
        "INSERT INTO hall (code, name, level, address, created_at)"
        " VALUES ('county', '示范县政务服务中心', 'centre', '', now()) RETURNING id"
    )
    await connection.copy_records_to_table(
        "department", columns=["name", "created_at"], records=[(name, created) for name in DEPARTMENTS]
    )
    departments = [row["id"] for row in await connection.fetch("SELECT id FROM department ORDER BY id")]
    await connection.copy_records_to_table(
        "hall",
        columns=["code", "name", "level", "parent", "address", "created_at"],
        records=[
            (f"town{number:03d}", f"第{number + 1}镇便民服务中心", "township", county, "", created)
            for number in range(halls)
        ],
    )
    hall_ids = [
        row["id"]
        for row in await connection.fetch("SELECT id FROM hall WHERE parent = $1 ORDER BY id", county)
    ]
    window_rows = []
    for hall, count in zip(hall_ids, _spread(windows, halls), strict=True):
        for number in range(count):
            department = departments[number % len(departments)]
            name = f"{DEPARTMENTS[number % len(DEPARTMENTS)]}窗口"
            window_rows.append((hall, department, str(number + 1), name, True, created))
    await connection.copy_records_to_table(
        "window",
        columns=["hall", "department", "number", "name", "active", "created_at"],
        records=window_rows,
    )
    by_hall: dict[int, list[int]] = {hall: [] for hall in hall_ids}
    hall_of_window = {}
    for row in await connection.fetch('SELECT id, hall FROM "window" ORDER BY id'):
        by_hall[row["hall"]].append(row["id"])
        hall_of_window[row["id"]] = row["hall"]
    all_windows = [window for hall in hall_ids for window in by_hall[hall]]
    staff_rows = []
    serial = 0
    for window, count in zip(all_windows, _spread(staff, len(all_windows)), strict=True):
        for _ in range(count):
            serial += 1
            staff_rows.append(
                (
                    hall_of_window[window],
                    window,
                    f"职员{serial:05d}",
                    f"S{serial:05d}",
                    "",
                    "active",
                    "",
                    created,
                )
            )
    await connection.copy_records_to_table(
        "staff",
        columns=["hall", "window", "name", "staff_number", "phone", "status", "photo", "created_at"],
        records=staff_rows,
    )
    people: dict[int, list[int]] = {window: [] for window in all_windows}
    for row in await connection.fetch('SELECT id, "window" FROM staff ORDER BY id'):
        people[row["window"]].append(row["id"])
    return County(county, hall_ids, by_hall, people, hall_of_window, [])


def _session(rng: random.Random, session: str) -> tuple:
    """(status, start mark, end mark, start second, end second, leave type) of one session."""
    start, end = HOURS[session]
    roll = rng.random()
    if roll < 0.01:
        return ("absent", "missing", "missing", None, None, None)
    if roll < 0.025:
        return ("leave", "not_required", "not_required", None, None, "sick" if roll < 0.02 else "personal")
    roll = rng.random()
    if roll < 0.06:
        start_mark, start_second = "late", start + rng.randint(60, 1800)
    elif roll < 0.07:
        start_mark, start_second = "missing", None
    else:
        start_mark, start_second = "on_time", start - rng.randint(0, 1200)
    roll = rng.random()
    if roll < 0.045:
        end_mark, end_second = "early_leave", end - rng.randint(60, 1800)
    elif roll < 0.055:
        end_mark, end_second = "missing", None
    elif roll < 0.06:
        end_mark, end_second = "off_post", end + rng.randint(0, 600)
    else:
        end_mark, end_second = "on_time", end + rng.randint(0, 1800)
    return ("attended", start_mark, end_mark, start_second, end_second, None)


async def _verdicts(connection: asyncpg.Connection, county: County, rng: random.Random) -> int:
    from attendance.verdicts import VERDICT_COLUMNS

    computed = RECORDED
    written = 0
    batch: list[tuple] = []
    for hall, window, person in county.staff:
        for day in county.days:
            for session in ("morning", "afternoon"):
                batch.append(
                    (person, hall, window, day, session, *_session(rng, session), True, False, computed)
                )
        if len(batch) >= CHUNK:
            await connection.copy_records_to_table("verdict", columns=list(VERDICT_COLUMNS), records=batch)
            written += len(batch)
            batch = []
    await connection.copy_records_to_table("verdict", columns=list(VERDICT_COLUMNS), records=batch)
    return written + len(batch)


async def _presses(connection: asyncpg.Connection, county: County, per_day: int, rng: random.Random) -> int:
    levels = [level for level, _, _ in LEVELS]
    weights = [weight for _, _, weight in LEVELS]
    satisfied = {level: good for level, good, _ in LEVELS}
    received = RECORDED
    columns = [
        "hall",
        "window",
        "staff",
        "device",
        "pressed_at",
        "level",
        "satisfied",
        "attribution",
        "received_at",
    ]
    written = 0
    batch: list[tuple] = []
    for window, people in county.people.items():
        hall = county.hall_of_window[window]
        for day in county.days:
            opening = dt.datetime.combine(day, dt.time(8, 30))
            for seconds in sorted(rng.sample(range(0, 8 * 3600), per_day)):
                level = rng.choices(levels, weights)[0]
                roll = rng.random()
                if roll < 0.85 and people:
                    staff, attribution = rng.choice(people), "present"
                else:
                    staff, attribution = None, "several" if roll < 0.95 else "nobody"
                at = opening + dt.timedelta(seconds=seconds)
                batch.append((hall, window, staff, None, at, level, satisfied[level], attribution, received))
        if len(batch) >= CHUNK:
            await connection.copy_records_to_table("evaluation", columns=columns, records=batch)
            written += len(batch)
            batch = []
    await connection.copy_records_to_table("evaluation", columns=columns, records=batch)
    return written + len(batch)


async def _complaints(connection: asyncpg.Connection, county: County, rng: random.Random) -> tuple[int, int]:
    created = RECORDED
    complaints, chosen = [], []
    serial = 0
    for hall in county.halls:
        for _ in range(COMPLAINTS_PER_HALL):
            serial += 1
            window = rng.choice(county.windows[hall])
            staff = (
                rng.choice(county.people[window]) if rng.random() < 0.8 and county.people[window] else None
            )
            day = rng.choice(county.days[:-5])
            received = dt.datetime.combine(day, dt.time(10, 0))
            due = received + dt.timedelta(days=5)
            complaints.append(
                (
                    hall,
                    f"TS{day:%Y%m%d}{serial:05d}",
                    "",
                    rng.choice(("in_person", "phone", "written", "online", "suggestion_box")),
                    "general",
                    False,
                    False,
                    window,
                    staff,
                    "",
                    "办事态度差，推诿",
                    received,
                    received,
                    "群众",
                    "13800000000",
                    "closed",
                    due,
                    due,
                    received + dt.timedelta(days=2),
                    True,
                    "warning",
                    "",
                    received + dt.timedelta(days=3),
                    created,
                )
            )
            chosen.append((hall, window, staff, day + dt.timedelta(days=3)))
    await connection.copy_records_to_table(
        "complaint",
        columns=[
            "hall",
            "number",
            "code_hash",
            "channel",
            "complaint_class",
            "marked_complex",
            "serious",
            "window",
            "staff",
            "person_description",
            "content",
            "occurred_at",
            "received_at",
            "complainant_name",
            "complainant_contact",
            "state",
            "original_due_at",
            "due_at",
            "replied_at",
            "upheld",
            "sanction",
            "finding_note",
            "closed_at",
            "created_at",
        ],
        records=complaints,
    )
    ids = [row["id"] for row in await connection.fetch("SELECT id FROM complaint ORDER BY id")]
    findings = []
    withdrawn = 0
    for complaint, (hall, window, staff, day) in zip(ids, chosen, strict=True):
        gone = rng.random() < 0.05
        withdrawn += gone
        findings.append(
            (
                complaint,
                hall,
                window,
                staff,
                day,
                5,
                "warning",
                created,
                created if gone else None,
                "重新认定不成立" if gone else "",
            )
        )
    await connection.copy_records_to_table(
        "complaint_finding",
        columns=[
            "complaint",
            "hall",
            "window",
            "staff",
            "day",
            "points",
            "sanction",
            "created_at",
            "withdrawn_at",
            "withdrawn_reason",
        ],
        records=findings,
    )
    return len(findings), withdrawn


async def _manual(connection: asyncpg.Connection, county: County, inspector: int, rng: random.Random) -> int:
    from assessment.catalogue import BY_CODE
    from assessment.findings import INSERT_COLUMNS, counts_for

    codes = [code for code, _, _ in MANUAL]
    weights = [weight for _, weight, _ in MANUAL]
    points = {code: span for code, _, span in MANUAL}
    entered = dt.datetime.now(dt.UTC)
    rows = []
    for hall in county.halls:
        people = [(window, person) for window in county.windows[hall] for person in county.people[window]]
        for _ in range(round(len(people) * len(MONTHS) * MANUAL_PER_PERSON_MONTH)):
            rule = BY_CODE[rng.choices(codes, weights)[0]]
            window, person = rng.choice(people)
            staff = None if rule.target.value == "window" else person
            for_person, for_window = counts_for(rule, has_person=staff is not None, cover=False)
            effect = -rng.randint(*points[rule.code])
            rows.append(
                (
                    hall,
                    rng.choice(county.days),
                    rule.code,
                    rule.name,
                    rule.category.value,
                    rule.bonus,
                    effect,
                    window,
                    staff,
                    for_person,
                    for_window,
                    "manual",
                    None,
                    None,
                    None,
                    "督查发现",
                    "",
                    None,
                    "",
                    inspector,
                    entered,
                )
            )
    await connection.copy_records_to_table("finding", columns=list(INSERT_COLUMNS), records=rows)
    return len(rows)


async def _reversals(connection: asyncpg.Connection, director: int, rng: random.Random) -> tuple[int, int]:
    """The director's hand reversals: 1 % of the manual findings, 0.5 % of the automatic ones
    (which then stay reversed whatever their source says)."""
    from assessment.findings import INSERT_COLUMNS, _reversal_row

    entered = dt.datetime.now(dt.UTC)
    manual = await connection.fetch("SELECT * FROM finding WHERE source = 'manual' AND reverses IS NULL")
    automatic = await connection.fetch("SELECT * FROM finding WHERE source <> 'manual' AND reverses IS NULL")
    chosen_manual = rng.sample(list(manual), len(manual) // 100)
    chosen_automatic = rng.sample(list(automatic), len(automatic) // 200)
    rows = [
        _reversal_row(dict(row), "复核不成立", director, entered) for row in chosen_manual + chosen_automatic
    ]
    await connection.copy_records_to_table("finding", columns=list(INSERT_COLUMNS), records=rows)
    return len(chosen_manual), len(chosen_automatic)


async def _set_up(url: str, halls: int, windows: int, staff: int, presses: int) -> tuple[County, str, int]:
    """The county and its quarter; returns it, the director's session token and the hall they
    direct (the first)."""
    from assessment import findings
    from hall import accounts
    from hall.calendar import hall_calendar
    from hall.roles import Role
    from hall.schemas import AccountCreate
    from hall.tables import TokenKind

    rng = random.Random(20261001)
    connection = await asyncpg.connect(url)
    try:
        county = await _organisation(connection, halls, windows, staff)
        calendar = await hall_calendar(hall_id=county.halls[0], start=QUARTER, end=QUARTER_END)
        county.days = calendar.working_days(QUARTER, QUARTER_END)
        hall = county.halls[0]
        director = await accounts.create_account(
            data=AccountCreate(
                username="director",
                password=uuid.uuid4().hex,
                role=Role.DIRECTOR,
                display_name="主任",
                hall_id=hall,
            ),
            scope=None,
        )
        inspector = await accounts.create_account(
            data=AccountCreate(
                username="inspector",
                password=uuid.uuid4().hex,
                role=Role.INSPECTOR,
                display_name="督查员",
                hall_id=county.county,
            ),
            scope=None,
        )
        token, _ = await accounts.issue_token(
            account_id=director.id,
            kind=TokenKind.SESSION,
            now=dt.datetime.now(dt.UTC),
            lifetime=dt.timedelta(hours=4),
        )
        county.counts["verdicts"] = await _verdicts(connection, county, rng)
        county.counts["presses"] = await _presses(connection, county, presses, rng)
        county.counts["complaints"], county.counts["withdrawn"] = await _complaints(connection, county, rng)
        await connection.execute("ANALYZE")
        started = time.perf_counter()
        for hall_id in county.halls:
            for month in MONTHS:
                await findings.sync_month(hall_id=hall_id, month=month)
        county.counts["first_sync_ms"] = round((time.perf_counter() - started) * 1000)
        county.counts["manual"] = await _manual(connection, county, inspector.id, rng)
        county.counts["reversed_manual"], county.counts["reversed_automatic"] = await _reversals(
            connection, director.id, rng
        )
        await connection.execute("VACUUM ANALYZE")
        return county, token, hall
    finally:
        await connection.close()


async def _floor(url: str) -> tuple[float, int]:
    """What computing every hall's quarter from the ledger must read, each in one query for
    all halls, by bare asyncpg: the findings summed per hall, month, window or person,
    category and bonus; the presses counted per hall, window, person, month and satisfied;
    the windows and staff; the upheld complaints that stand. No scoring: the reads alone.
    Returns the seconds and the rows read."""
    connection = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        rows = 0
        for subject, counts in (('"window"', "for_window"), ("staff", "for_person")):
            rows += len(
                await connection.fetch(
                    f"SELECT hall, {subject} AS subject, date_trunc('month', day) AS month, category, bonus,"
                    f" sum(effect) FROM finding WHERE day >= $1 AND day <= $2 AND {counts}"
                    f" GROUP BY hall, {subject}, month, category, bonus",
                    QUARTER,
                    QUARTER_END,
                )
            )
        rows += len(
            await connection.fetch(
                "SELECT hall, \"window\", staff, date_trunc('month', pressed_at) AS month, satisfied,"
                " count(*) FROM evaluation WHERE pressed_at >= $1 AND pressed_at < $2"
                ' GROUP BY hall, "window", staff, month, satisfied',
                dt.datetime.combine(QUARTER, dt.time()),
                dt.datetime.combine(QUARTER_END + dt.timedelta(days=1), dt.time()),
            )
        )
        rows += len(
            await connection.fetch(
                'SELECT w.id, w.hall, w.number, w.name, w.active, d.name FROM "window" w'
                " JOIN department d ON d.id = w.department"
            )
        )
        rows += len(
            await connection.fetch('SELECT id, hall, "window", name, staff_number, left_on FROM staff')
        )
        rows += len(
            await connection.fetch(
                'SELECT f.hall, f."window", count(*) FROM finding f WHERE f.day >= $1 AND f.day <= $2'
                " AND f.rule = 'complaint_upheld' AND f.for_window AND f.reverses IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM finding r WHERE r.reverses = f.id) GROUP BY 1, 2",
                QUARTER,
                QUARTER_END,
            )
        )
        return time.perf_counter() - started, rows
    finally:
        await connection.close()


# ---- measuring ---------------------------------------------------------------------------------


async def _finding_count() -> int:
    from assessment.tables import Finding

    return await Finding.count()


async def _quarter_pass(halls: list[int]) -> float:
    """Every hall's quarter at once (`scores.quarter_reports`), as the county's publication
    and the nightly ranking compute it."""
    from assessment import scores

    started = time.perf_counter()
    reports = await scores.quarter_reports(hall_ids=halls, quarter=QUARTER, now=NOW)
    elapsed = time.perf_counter() - started
    for hall_id in halls:
        report = reports[hall_id]
        if not report.lines or len(report.unsigned_months) != 3 or not report.monthly_stars:
            raise RuntimeError(f"hall {hall_id}: an incomplete quarter report {report!r:.300}")
    return elapsed


async def _one_hall_passes(halls: list[int]) -> list[float]:
    """One hall's quarter (`scores.quarter_report`, the director's quarter page), hall by hall."""
    from assessment import scores

    samples = []
    for hall_id in halls:
        begun = time.perf_counter()
        await scores.quarter_report(hall_id=hall_id, quarter=QUARTER, now=NOW, scope=None)
        samples.append(time.perf_counter() - begun)
    return samples


async def _bring_up_to_date(halls: list[int]) -> float:
    from assessment import scores

    started = time.perf_counter()
    await scores.bring_up_to_date(hall_ids=halls, months=MONTHS, now=NOW)
    return time.perf_counter() - started


async def _overview_in_process(hall_id: int, requests: int) -> list[float]:
    from assessment import scores

    samples = []
    for _ in range(requests):
        begun = time.perf_counter()
        overview = await scores.month_scores(
            hall_id=hall_id, month=OVERVIEW_MONTH, now=NOW, scope=frozenset({hall_id})
        )
        samples.append((time.perf_counter() - begun) * 1000)
        if not overview.windows or not overview.people:
            raise RuntimeError(f"hall {hall_id}: an empty overview")
    return samples


def _profile_top(path: Path, lines: int = 25) -> str:
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("tottime").print_stats(lines)
    return out.getvalue()


# ---- the server ------------------------------------------------------------------------------


def _backend_cpu(database: str) -> dict[int, float]:
    """CPU seconds used so far by each live PostgreSQL backend connected to this database
    (their process titles name it), by pid: the database's share of the work, whatever
    else runs on the machine."""
    used = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            title = Path(f"/proc/{entry}/cmdline").read_bytes()
            if f" {database} ".encode() not in title:
                continue
            fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        used[int(entry)] = (int(fields[11]) + int(fields[12])) / TICKS
    return used


class _Cpu:
    """CPU seconds of this process and of the database's backends between laps. The
    backends are sampled four times a second: the pool replaces a connection after so many
    queries, and a backend that ended loses only what it used since its last sample."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.seen = _backend_cpu(database)
        self.marks = (time.process_time(), dict(self.seen))
        self.task = asyncio.get_running_loop().create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            self.seen.update(_backend_cpu(self.database))

    def lap(self) -> str:
        self.seen.update(_backend_cpu(self.database))
        now = (time.process_time(), dict(self.seen))
        own = now[0] - self.marks[0]
        backends = sum(used - self.marks[1].get(pid, 0.0) for pid, used in now[1].items())
        self.marks = now
        return f"CPU: this process {own:.1f} s, PostgreSQL {backends:.1f} s"

    def stop(self) -> None:
        self.task.cancel()


@dataclass
class Timed:
    label: str
    samples: list[float]  # ms; empty: the server does not have it
    status: int


async def _http(url: str, token: str, hall_id: int, requests: int) -> list[Timed]:
    month = f"{OVERVIEW_MONTH:%Y-%m}"
    targets = [
        (
            f"GET /api/assessment/months/{month}?hall_id={hall_id}",
            f"/api/assessment/months/{month}",
            {"hall_id": hall_id},
            {"Authorization": f"Bearer {token}"},
        ),
        (
            f"GET /assessment?hall_id={hall_id}&month={month}",
            "/assessment",
            {"hall_id": hall_id, "month": month},
            {"Cookie": f"hall_session={token}"},
        ),
    ]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_assessment_") as log_dir:
        server = Server(url, 1, Path(log_dir), redis=REDIS, queue_prefix="bench:assessment")
        try:
            await server.ready()
            await server.idle()  # its face workers loading their models
            async with httpx.AsyncClient(base_url=server.base, timeout=120) as client:
                for label, path, params, headers in targets:
                    samples, status = [], 0
                    for _ in range(requests):
                        begun = time.perf_counter()
                        response = await client.get(path, params=params, headers=headers)
                        elapsed = (time.perf_counter() - begun) * 1000
                        status = response.status_code
                        if status != 200:
                            break
                        samples.append(elapsed)
                    results.append(Timed(label, samples, status))
        finally:
            server.stop()
            await server.forget_queue()
    return results


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    return (
        f"median {statistics.median(ordered):6.1f} ms  (first {samples[0]:.1f}, min {ordered[0]:.1f},"
        f" max {ordered[-1]:.1f}; {len(samples)} requests)"
    )


async def _measure(
    halls: int, windows: int, staff: int, presses: int, requests: int, serve: bool, profile: Path | None
) -> None:
    name = f"bench_assessment_{uuid.uuid4().hex[:10]}"
    await on_server(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    os.environ.update({"DATABASE_URL": url, "DATABASE_POOL": "1", "DEMO_DATA": "0"})
    from hall import db
    from hall.config import get_config

    try:
        setup = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            await db.migrate()
        await db.start(get_config().database)
        county, token, overview_hall = await _set_up(url, halls, windows, staff, presses)
        counts = county.counts
        connection = await asyncpg.connect(url)
        try:
            by_source = dict(
                await connection.fetch(
                    "SELECT source, count(*) FROM finding WHERE reverses IS NULL"
                    " GROUP BY source ORDER BY source"
                )
            )
            not_satisfied = await connection.fetchval("SELECT count(*) FROM evaluation WHERE NOT satisfied")
        finally:
            await connection.close()
        total = await _finding_count()
        reversals = counts["reversed_manual"] + counts["reversed_automatic"]
        print(
            f"{len(county.halls)} halls, {sum(map(len, county.windows.values())):,} windows,"
            f" {len(county.staff):,} staff; {QUARTER:%Y}-Q3: {len(county.days)} working days,"
            f" {counts['verdicts']:,} final verdicts, {counts['presses']:,} presses"
            f" ({not_satisfied:,} not satisfied), {counts['complaints']:,} upheld complaints"
            f" ({counts['withdrawn']} withdrawn)\n"
            f"ledger: {total:,} findings: "
            + ", ".join(f"{source} {count:,}" for source, count in by_source.items())
            + f", hand reversals {reversals:,}"
            f"  (set up in {time.perf_counter() - setup:.0f} s; the first sync_month of every hall's"
            f" three months, which wrote the automatic ones, {counts['first_sync_ms'] / 1000:.1f} s)"
        )

        # A fresh pool, as a process that has just started would have.
        await db.stop()
        await db.start(get_config().database)
        load = os.getloadavg()[0]
        cpu = _Cpu(name)
        first = await _quarter_pass(county.halls)
        first_cpu = cpu.lap()
        after_first = await _finding_count()
        cpu.lap()
        second = await _quarter_pass(county.halls)
        second_cpu = cpu.lap()
        after_second = await _finding_count()
        cpu.lap()
        in_step = await _bring_up_to_date(county.halls)
        in_step_cpu = cpu.lap()
        cpu.stop()
        one_hall = await _one_hall_passes(county.halls[:ONE_HALL_SAMPLES])
        floors = [await _floor(url) for _ in range(3)]
        floor, floor_rows = min(floors)
        load = max(load, os.getloadavg()[0])
        ledger = (
            "unchanged"
            if total == after_first == after_second
            else f"CHANGED: {total:,} -> {after_first:,} -> {after_second:,}"
        )
        judged = max(first, second)
        print(
            f"quarter, first pass:   {first:6.2f} s  ({first_cpu}; findings {ledger})\n"
            f"quarter, second pass:  {second:6.2f} s  ({second_cpu})\n"
            f"  of which bring_up_to_date {in_step:.2f} s ({in_step_cpu}; measured alone: the final days"
            f" and the change marks of every hall's three months, nothing to change), so the scores,"
            f" grades, ranking and stars {second - in_step:.2f} s\n"
            f"one hall's quarter:    median {statistics.median(one_hall) * 1000:.0f} ms, max"
            f" {max(one_hall) * 1000:.0f} ms  (scores.quarter_report, the director's quarter page, over"
            f" {len(one_hall)} halls one after the other)\n"
            f"floor:                 {floor:6.2f} s  (the ledger sums, press tallies, windows, staff and"
            f" upheld complaints of every hall read at once by bare SQL, {floor_rows:,} rows, no scoring;"
            f" best of 3)\n"
            f"ratio:                 {judged / TARGET_QUARTER_SECONDS:6.2f}    (slower pass / target"
            f" {TARGET_QUARTER_SECONDS:.0f} s): {'PASS' if judged < TARGET_QUARTER_SECONDS else 'MISS'};"
            f" {judged / floor:.1f} x the floor; load average {load:.1f} on {os.cpu_count()} cores"
        )

        if profile is not None:
            profiler = cProfile.Profile()
            profiler.enable()
            third = await _quarter_pass(county.halls)
            profiler.disable()
            profiler.dump_stats(str(profile))
            print(
                f"quarter, profiled pass: {third:6.2f} s (under cProfile; {profile})\n{_profile_top(profile)}"
            )

        in_process = await _overview_in_process(overview_hall, requests)
        print(f"overview in-process (scores.month_scores, hall {overview_hall}, 2026-08): {_ms(in_process)}")
        judged_label, judged_samples = "in-process", in_process
        if serve:
            # The server's requests must not queue behind this process's pooled connections.
            await db.stop()
            for timed in await _http(url, token, overview_hall, requests):
                if timed.status == 200:
                    print(f"overview {timed.label}: {_ms(timed.samples)}")
                    judged_label, judged_samples = timed.label, timed.samples
                else:
                    print(f"overview {timed.label}: not there ({timed.status})")
        median = statistics.median(judged_samples)
        print(
            f"ratio:                 {median / TARGET_OVERVIEW_MS:6.2f}    (median {median:.1f} ms of"
            f" {judged_label} / target {TARGET_OVERVIEW_MS:.0f} ms):"
            f" {'PASS' if median < TARGET_OVERVIEW_MS else 'MISS'}"
        )
    finally:
        await db.stop()
        await on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halls", type=int, default=200)
    parser.add_argument("--windows", type=int, default=2000)
    parser.add_argument("--staff", type=int, default=10000)
    parser.add_argument("--presses", type=int, default=8, help="evaluator presses per window and working day")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-server", action="store_true", help="measure the overview in-process only")
    parser.add_argument("--profile", type=Path, help="profile a third quarter pass into this file")
    arguments = parser.parse_args()
    asyncio.run(
        _measure(
            arguments.halls,
            arguments.windows,
            arguments.staff,
            arguments.presses,
            arguments.requests,
            not arguments.no_server,
            arguments.profile,
        )
    )


if __name__ == "__main__":
    main()
