"""The morning rush of a large hall: 1,000 staff clocking in between 07:45 and 08:15,
compressed into 60 s, through a running server on PostgreSQL while the clerks' boards are
open.

    .venv/bin/python bench/rush.py [--staff 1000] [--seconds 60] [--face-share 0.12]
        [--terminals 6] [--kiosks 2] [--boards 3] [--board-every 5]

Set-up (not measured): a throw-away database on the PostgreSQL server of DATABASE_URL
(default the local one), migrated, with one hall of `--staff` people over 50 windows (bulk
COPY), `--terminals` push terminals registered by SN, `--kiosks` face kiosks registered
with their secrets, and `--boards` clerk accounts with a session each.

Faces: ../shared/faces holds two people in eight photos, and the recogniser takes look-alikes
for one another, so a hall where many enrolled people share a face would answer "not sure".
Each face user is therefore enrolled with the encoding of a frame of their own: kiosk frames
(bench/face.py `kiosk_frame`) of the photos, mirrored and stretched, each kept only when
its encoding is at least the hall's margin (0.10) plus 0.02 from every frame kept before;
the person's punch posts exactly that frame, which the server encodes to the same vector
(distance 0) with the nearest other person more than the margin away: a definite match.
The photos give a limited number of such frames; the face share is cut to what they give.

Mix: `--face-share` of the staff (default 12 %) clock in at a kiosk, the rest at the push
terminals by fingerprint (most punches: a face costs ~300 ms of CPU on this 2-core machine,
a fingerprint line next to nothing). Each person is at one terminal or kiosk, in turn.

Run: the app as `uvicorn --workers 2` (MIGRATE_ON_START=0, REDIS_URL on a Redis database of
its own, default redis://127.0.0.1:6379/5, under a queue name of its own; nothing on these
paths enqueues a job, so no arq worker runs). The clock-in times are drawn around 08:00 (a
normal curve, sigma 4.5 min, kept within 07:45-08:15: about 3 in 4 between 07:55 and 08:05)
and replayed with the half hour compressed into `--seconds` of wall time:

- a push terminal pushes in real time (Realtime=1): when a person punches it posts what it
  holds as one ATTLOG batch (`OK: n` expected), so punches arriving while a post is in flight
  go out together in the next one; between punches it polls `getrequest` every Delay
  (10 s) and answers commands with `devicecmd`. One connection per terminal, one request at
  a time. Its user sync after the handshake is done in the set-up, as by the morning it is;
- a kiosk posts the person's frame (image/jpeg, the kiosk's secret as bearer token: the
  paired page sends the same secret as its cookie) and expects `clocked` for that person;
  with nobody in front of it it sends a frame of an empty scene every 3 s (kiosk.js
  IDLE_RESEND_MS), answered `no_face`. One request in flight, 10 s time-out (kiosk.js);
- each clerk opened `/attendance?hall_id=...&refresh=N` (the board page, fetched once at the
  start) and the page fetches `/attendance/board/partial` every N s (`--board-every`, 5 by
  default: the page's `refresh` as a clerk watching the morning sets it; 30 s otherwise).

Measured: each request's latency by kind; errors are non-2xx answers, wrong answers and
time-outs (30 s for push and board); a refused batch is sent again and a refused face shown
again, each up to 3 times. Afterwards every clock-in must be stored exactly once:
the push punches at their times, one face punch per face user. Printed: the set-up, per kind
count / p50 / p99 / max / errors, the ratio p99 / 1 s for push and board (PASS below 1,
with zero errors), the load average and the CPU of the server and PostgreSQL. Face punches
are stamped by the server with its own time (as a kiosk's are), so they fall after 08:15
unless the run is at that hour. Exits 1 only when a clock-in is missing or doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import io
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import cv2
import httpx
import numpy as np
from common import Server, database_url, on_server, postgres_cpu
from face import FACES, FRAME_HEIGHT, FRAME_WIDTH, PHOTOS, kiosk_frame

REDIS = os.environ.get("RUSH_REDIS_URL", "redis://127.0.0.1:6379/5")
WINDOWS = 50
FIRST, LAST = dt.time(7, 45), dt.time(8, 15)
PEAK, SIGMA_MINUTES = dt.time(8, 0), 4.5
HEARTBEAT_SECONDS = 10  # the handshake's Delay (PUSH_DELAY_SECONDS)
IDLE_RESEND_SECONDS = 3.0  # kiosk.js IDLE_RESEND_MS
KIOSK_TIMEOUT, OTHER_TIMEOUT = 10.0, 30.0
TARGET_SECONDS = 1.0
TRIES = 3  # a batch or a face refused this often is given up (and reported missing)
MARGIN_SLACK = 0.12  # the hall's margin (0.10) and some room
# Widths and heights the frames are stretched to: the encoding follows the face's proportions.
WIDTHS = (1.0, 1.3, 0.8)
HEIGHTS = (1.0, 0.85, 1.15, 0.75, 1.3, 0.8, 1.2, 0.7, 1.4, 0.9, 1.1, 1.25, 1.35, 0.65, 0.95, 1.05)


@dataclasses.dataclass
class Sample:
    kind: str
    seconds: float
    error: str | None = None


@dataclasses.dataclass
class Hall:
    id: int
    pins: dict[int, str]  # staff id -> PIN (工号)
    terminals: list[str]  # serial numbers
    kiosks: list[str]  # secrets
    boards: list[str]  # session tokens
    frames: dict[int, bytes]  # face user -> the frame they show


# ---- faces -------------------------------------------------------------------------------


def _frame_bytes(rgb: np.ndarray) -> bytes:
    ok, content = cv2.imencode(".jpg", cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR))
    assert ok
    return content.tobytes()


def _stretched(frame: np.ndarray, width: float, height: float) -> np.ndarray:
    """The frame stretched about its centre, cut or padded back to 640x480."""
    scaled = cv2.resize(frame, None, fx=width, fy=height)
    height, width = scaled.shape[:2]
    canvas = np.zeros((FRAME_HEIGHT, FRAME_WIDTH, 3), np.uint8)
    y0, x0 = (height - FRAME_HEIGHT) // 2, (width - FRAME_WIDTH) // 2
    part = scaled[max(y0, 0) : max(y0, 0) + FRAME_HEIGHT, max(x0, 0) : max(x0, 0) + FRAME_WIDTH]
    canvas[max(-y0, 0) : max(-y0, 0) + part.shape[0], max(-x0, 0) : max(-x0, 0) + part.shape[1]] = part
    return canvas


def distinct_faces(wanted: int) -> list[tuple[bytes, bytes]]:
    """Up to `wanted` (JPEG frame, encoding) pairs, each encoding at least MARGIN_SLACK from
    every other, made by the server's own face path (faces.analyse, not strict)."""
    from attendance import faces

    limits = faces.ImageLimits(max_bytes=64 * 1024 * 1024, max_pixels=64_000_000)
    bases = []
    for name in PHOTOS:
        rgb = faces.decode((FACES / name).read_bytes(), limits)
        bases.append(kiosk_frame(rgb, faces.detect(rgb)[0]))
    chosen: list[tuple[bytes, bytes]] = []
    vectors: list[np.ndarray] = []
    for width, height, base, flip in itertools.product(WIDTHS, HEIGHTS, bases, (False, True)):
        if len(chosen) >= wanted:
            break
        frame = _stretched(base, width, height)
        content = _frame_bytes(frame[:, ::-1] if flip else frame)
        analysis = faces.analyse(content, limits, strict=False)
        if analysis.problem is not None:
            continue
        vector = faces.vector(analysis.encoding)
        if all(np.linalg.norm(vector - other) >= MARGIN_SLACK for other in vectors):
            vectors.append(vector)
            chosen.append((content, analysis.encoding))
    return chosen


def empty_scene() -> bytes:
    """The hall behind the kiosk with nobody in front: a grey wall with some noise."""
    rng = np.random.default_rng(9)
    wall = np.full((FRAME_HEIGHT, FRAME_WIDTH, 3), 150, np.uint8)
    return _frame_bytes(np.clip(wall + rng.normal(0, 6, wall.shape), 0, 255).astype(np.uint8))


# ---- set-up ------------------------------------------------------------------------------


async def _set_up(url: str, arguments: argparse.Namespace, frames: list[tuple[bytes, bytes]]) -> Hall:
    from devices import registry
    from devices.schemas import DeviceCreate
    from devices.tables import DeviceKind
    from hall import accounts, services
    from hall.roles import Role
    from hall.schemas import AccountCreate, DepartmentCreate, HallCreate, WindowCreate
    from hall.tables import HallLevel, TokenKind

    now = dt.datetime.now(dt.UTC)
    hall = await services.create_hall(
        data=HallCreate(code="city", name="市民服务中心", level=HallLevel.CENTRE), scope=None
    )
    department = await services.create_department(data=DepartmentCreate(name="综合受理"))
    windows = [
        await services.create_window(
            data=WindowCreate(hall_id=hall.id, department_id=department.id, number=str(n), name=f"{n}号窗口"),
            scope=None,
        )
        for n in range(1, WINDOWS + 1)
    ]
    connection = await asyncpg.connect(url)
    try:
        await connection.copy_records_to_table(
            "staff",
            columns=["hall", "window", "name", "staff_number", "phone", "status", "photo", "created_at"],
            records=[
                (hall.id, windows[n % WINDOWS].id, f"职员{1000 + n}", str(1000 + n), "", "active", "", now)
                for n in range(1, arguments.staff + 1)
            ],
        )
        rows = await connection.fetch(
            "SELECT id, staff_number FROM staff WHERE hall = $1 ORDER BY id", hall.id
        )
        pins = {row["id"]: row["staff_number"] for row in rows}
        # Face users spread over the hall: every k-th person.
        step = len(pins) / len(frames) if frames else 0
        face_users = [list(pins)[int(n * step)] for n in range(len(frames))]
        await connection.copy_records_to_table(
            "face_photo",
            columns=["staff", "hall", "photo", "encoding", "enrolled_by", "created_at"],
            records=[
                (staff, hall.id, f"faces/bench-{staff}.jpg", encoding, None, now)
                for staff, (_, encoding) in zip(face_users, frames, strict=True)
            ],
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()

    async def device(kind: DeviceKind, name: str, serial: str | None) -> str | None:
        issued = await registry.register_device(
            data=DeviceCreate(hall_id=hall.id, name=name, kind=kind, serial_number=serial),
            scope=None,
            actor_id=None,
            now=now,
        )
        return issued.secret

    terminals = [f"RUSH{n:08d}" for n in range(arguments.terminals)]
    for n, serial in enumerate(terminals):
        await device(DeviceKind.PUSH_TERMINAL, f"{n + 1}号考勤机", serial)
    kiosks = [
        await device(DeviceKind.FACE_KIOSK, f"{n + 1}号人脸终端", None) for n in range(arguments.kiosks)
    ]
    boards = []
    for n in range(arguments.boards):
        account = await accounts.create_account(
            data=AccountCreate(
                username=f"clerk{n}",
                password=f"Rush-{uuid.uuid4().hex}",
                role=Role.CLERK,
                display_name=f"考勤员{n + 1}",
                hall_id=hall.id,
            ),
            scope=None,
        )
        token, _ = await accounts.issue_token(
            account_id=account.id, kind=TokenKind.SESSION, now=now, lifetime=dt.timedelta(hours=2)
        )
        boards.append(token)
    return Hall(
        hall.id,
        pins,
        terminals,
        kiosks,
        boards,
        {staff: content for staff, (content, _) in zip(face_users, frames, strict=True)},
    )


def _schedule(hall: Hall, day: dt.date, rng: random.Random) -> list[tuple[dt.datetime, int]]:
    """Each person's clock-in time, in order."""
    first, last = dt.datetime.combine(day, FIRST), dt.datetime.combine(day, LAST)
    peak = dt.datetime.combine(day, PEAK)
    times = []
    for staff in hall.pins:
        while True:
            at = peak + dt.timedelta(minutes=rng.gauss(0, SIGMA_MINUTES))
            if first <= at <= last:
                break
        times.append((at.replace(microsecond=0), staff))
    return sorted(times)


# ---- the replay --------------------------------------------------------------------------


class Replay:
    def __init__(self, base: str, hall: Hall, started: float, scale: float, first: dt.datetime) -> None:
        self.base = base
        self.hall = hall
        self.started = started
        self.scale = scale  # wall seconds per morning second
        self.first = first
        self.samples: list[Sample] = []
        self.over = False

    def wall(self, at: dt.datetime) -> float:
        return self.started + (at - self.first).total_seconds() * self.scale

    async def until(self, moment: float) -> None:
        delay = moment - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)

    async def timed(self, kind: str, check, request) -> httpx.Response | None:
        """`request` timed; `check(response)` says what is wrong with the answer, or None."""
        began = time.perf_counter()
        try:
            response = await request
        except httpx.TimeoutException:
            self.samples.append(Sample(kind, time.perf_counter() - began, "time-out"))
            return None
        except httpx.TransportError as failure:
            self.samples.append(Sample(kind, time.perf_counter() - began, type(failure).__name__))
            return None
        seconds = time.perf_counter() - began
        problem = (
            f"{response.status_code} {response.text[:80]!r}"
            if response.status_code >= 300
            else check(response)
        )
        self.samples.append(Sample(kind, seconds, problem))
        return None if problem else response

    async def terminal(self, serial: str, punches: list[tuple[dt.datetime, str]]) -> None:
        """Realtime push: each punch goes out at once, with those that came while a post was
        in flight; a heartbeat every HEARTBEAT_SECONDS when idle; commands answered."""
        async with httpx.AsyncClient(
            base_url=self.base, timeout=OTHER_TIMEOUT, limits=httpx.Limits(max_connections=1)
        ) as client:
            waiting = list(punches)
            held: list[tuple[dt.datetime, str]] = []
            stamp = failures = 0
            next_beat = time.perf_counter() + random.uniform(0, HEARTBEAT_SECONDS)
            while waiting or held:
                now = time.perf_counter()
                while waiting and self.wall(waiting[0][0]) <= now:
                    held.append(waiting.pop(0))
                if held:
                    stamp += 1
                    body = "".join(f"{pin}\t{at:%Y-%m-%d %H:%M:%S}\t0\t1\t0\t0\t0\n" for at, pin in held)
                    count = len(held)
                    sent = await self.timed(
                        "push ATTLOG",
                        lambda response, count=count: (
                            None if response.text == f"OK: {count}" else f"answer {response.text!r}"
                        ),
                        client.post(
                            "/iclock/cdata",
                            params={"SN": serial, "table": "ATTLOG", "Stamp": str(stamp)},
                            content=body.encode(),
                            headers={"Content-Type": "text/plain"},
                        ),
                    )
                    failures = 0 if sent is not None else failures + 1
                    if sent is not None or failures == TRIES:
                        # Given up after TRIES, its punches are reported missing.
                        held, failures = held[count:], 0
                    else:
                        await asyncio.sleep(1)  # and the batch is sent again, as a terminal does
                    continue
                if now >= next_beat:
                    next_beat = now + HEARTBEAT_SECONDS
                    await self.heartbeat(client, serial)
                    continue
                await self.until(min(next_beat, self.wall(waiting[0][0])))

    async def heartbeat(self, client: httpx.AsyncClient, serial: str) -> None:
        response = await self.timed(
            "push getrequest", lambda response: None, client.get("/iclock/getrequest", params={"SN": serial})
        )
        if response is None or response.text.strip() == "OK":
            return
        results = "".join(
            f"ID={line.split(':')[1]}&Return=0&CMD=DATA\n"
            for line in response.text.splitlines()
            if line.startswith("C:")
        )
        await self.timed(
            "push devicecmd",
            lambda response: None if response.text == "OK" else f"answer {response.text!r}",
            client.post("/iclock/devicecmd", params={"SN": serial}, content=results.encode()),
        )

    async def idle_terminal(self, serial: str) -> None:
        """A terminal nobody punches at: heartbeats only, until the run is over."""
        async with httpx.AsyncClient(base_url=self.base, timeout=OTHER_TIMEOUT) as client:
            await asyncio.sleep(random.uniform(0, HEARTBEAT_SECONDS))
            while not self.over:
                await self.heartbeat(client, serial)
                await asyncio.sleep(HEARTBEAT_SECONDS)

    async def kiosk(self, secret: str, people: list[tuple[dt.datetime, int]], empty: bytes) -> None:
        """People in front of the kiosk in turn, each one frame; an empty scene every
        IDLE_RESEND_SECONDS when nobody is there."""
        async with httpx.AsyncClient(
            base_url=self.base,
            timeout=KIOSK_TIMEOUT,
            headers={"Authorization": f"Bearer {secret}", "Accept": "application/json"},
        ) as client:
            waiting = list(people)
            last_sent = time.perf_counter()
            tries = 0
            while waiting:
                now = time.perf_counter()
                if self.wall(waiting[0][0]) <= now:
                    staff = waiting[0][1]

                    def recognised(response: httpx.Response, staff: int = staff) -> str | None:
                        body = response.json()
                        if body.get("outcome") == "clocked" and body.get("staff_id") == staff:
                            return None
                        return f"{body.get('outcome')} staff {body.get('staff_id')}, expected {staff}"

                    answer = await self.timed(
                        "kiosk", recognised, self._frame(client, self.hall.frames[staff])
                    )
                    tries += 1
                    if answer is not None or tries == TRIES:
                        waiting.pop(0)  # else the person stays and is seen again
                        tries = 0
                    last_sent = time.perf_counter()
                    continue
                if now - last_sent >= IDLE_RESEND_SECONDS:
                    await self.timed(
                        "kiosk",
                        lambda response: (
                            None
                            if response.json().get("outcome") == "no_face"
                            else f"empty scene: {response.text[:80]!r}"
                        ),
                        self._frame(client, empty),
                    )
                    last_sent = time.perf_counter()
                    continue
                await self.until(min(last_sent + IDLE_RESEND_SECONDS, self.wall(waiting[0][0])))

    @staticmethod
    def _frame(client: httpx.AsyncClient, content: bytes):
        return client.post("/api/faces/clock", content=content, headers={"Content-Type": "image/jpeg"})

    async def board(self, token: str, every: float) -> None:
        """The board page once, then its partial every `every` seconds until the end, each
        fetch waiting for the one before (board.html)."""
        hall = self.hall.id
        async with httpx.AsyncClient(
            base_url=self.base, timeout=OTHER_TIMEOUT, headers={"Cookie": f"hall_session={token}"}
        ) as client:

            def board_shown(response: httpx.Response) -> str | None:
                return None if "data-board-at" in response.text else "no board in the page"

            await self.timed(
                "board",
                board_shown,
                client.get("/attendance/", params={"hall_id": hall, "refresh": max(1, round(every))}),
            )
            while not self.over:
                await asyncio.sleep(every)
                await self.timed(
                    "board", board_shown, client.get("/attendance/board/partial", params={"hall_id": hall})
                )


async def _sync_terminals(base: str, hall: Hall) -> None:
    """Handshake and the user sync that follows it, done before the morning."""
    replay = Replay(base, hall, 0, 0, dt.datetime.now())
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for serial in hall.terminals:
            response = await client.get("/iclock/cdata", params={"SN": serial, "options": "all"})
            if response.status_code != 200:
                raise RuntimeError(f"handshake of {serial}: {response.status_code} {response.text}")
            for _ in range(1000):
                before = len(replay.samples)
                await replay.heartbeat(client, serial)
                if len(replay.samples) - before == 1:  # answered OK: nothing left
                    break
    wrong = [sample for sample in replay.samples if sample.error]
    if wrong:
        raise RuntimeError(f"user sync: {wrong[:3]}")


# ---- checks and figures ------------------------------------------------------------------


async def _check(
    url: str, hall: Hall, pushed: dict[tuple[int, dt.datetime], str], face_users: set[int]
) -> list[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT staff, punched_at, source, device FROM punch WHERE hall = $1", hall.id
        )
    finally:
        await connection.close()
    problems = []
    push_rows = [(row["staff"], row["punched_at"]) for row in rows if row["source"] != "face"]
    face_rows = [row["staff"] for row in rows if row["source"] == "face"]
    stored = set(push_rows)
    missing = len(set(pushed) - stored)
    doubled = len(push_rows) - len(stored)
    extra = len(stored - set(pushed))
    if missing or doubled or extra:
        problems.append(f"push: {missing} missing, {doubled} doubled, {extra} not sent, of {len(pushed)}")
    counts = {staff: face_rows.count(staff) for staff in set(face_rows) | face_users}
    missing = sum(1 for staff in face_users if counts[staff] == 0)
    doubled = sum(count - 1 for count in counts.values() if count > 1)
    extra = len(set(face_rows) - face_users)
    if missing or doubled or extra:
        problems.append(
            f"face: {missing} missing, {doubled} doubled, {extra} not shown, of {len(face_users)}"
        )
    return problems


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]


def _report(samples: list[Sample]) -> tuple[dict[str, float], int]:
    kinds = ["push ATTLOG", "push getrequest", "push devicecmd", "kiosk", "board"]
    groups = {kind: [sample for sample in samples if sample.kind == kind] for kind in kinds}
    groups["push (all)"] = [sample for sample in samples if sample.kind.startswith("push")]
    print(f"{'kind':<17}{'count':>7}{'p50':>10}{'p99':>10}{'max':>10}{'errors':>8}")
    p99 = {}
    for kind, group in groups.items():
        if not group:
            continue
        seconds = [sample.seconds for sample in group]
        p99[kind] = _p99(seconds)
        errors = [sample.error for sample in group if sample.error]
        print(
            f"{kind:<17}{len(group):>7}{_ms(statistics.median(seconds)):>10}{_ms(p99[kind]):>10}"
            f"{_ms(max(seconds)):>10}{len(errors):>8}"
        )
        for error, count in sorted({error: errors.count(error) for error in errors}.items())[:5]:
            print(f"{'':17}{count} x {error}")
    return p99, sum(1 for sample in samples if sample.error)


# ---- the measurement ---------------------------------------------------------------------


async def _measure(arguments: argparse.Namespace) -> int:
    name = f"bench_rush_{uuid.uuid4().hex[:10]}"
    await on_server(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    os.environ.update({"DATABASE_URL": url, "DATABASE_POOL": "1", "DEMO_DATA": "0"})
    from hall import db
    from hall.config import get_config

    try:
        setup = time.perf_counter()
        wanted = round(arguments.staff * arguments.face_share)
        frames = distinct_faces(wanted)
        with contextlib.redirect_stdout(io.StringIO()):
            await db.migrate()
        await db.start(get_config().database)
        try:
            hall = await _set_up(url, arguments, frames)
        finally:
            await db.stop()
        local_now = get_config().local_now()
        # The morning replayed is today's once it is over, else yesterday's.
        day = local_now.date() if local_now.time() > LAST else local_now.date() - dt.timedelta(days=1)
        rng = random.Random(20261124)
        schedule = _schedule(hall, day, rng)
        peak = sum(1 for at, _ in schedule if dt.time(7, 55) <= at.time() <= dt.time(8, 5))
        face_users = set(hall.frames)
        print(
            f"one hall: {len(hall.pins):,} staff over {WINDOWS} windows; {len(hall.terminals)} push"
            f" terminals, {len(hall.kiosks)} face kiosks, {len(hall.boards)} clerk boards"
            f" (refresh every {arguments.board_every:g} s)\n"
            f"mix: {len(face_users)} by face ({len(face_users) / len(hall.pins):.0%};"
            f" {len(frames)} distinct frames of {wanted} wanted), {len(hall.pins) - len(face_users):,}"
            f" by fingerprint push\n"
            f"morning of {day}: {len(schedule):,} clock-ins {FIRST:%H:%M}-{LAST:%H:%M}, {peak:,}"
            f" ({peak / len(schedule):.0%}) between 07:55 and 08:05, replayed in {arguments.seconds:g} s"
            f"\nset up in {time.perf_counter() - setup:.1f} s"
        )
        with tempfile.TemporaryDirectory(prefix="bench_rush_") as log_dir:
            server = Server(url, arguments.workers, Path(log_dir), redis=REDIS, queue_prefix="bench:rush")
            try:
                await server.ready()
                await _sync_terminals(server.base, hall)
                await server.idle()
                first = dt.datetime.combine(day, FIRST)
                scale = arguments.seconds / (dt.datetime.combine(day, LAST) - first).total_seconds()
                started = time.perf_counter() + 0.5
                replay = Replay(server.base, hall, started, scale, first)
                by_terminal: dict[str, list[tuple[dt.datetime, str]]] = {
                    serial: [] for serial in hall.terminals
                }
                by_kiosk: dict[str, list[tuple[dt.datetime, int]]] = {secret: [] for secret in hall.kiosks}
                pushed = {}
                for n, (at, staff) in enumerate(schedule):
                    if staff in face_users:
                        by_kiosk[hall.kiosks[n % len(hall.kiosks)]].append((at, staff))
                    else:
                        by_terminal[hall.terminals[n % len(hall.terminals)]].append((at, hall.pins[staff]))
                        pushed[(staff, at)] = hall.pins[staff]
                empty = empty_scene()
                load_before = os.getloadavg()
                server_cpu, database_cpu = server.cpu(), postgres_cpu()
                clock = time.perf_counter()
                clock_ins = [
                    *(replay.terminal(serial, punches) for serial, punches in by_terminal.items()),
                    *(replay.kiosk(secret, people, empty) for secret, people in by_kiosk.items()),
                ]
                others = [
                    *(replay.board(token, arguments.board_every) for token in hall.boards),
                    *(replay.idle_terminal(serial) for serial, punches in by_terminal.items() if not punches),
                ]
                background = [asyncio.create_task(task) for task in others]
                await asyncio.gather(*clock_ins)
                wall = time.perf_counter() - clock
                replay.over = True
                await asyncio.gather(*background)
                server_cpu, database_cpu = server.cpu() - server_cpu, postgres_cpu() - database_cpu
                load_after = os.getloadavg()
                exited = server.process.poll()
            except Exception:
                print("server log (tail):\n" + server.log_tail())
                raise
            finally:
                server.stop()
                await server.forget_queue()
                log = server.log_tail()
        print(
            f"replayed in {wall:.1f} s ({arguments.workers} uvicorn workers); CPU: server {server_cpu:.1f} s,"
            f" postgres {database_cpu:.1f} s (of {2 * wall:.0f} s on 2 cores); load average"
            f" {load_before[0]:.1f} before, {load_after[0]:.1f} after (1 min)"
        )
        p99, errors = _report(replay.samples)
        for kind in ("push (all)", "board"):
            if kind in p99:
                ratio = p99[kind] / TARGET_SECONDS
                print(f"ratio {kind:<11} p99 / 1 s = {ratio:.2f}  {'PASS' if ratio < 1 else 'MISS'}")
        print(f"errors: {errors} ({'PASS' if errors == 0 else 'MISS'}: zero required)")
        if exited is not None:
            print(f"the server exited during the run (code {exited})")
        if errors:
            print("server log (tail):\n" + log)
        problems = await _check(url, hall, pushed, face_users)
        if problems:
            print("CLOCK-INS WRONG:\n  " + "\n  ".join(problems))
        else:
            print(
                f"checks: {len(pushed):,} push punches and {len(face_users)} face punches, each stored"
                " exactly once"
            )
        return 1 if problems else 0
    finally:
        await on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=1000)
    parser.add_argument(
        "--seconds", type=float, default=60, help="wall time the half hour is compressed into"
    )
    parser.add_argument(
        "--face-share", type=float, default=0.12, help="share of the staff clocking in by face"
    )
    parser.add_argument("--terminals", type=int, default=6)
    parser.add_argument("--kiosks", type=int, default=2)
    parser.add_argument("--boards", type=int, default=3)
    parser.add_argument("--board-every", type=float, default=5, help="seconds between a board's fetches")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    arguments = parser.parse_args()
    sys.exit(asyncio.run(_measure(arguments)))


if __name__ == "__main__":
    main()
