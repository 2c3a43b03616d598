"""Malformed ATTLOG batches pushed as a terminal pushes them: never a 5xx, the terminal is
answered `OK: <n>` with n its well-formed lines, and those are stored once however often
the batch is sent again (a terminal re-sends whatever was not answered OK)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from attendance.tables import Punch
from devices.tables import HeldRecord
from tests.conftest import World
from tests.devices.test_push import SN, register_terminal

PINS = ("QS001", "QS002", "QS003")  # the staff of world.town, in order
UNKNOWN_PIN = "QS009"  # nobody's yet: its lines are held, not lost
# Lines end with \n; any of these characters would split a line in two (str.splitlines).
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

BATCHES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

times = st.datetimes(min_value=dt.datetime(2026, 11, 2, 7), max_value=dt.datetime(2026, 11, 20, 18)).map(
    lambda at: at.replace(microsecond=0)
)
well_formed = st.tuples(st.sampled_from((*PINS, UNKNOWN_PIN)), times, st.sampled_from(("0", "1", "2", "15")))


def render(pin: str, at: dt.datetime, verify: str) -> bytes:
    return f"{pin}\t{at:%Y-%m-%d %H:%M:%S}\t0\t{verify}\t0\t0\t0".encode()


def fields(*values: str) -> bytes:
    return "\t".join(values).encode()


no_tabs = st.text(st.characters(blacklist_characters="\t" + LINE_BREAKS, codec="utf-8"), max_size=80)
malformed = st.one_of(
    # Not a record at all: text or bytes (not UTF-8 either) without a single field separator.
    no_tabs.map(str.encode),
    st.binary(max_size=80).map(lambda raw: bytes(b for b in raw if b not in b"\t\n\r\x0b\x0c\x1c\x1d\x1e")),
    # Too few fields.
    st.sampled_from((fields("QS001"), fields("QS001", "2026-11-20 08:00:00"), fields("QS001", "", "0"))),
    # Dates and times that do not exist or are not in the terminal's form.
    st.sampled_from(
        (
            "2026-02-30 08:00:00",
            "2026-11-20 25:61:00",
            "2026-11-20 24:00:00",
            "2026-13-40 08:00:00",
            "0000-01-01 00:00:00",
            "2026-11-20T08:00:00",
            "20261120 080000",
            "",
        )
    ).map(lambda at: fields("QS001", at, "0", "1", "0")),
    no_tabs.map(lambda at: fields("QS002", at, "0", "1")),
    # A PIN the protocol does not allow: empty, too long, not letters and digits.
    st.sampled_from(("", "Q" * 25, "QS 001", "王芳", "QS001;--")).map(
        lambda pin: fields(pin, "2026-11-20 08:00:00", "0", "1")
    ),
    # Status and verify codes that are not small numbers.
    st.sampled_from(("x", "-1", "1.5", "", "9" * 40)).flatmap(
        lambda code: st.sampled_from(
            (
                fields("QS003", "2026-11-20 08:00:00", code, "1"),
                fields("QS003", "2026-11-20 08:00:00", "0", code),
            )
        )
    ),
    # A line of hundreds of kilobytes.
    st.integers(min_value=10_000, max_value=400_000).map(lambda size: b"Q" * size),
)


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[tuple[str, dt.datetime, str]], bytes]:
    """The well-formed lines (distinct PINs and times) and the batch they are mixed into."""
    good = draw(st.lists(well_formed, max_size=8, unique_by=lambda line: (line[0], line[1])))
    lines = [render(*line) for line in good] + draw(st.lists(malformed, max_size=8))
    order = draw(st.permutations(range(len(lines))))
    ending = draw(st.sampled_from((b"\n", b"\r\n")))
    return good, b"".join(lines[index] + ending for index in order)


async def post(client: AsyncTestClient, body: bytes) -> tuple[int, str, str]:
    response = await client.post(
        f"/iclock/cdata?SN={SN}&table=ATTLOG&Stamp=1", content=body, headers={"Content-Type": "text/plain"}
    )
    return response.status_code, response.headers.get("content-type", ""), response.text


@pytest.fixture
async def terminal(world: World) -> int:
    """Registered once for all the examples, which share the test's world."""
    return await register_terminal(world)


@given(batch=batches())
@BATCHES
async def test_a_malformed_batch_is_answered_and_its_good_lines_stored_once(
    client: AsyncTestClient,
    world: World,
    terminal: int,
    batch: tuple[list[tuple[str, dt.datetime, str]], bytes],
) -> None:
    good, body = batch
    for _ in range(2):  # the terminal sends the batch again, as it does when unsure
        status, content_type, text = await post(client, body)
        assert status == 200, text
        assert content_type.startswith("text/plain")
        assert text == f"OK: {len(good)}", body[:300]
    staff = {pin: person.id for pin, person in zip(PINS, world.staff, strict=True)}
    for pin, at, _ in good:
        if pin == UNKNOWN_PIN:
            stored = await HeldRecord.count().where((HeldRecord.pin == pin) & (HeldRecord.punched_at == at))
        else:
            stored = await Punch.count().where((Punch.staff == staff[pin]) & (Punch.punched_at == at))
        assert stored == 1, (pin, at)
