"""PostgreSQL stopped in the middle of a push-ingest burst: a terminal is told OK only for
what was stored, re-sends everything else, and every punch is stored exactly once."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

from tests.faults.conftest import PostgresCluster, app_environ, new_hall, query
from tests.server import AppServer, admin_api

pytestmark = pytest.mark.faults

SN = "FAULT0000001"
STAFF = 10
BATCHES = 60
LINES_PER_BATCH = 5
# Between batches: the burst lasts a few seconds, and PostgreSQL stops in its middle.
PAUSE = 0.1


@dataclass
class Terminal:
    """A push terminal in plain HTTP: batches sent in order, each re-sent until it reads OK."""

    url: str
    batches: list[str]
    acknowledged: list[int] = field(default_factory=list)
    # (batch, answer, whether PostgreSQL was down when the answer came)
    refused: list[tuple[int, str, bool]] = field(default_factory=list)
    ok_while_down: list[int] = field(default_factory=list)
    database_down: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            for index, body in enumerate(self.batches):
                while True:
                    down = self.database_down.is_set()
                    try:
                        response = client.post(
                            "/iclock/cdata",
                            params={"SN": SN, "table": "ATTLOG", "Stamp": str(index + 1)},
                            content=body.encode(),
                        )
                        answer = f"{response.status_code} {response.text}"
                    except httpx.HTTPError as error:
                        answer = f"no answer: {error!r}"
                    if answer == f"200 OK: {LINES_PER_BATCH}":
                        if down and self.database_down.is_set():
                            self.ok_while_down.append(index)
                        self.acknowledged.append(index)
                        time.sleep(PAUSE)
                        break
                    self.refused.append((index, answer, down and self.database_down.is_set()))
                    time.sleep(0.2)  # terminals retry after a pause


def test_punches_sent_while_postgres_is_down_are_resent_and_stored_once(
    postgres: PostgresCluster, servers: list
) -> None:
    database_url = postgres.create_database()
    server = AppServer(demo_data=False, environ=app_environ(database_url))
    servers.append(server)
    server.start()
    admin = admin_api(server)
    pins = [f"P{number:03d}" for number in range(STAFF)]
    new_hall(admin, pins, push_terminal=SN)
    # Yesterday's clock-ins, one line a second: never ahead of the server's clock.
    start = dt.datetime.combine(dt.date.today() - dt.timedelta(days=1), dt.time(7, 0))
    lines = [
        f"{pins[n % STAFF]}\t{start + dt.timedelta(seconds=n):%Y-%m-%d %H:%M:%S}\t0\t1\t0\t0\t0"
        for n in range(BATCHES * LINES_PER_BATCH)
    ]
    batches = [
        "\n".join(lines[b * LINES_PER_BATCH : (b + 1) * LINES_PER_BATCH]) + "\n" for b in range(BATCHES)
    ]
    terminal = Terminal(server.url, batches)
    sender = threading.Thread(target=terminal.run)
    sender.start()
    while len(terminal.acknowledged) < BATCHES // 4:
        assert sender.is_alive()
        time.sleep(0.05)
    postgres.stop()
    terminal.database_down.set()
    # Long enough for the terminal to be refused several times.
    time.sleep(3)
    terminal.database_down.clear()
    postgres.start()
    sender.join(timeout=120)
    assert not sender.is_alive(), "the terminal never got every batch acknowledged"

    assert terminal.ok_while_down == []
    assert [refusal for refusal in terminal.refused if refusal[2]], (
        "no batch was refused while PostgreSQL was down"
    )
    assert terminal.acknowledged == list(range(BATCHES))
    stored = query(
        database_url,
        "SELECT s.staff_number, p.punched_at FROM punch p JOIN staff s ON s.id = p.staff",
    )
    sent = sorted(line.split("\t")[:2] for line in lines)
    assert sorted([row["staff_number"], f"{row['punched_at']:%Y-%m-%d %H:%M:%S}"] for row in stored) == sent
