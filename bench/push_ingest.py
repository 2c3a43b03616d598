"""Push terminals uploading attendance: 100,000 ATTLOG lines from 20 terminals at once through
a running server on PostgreSQL, against the floor of bare asyncpg inserts.

    .venv/bin/python bench/push_ingest.py [--workers 1,2] [--floor-repeat 3] [--profile FILE]

Creates a throw-away PostgreSQL database on the server of DATABASE_URL (default: the local
one) and fills it as a county would be: 20 township halls (made with the product's
services), each with one window, 139 staff (bulk COPY: set-up is not measured) and one push
terminal registered by SN (`devices.registry.register_device`). One terminal per hall is
how a township hall is equipped; it also means 20 independent streams, the shape the
issue asks about.

Each terminal holds four punches a day per person over the last 6 working days before
today (hall-local times, none in the future): 3,336 lines, 66,720 in all. It sends them
in time order in 10 batches of 500 lines; each batch after the first begins with a run of
lines the terminal sent before (as it does after a reset, from an older stamp on) and is
filled up with new ones: 33,280 re-sent lines, 100,000 in all.

For each `--workers` count a real server is started on a free port:
`uvicorn --factory web.app:create_app --workers N` with MIGRATE_ON_START=0 (the database
is migrated beforehand, as in a deployment), DEMO_DATA=0, and REDIS_URL (default the local
one, under a queue name of its own) because several app processes are deployed with Redis;
no arq worker runs, so nothing but the server touches the data. Each terminal first does
its handshake, and the clock starts once the server's processes are idle. Then the 20
terminals post at once, each its batches one after the other over one connection, as a
terminal does; every answer must be `200 OK: 500`. Measured from the first request to the
last OK:

- lines/s: all 100,000 lines over that time (what the terminals see), and the unique
  lines stored per second;
- the checks: every unique line stored exactly once (zero lost, zero doubled), compared
  line by line, and the terminals' daily traffic counters agreeing;
- settled: the server recomputes the touched days in the background after answering; how
  long after the last OK `pending_day` is empty, the verdicts then stored, and how many
  verdict rows the recomputes wrote to get there (each recompute rewrites its days: 1.0
  each would be every person-day recomputed once);
- CPU seconds of the server's processes and of PostgreSQL's (all of its processes, other
  databases' work included) over the run: where the two cores went.

`--profile FILE` runs the 1-worker server under cProfile (read it with pstats; coroutines
count a call per resumption).

Floor: the same 100,000 rows (re-sends included), already parsed and resolved to staff
ids, inserted into the emptied punch table by bare asyncpg
`executemany("INSERT INTO punch ... ON CONFLICT DO NOTHING")` from 20 connections at once,
500 rows per call, each connection its terminal's batches in order; best of
`--floor-repeat` against a single HTTP run, so the ratio errs low. It is the database work
of storing the punches the plain way and nothing else (no HTTP, parsing, PIN look-up, day
markers, counters or verdicts).

The ratio is HTTP lines/s (the server with the last of `--workers`) over the floor's: the
share of the bare database speed that the whole endpoint keeps, which is what holds from
one machine, or one moment of a shared machine, to the next. Target (issue 5): at least
20,000 lines/s and at least 0.25 of the floor. The script exits 1 only when a count is
wrong (a line lost or doubled, a bad answer, verdicts never settling), 0 otherwise.

The server, PostgreSQL and this client share the machine: on 2 cores the figures are those
of a small box doing everything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import math
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from common import Server, database_url, on_server, postgres_cpu

REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
TERMINALS = 20
STAFF_PER_HALL = 139
DAYS = 6
PUNCHES_PER_DAY = 4
LINES = 100_000
BATCH = 500
TARGET_LINES_PER_SECOND = 20_000
TARGET_RATIO = 0.25
# ZKTeco verify codes in rough proportion: mostly fingerprint, some face, a few cards.
VERIFY_CODES = [1] * 8 + [15] + [4]


@dataclass
class Terminal:
    serial: str
    name: str
    hall_id: int
    staff_ids: dict[str, int]  # PIN -> staff id
    unique: list[tuple[str, dt.datetime, int]] = field(default_factory=list)  # (PIN, time, verify)
    batches: list[list[tuple[str, dt.datetime, int]]] = field(default_factory=list)


def _day_times(rng: random.Random, day: dt.date) -> list[dt.datetime]:
    """Four punches of a winter day (08:00-11:00, 13:30-16:30), some early, some late."""
    at = dt.datetime.combine
    return [
        at(day, dt.time(7, 40)) + dt.timedelta(seconds=rng.randint(0, 1800)),
        at(day, dt.time(10, 55)) + dt.timedelta(seconds=rng.randint(0, 1200)),
        at(day, dt.time(13, 10)) + dt.timedelta(seconds=rng.randint(0, 1500)),
        at(day, dt.time(16, 25)) + dt.timedelta(seconds=rng.randint(0, 1800)),
    ]


def _batches(terminal: Terminal, lines: int, batch: int, rng: random.Random) -> None:
    """Split the terminal's lines into batches: the first all new, each later one a run of
    lines sent before (a re-send from an older stamp) followed by new lines."""
    count = math.ceil(lines / batch)
    sizes = [batch] * (lines // batch) + ([lines % batch] if lines % batch else [])
    unique = len(terminal.unique)
    if unique > lines or sizes[0] > unique:
        raise SystemExit(f"{unique} unique lines per terminal do not fit {lines} lines in batches of {batch}")
    rest = unique - sizes[0]
    news = [sizes[0]] + [
        rest // (count - 1) + (1 if index < rest % (count - 1) else 0) for index in range(count - 1)
    ]
    sent = 0
    for size, new in zip(sizes, news, strict=True):
        again = size - new
        if again > sent:
            raise SystemExit("re-sends outnumber the lines sent before them: use fewer lines or more staff")
        start = rng.randint(0, sent - again)
        terminal.batches.append(terminal.unique[start : start + again] + terminal.unique[sent : sent + new])
        sent += new


def _body(lines: list[tuple[str, dt.datetime, int]]) -> bytes:
    return "".join(
        f"{pin}\t{at:%Y-%m-%d %H:%M:%S}\t0\t{verify}\t0\t0\t0\n" for pin, at, verify in lines
    ).encode()


async def _set_up(url: str, terminals: int, staff_per_hall: int) -> tuple[list[Terminal], list[dt.date]]:
    """The county, its township halls, staff and terminals; the working days punched."""
    from devices import registry
    from devices.schemas import DeviceCreate
    from devices.tables import DeviceKind
    from hall import services
    from hall.calendar import hall_calendar
    from hall.config import get_config
    from hall.schemas import DepartmentCreate, HallCreate, WindowCreate
    from hall.tables import HallLevel

    county = await services.create_hall(
        data=HallCreate(code="county", name="示范县政务服务中心", level=HallLevel.CENTRE), scope=None
    )
    department = await services.create_department(data=DepartmentCreate(name="民政办"))
    today = get_config().local_now().date()
    calendar = await hall_calendar(hall_id=county.id, start=today - dt.timedelta(days=60), end=today)
    days = [day for day in calendar.working_days(today - dt.timedelta(days=60), today) if day < today][-DAYS:]
    result = []
    connection = await asyncpg.connect(url)
    try:
        for number in range(terminals):
            hall = await services.create_hall(
                data=HallCreate(
                    code=f"town{number:02d}",
                    name=f"第{number + 1}镇便民服务中心",
                    level=HallLevel.TOWNSHIP,
                    parent_id=county.id,
                ),
                scope=None,
            )
            window = await services.create_window(
                data=WindowCreate(hall_id=hall.id, department_id=department.id, number="1", name="综合窗口"),
                scope=None,
            )
            # PINs as terminals number their users; unique within the hall, as 工号 are.
            pins = [f"{1001 + index}" for index in range(staff_per_hall)]
            await connection.copy_records_to_table(
                "staff",
                columns=["hall", "window", "name", "staff_number", "phone", "status", "photo", "created_at"],
                records=[
                    (hall.id, window.id, f"职员{pin}", pin, "", "active", "", dt.datetime.now(dt.UTC))
                    for pin in pins
                ],
            )
            rows = await connection.fetch("SELECT id, staff_number FROM staff WHERE hall = $1", hall.id)
            serial = f"BENCH{number:08d}"
            issued = await registry.register_device(
                data=DeviceCreate(
                    hall_id=hall.id, name="大厅考勤机", kind=DeviceKind.PUSH_TERMINAL, serial_number=serial
                ),
                scope=None,
                actor_id=None,
                now=dt.datetime.now(dt.UTC),
            )
            result.append(
                Terminal(
                    serial=serial,
                    name=issued.device.name,
                    hall_id=hall.id,
                    staff_ids={row["staff_number"]: row["id"] for row in rows},
                )
            )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return result, days


def _generate(terminals: list[Terminal], days: list[dt.date], lines: int, batch: int) -> None:
    rng = random.Random(20261123)
    for terminal in terminals:
        punches = [
            (pin, at, rng.choice(VERIFY_CODES))
            for day in days
            for pin in terminal.staff_ids
            for at in _day_times(rng, day)
        ]
        # A terminal's log is in the order people punched.
        terminal.unique = sorted(punches, key=lambda line: (line[1], line[0]))
        _batches(terminal, lines // len(terminals), batch, rng)


# ---- the runs ----------------------------------------------------------------------------


@dataclass
class HttpRun:
    workers: int
    seconds: float
    settle_seconds: float | None
    verdicts: int
    server_cpu: float
    postgres_cpu: float
    verdicts_written: int  # rows the recomputes inserted, the final ones and those replaced
    problems: list[str]


async def _empty(connection: asyncpg.Connection) -> None:
    # Every table a push batch writes, so that each run starts from the same state.
    await connection.execute("TRUNCATE punch, pending_day, verdict, device_day, held_record CASCADE")


async def _post_all(
    base: str, terminals: list[Terminal], bodies: dict[str, list[bytes]]
) -> tuple[float, list]:
    answers: list[tuple[str, int, str]] = []
    clients = {
        terminal.serial: httpx.AsyncClient(
            base_url=base, timeout=300, limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)
        )
        for terminal in terminals
    }
    finished: list[float] = []

    async def terminal_posts(serial: str) -> None:
        client = clients[serial]
        for stamp, body in enumerate(bodies[serial], start=1):
            response = await client.post(
                "/iclock/cdata",
                params={"SN": serial, "table": "ATTLOG", "Stamp": str(stamp)},
                content=body,
                headers={"Content-Type": "text/plain"},
            )
            answers.append((serial, response.status_code, response.text))
        finished.append(time.perf_counter())

    try:
        started = time.perf_counter()
        await asyncio.gather(*(terminal_posts(terminal.serial) for terminal in terminals))
        return max(finished) - started, answers
    finally:
        for client in clients.values():
            await client.aclose()


async def _check_stored(connection: asyncpg.Connection, terminals: list[Terminal]) -> list[str]:
    """Every unique line stored once, nothing else stored."""
    problems = []
    expected = {
        (terminal.name, terminal.hall_id, terminal.staff_ids[pin], at)
        for terminal in terminals
        for pin, at, _ in terminal.unique
    }
    rows = await connection.fetch("SELECT device, hall, staff, punched_at FROM punch")
    stored = [(row["device"], row["hall"], row["staff"], row["punched_at"]) for row in rows]
    doubled = len(stored) - len(set(stored))
    lost = len(expected - set(stored))
    extra = len(set(stored) - expected)
    if doubled or lost or extra:
        problems.append(f"{lost} lost, {doubled} doubled, {extra} not sent, of {len(expected)} unique lines")
    return problems


async def _check_traffic(connection: asyncpg.Connection, terminals: list[Terminal], lines: int) -> list[str]:
    """The terminals' daily counters (the health page's figures) against what was sent."""
    unique = sum(len(terminal.unique) for terminal in terminals)
    row = await connection.fetchrow(
        "SELECT coalesce(sum(received), 0) AS received, coalesce(sum(stored), 0) AS stored,"
        " coalesce(sum(repeated), 0) AS repeated,"
        " coalesce(sum(held), 0) + coalesce(sum(malformed), 0) AS other FROM device_day"
    )
    wanted = {"received": lines, "stored": unique, "repeated": lines - unique, "other": 0}
    if dict(row) != wanted:
        return [f"device_day counts {dict(row)}, expected {wanted}"]
    return []


async def _http_run(
    url: str,
    workers: int,
    terminals: list[Terminal],
    days: list[dt.date],
    lines: int,
    log_dir: Path,
    profile: Path | None,
) -> HttpRun:
    connection = await asyncpg.connect(url)
    server = Server(
        url,
        workers,
        log_dir,
        redis=REDIS,
        queue_prefix="bench:push",
        profile=profile if workers == 1 else None,
    )
    try:
        await _empty(connection)
        await server.ready()
        async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
            for terminal in terminals:
                response = await client.get("/iclock/cdata", params={"SN": terminal.serial, "options": "all"})
                if response.status_code != 200:
                    raise RuntimeError(
                        f"handshake of {terminal.serial}: {response.status_code} {response.text}"
                    )
        await server.idle()
        bodies = {terminal.serial: [_body(batch) for batch in terminal.batches] for terminal in terminals}
        server_cpu, database_cpu = server.cpu(), postgres_cpu()
        verdict_ids = await _verdict_ids(connection)
        seconds, answers = await _post_all(server.base, terminals, bodies)
        last_ok = time.perf_counter()
        server_cpu, database_cpu = server.cpu() - server_cpu, postgres_cpu() - database_cpu
        problems = []
        bad = [answer for answer in answers if answer[1:] != (200, f"OK: {BATCH}")]
        if bad or len(answers) != sum(len(terminal.batches) for terminal in terminals):
            problems.append(f"{len(bad)} answers not '200 OK: {BATCH}', e.g. {bad[:3]}")
        settle_seconds = None
        deadline = last_ok + 300
        while time.perf_counter() < deadline:
            if not await connection.fetchval("SELECT count(*) FROM pending_day"):
                settle_seconds = time.perf_counter() - last_ok
                break
            await asyncio.sleep(0.02)
        if settle_seconds is None:
            problems.append("pending_day still holds days 300 s after the last OK")
        problems += await _check_stored(connection, terminals)
        problems += await _check_traffic(connection, terminals, lines)
        verdicts = await connection.fetchval("SELECT count(*) FROM verdict")
        staff = sum(len(terminal.staff_ids) for terminal in terminals)
        if settle_seconds is not None and verdicts != staff * len(days) * 2:
            problems.append(f"{verdicts} verdicts, expected {staff * len(days) * 2}")
        written = await _verdict_ids(connection) - verdict_ids
        return HttpRun(
            workers, seconds, settle_seconds, verdicts, server_cpu, database_cpu, written, problems
        )
    finally:
        server.stop()
        await server.forget_queue()
        await connection.close()


async def _verdict_ids(connection: asyncpg.Connection) -> int:
    """Verdict ids handed out so far: every recompute deletes and inserts its rows, so this
    counts the rows written, also those replaced since."""
    return await connection.fetchval(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM verdict_id_seq"
    )


async def _floor(url: str, terminals: list[Terminal]) -> tuple[float, int]:
    """The same rows as the server writes them, re-sends included, by bare asyncpg from one
    connection per terminal, each its batches in order."""
    from attendance.punches import PUNCH_COLUMNS
    from devices.push.protocol import source_of

    connections = [await asyncpg.connect(url) for _ in terminals]
    try:
        await _empty(connections[0])
        received_at = dt.datetime.now(dt.UTC)
        batches = [
            [
                [
                    (
                        terminal.staff_ids[pin],
                        terminal.hall_id,
                        at,
                        source_of(str(verify)).value,
                        terminal.name,
                        str(verify),
                        "",
                        received_at,
                    )
                    for pin, at, verify in batch
                ]
                for batch in terminal.batches
            ]
            for terminal in terminals
        ]
        columns = ", ".join(f'"{column}"' for column in PUNCH_COLUMNS)
        marks = ", ".join(f"${number}" for number in range(1, len(PUNCH_COLUMNS) + 1))
        sql = f"INSERT INTO punch ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"

        async def insert(connection: asyncpg.Connection, rows: list[list[tuple]]) -> None:
            for batch in rows:
                await connection.executemany(sql, batch)

        started = time.perf_counter()
        await asyncio.gather(
            *(insert(connection, rows) for connection, rows in zip(connections, batches, strict=True))
        )
        seconds = time.perf_counter() - started
        return seconds, await connections[0].fetchval("SELECT count(*) FROM punch")
    finally:
        for connection in connections:
            await connection.close()


async def _measure(workers: list[int], floor_repeat: int, profile: Path | None) -> int:
    name = f"bench_push_{uuid.uuid4().hex[:10]}"
    await on_server(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    os.environ.update({"DATABASE_URL": url, "DATABASE_POOL": "1", "DEMO_DATA": "0"})
    from hall import db
    from hall.config import get_config

    problems: list[str] = []
    try:
        setup = time.perf_counter()
        # Piccolo prints each migration: not figures of ours.
        with contextlib.redirect_stdout(io.StringIO()):
            await db.migrate()
        await db.start(get_config().database)
        try:
            terminals, days = await _set_up(url, TERMINALS, STAFF_PER_HALL)
        finally:
            await db.stop()
        _generate(terminals, days, LINES, BATCH)
        unique = sum(len(terminal.unique) for terminal in terminals)
        batches = sum(len(terminal.batches) for terminal in terminals)
        staff = sum(len(terminal.staff_ids) for terminal in terminals)
        print(
            f"{len(terminals)} township halls x {STAFF_PER_HALL} staff ({staff:,}), one push terminal each;"
            f" {len(days)} working days {days[0]}..{days[-1]}, {PUNCHES_PER_DAY} punches a day"
            f" (set up in {time.perf_counter() - setup:.1f} s)\n"
            f"lines:  {unique:,} unique + {LINES - unique:,} re-sent = {LINES:,},"
            f" {batches} batches of {BATCH}"
        )

        runs = []
        with tempfile.TemporaryDirectory(prefix="bench_push_") as log_dir:
            for count in workers:
                run = await _http_run(url, count, terminals, days, LINES, Path(log_dir), profile)
                runs.append(run)
                problems += [f"{count} worker(s): {problem}" for problem in run.problems]
                settled = "never" if run.settle_seconds is None else f"{run.settle_seconds:.1f} s"
                label = f"HTTP, {count} worker{'s' if count > 1 else ''}:"
                rewrites = run.verdicts_written / max(run.verdicts, 1)
                print(
                    f"{label:<17}{run.seconds:6.2f} s  {LINES / run.seconds:8,.0f} lines/s"
                    f"  ({unique / run.seconds:,.0f} unique stored/s)"
                    f"{'  CHECKS FAILED' if run.problems else ''}\n"
                    f"{'':17}verdicts up to date {settled} after the last OK: {run.verdicts:,}"
                    f" ({run.verdicts_written:,} written, {rewrites:.1f} each);"
                    f" CPU: server {run.server_cpu:.1f} s, postgres {run.postgres_cpu:.1f} s"
                )

        floors = []
        for _ in range(floor_repeat):
            seconds, count = await _floor(url, terminals)
            floors.append(seconds)
            if count != unique:
                problems.append(f"floor stored {count} rows, expected {unique}")
        floor = min(floors)
        print(
            f"{'floor:':<17}{floor:6.2f} s  {LINES / floor:8,.0f} lines/s  (bare asyncpg executemany"
            f" ... ON CONFLICT DO NOTHING, {len(terminals)} connections, {BATCH} rows a call;"
            f" best of {floor_repeat}: {', '.join(f'{value:.2f}' for value in floors)} s)"
        )
        judged = runs[-1]
        http_rate = LINES / judged.seconds
        ratio = http_rate / (LINES / floor)
        met = http_rate >= TARGET_LINES_PER_SECOND and ratio >= TARGET_RATIO
        plural = "s" if judged.workers > 1 else ""
        print(
            f"{'ratio:':<17}{ratio:6.2f}    (HTTP with {judged.workers} worker{plural} / floor)\n"
            f"{'target:':<17}>= {TARGET_LINES_PER_SECOND:,} lines/s and >= {TARGET_RATIO} of the floor:"
            f" {'PASS' if met else 'MISS'}"
        )
        if problems:
            print("COUNTS WRONG:\n  " + "\n  ".join(problems))
        else:
            print(
                f"checks: every answer 'OK: {BATCH}'; {unique:,} punches, none lost, none doubled;"
                " the terminals' counters agree"
            )
        return 1 if problems else 0
    finally:
        await on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workers",
        default="1,2",
        help="uvicorn worker counts to measure, comma-separated; the last is judged",
    )
    parser.add_argument("--floor-repeat", type=int, default=3)
    parser.add_argument(
        "--profile", type=Path, help="run the 1-worker server under cProfile, writing its profile here"
    )
    arguments = parser.parse_args()
    workers = [int(value) for value in arguments.workers.split(",")]
    sys.exit(asyncio.run(_measure(workers, arguments.floor_repeat, arguments.profile)))


if __name__ == "__main__":
    main()
