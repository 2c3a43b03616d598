"""The push protocol's wire format, as pure functions: what the terminals send (ATTLOG lines,
OPERLOG records, ATTPHOTO uploads, command results) and what we answer (the handshake
options, commands). Sources and the choices made are in devices/README.md."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from attendance.tables import PunchSource

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
PIN_PATTERN = re.compile(r"^[A-Za-z0-9]{1,24}$")
# Status and verify codes are small numbers (0-255 on the terminals we know); a longer run of
# digits is no code, and would not fit the columns that keep held lines.
CODE_PATTERN = re.compile(r"^[0-9]{1,8}$")

# ZKTeco's verify types (VerifyType / "verify" column). Combinations count as their leading
# method: what the person presented first is what the record is about.
FINGERPRINT_CODES = frozenset({1, 5, 6, 9, 10, 12, 13, 14})
FACE_CODES = frozenset({15, 16, 17, 18, 19, 20})
CARD_CODES = frozenset({2, 4, 7, 11})
PASSWORD_CODES = frozenset({0, 3})

# A terminal in Realtime mode pushes each punch within seconds. A short batch whose newest
# record is this recent was pushed as it happened, so its age is the terminal's clock error;
# an older or longer batch is a backlog and tells nothing about the clock.
REALTIME_LINES = 5
REALTIME_HORIZON = dt.timedelta(hours=12)


def source_of(verify: str) -> PunchSource:
    """The punch source of a verify code."""
    if not verify.isdigit():
        return PunchSource.OTHER
    code = int(verify)
    if code in FINGERPRINT_CODES:
        return PunchSource.FINGERPRINT
    if code in FACE_CODES:
        return PunchSource.FACE
    if code in CARD_CODES:
        return PunchSource.CARD
    if code in PASSWORD_CODES:
        return PunchSource.PASSWORD
    return PunchSource.OTHER


def decode(body: bytes) -> str:
    """Terminals write UTF-8; older Chinese firmware writes GB18030 (a superset of GB2312)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


@dataclass(frozen=True)
class AttLogLine:
    pin: str
    punched_at: dt.datetime  # the terminal's wall clock, no zone: the hall's local time
    status: str  # check-in/out state pressed on the terminal; our timetable decides instead
    verify: str
    workcode: str


@dataclass(frozen=True)
class BadLine:
    number: int  # 1-based, in the body
    text: str
    reason: str


def parse_attlog(text: str) -> tuple[list[AttLogLine], list[BadLine]]:
    """ATTLOG lines `PIN \\t time \\t status \\t verify \\t workcode \\t reserved...`. A bad line
    is returned apart so that the rest of the batch is still stored."""
    lines: list[AttLogLine] = []
    bad: list[BadLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        line = _attlog_line([field.strip() for field in raw.split("\t")])
        if isinstance(line, str):
            bad.append(BadLine(number=number, text=raw[:200], reason=line))
        else:
            lines.append(line)
    return lines, bad


def _attlog_line(fields: list[str]) -> AttLogLine | str:
    """The line, or why it is not one."""
    if len(fields) < 4:
        return "fewer than 4 fields"
    if not PIN_PATTERN.match(fields[0]):
        return "bad PIN"
    try:
        punched_at = parse_time(fields[1])
    except ValueError:
        return "bad time"
    if not (CODE_PATTERN.match(fields[2]) and CODE_PATTERN.match(fields[3])):
        return "bad status or verify code"
    return AttLogLine(
        pin=fields[0],
        punched_at=punched_at,
        status=fields[2],
        verify=fields[3],
        workcode=fields[4] if len(fields) > 4 else "",
    )


# The form terminals write, which is also ISO 8601's with a space.
CANONICAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def parse_time(text: str) -> dt.datetime:
    """`strptime(text, TIME_FORMAT)`, ValueError included. strptime costs about 10 µs a call,
    the largest single cost of a batch of 500 lines; the canonical form is read by
    fromisoformat (0.3 µs), which gives the same time or the same ValueError (a 13th month,
    a 61st second), and anything else is left to strptime."""
    if CANONICAL_TIME.fullmatch(text):
        return dt.datetime.fromisoformat(text)
    return dt.datetime.strptime(text, TIME_FORMAT)


@dataclass(frozen=True)
class OperRecord:
    """One OPERLOG record: `USER PIN=1\\tName=...`, `FP PIN=1\\tFID=0\\t...`, `OPLOG ...`."""

    kind: str
    fields: Mapping[str, str]


def parse_operlog(text: str) -> tuple[list[OperRecord], list[BadLine]]:
    records: list[OperRecord] = []
    bad: list[BadLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        kind, _, rest = raw.partition(" ")
        if not kind.isalpha() or not rest:
            bad.append(BadLine(number=number, text=raw[:200], reason="no record type"))
            continue
        # OPLOG records are positional (an operation code and its operands); the others are
        # key=value pairs.
        fields = {} if kind == "OPLOG" else _pairs(rest)
        if kind in ("USER", "FP") and not PIN_PATTERN.match(fields.get("PIN", "")):
            bad.append(BadLine(number=number, text=raw[:200], reason="bad PIN"))
            continue
        records.append(OperRecord(kind=kind, fields=fields))
    return records, bad


def _pairs(text: str) -> dict[str, str]:
    pairs = {}
    for item in text.split("\t"):
        key, sep, value = item.partition("=")
        if sep:
            pairs[key.strip()] = value.strip()
    return pairs


@dataclass(frozen=True)
class AttPhoto:
    pin: str
    taken_at: dt.datetime
    content: bytes


ATTPHOTO_NAME = re.compile(r"^(\d{14})-([A-Za-z0-9]{1,24})(?:\.jpg)?$")
ATTPHOTO_MARKER = re.compile(rb"CMD=(?:uploadphoto|realupload)")


def parse_attphoto(body: bytes) -> AttPhoto | None:
    """`PIN=<yyyymmddhhmmss>-<pin>.jpg`, `SN=`, `size=` and `CMD=uploadphoto`, then the
    image. Firmware differs in what separates them (line breaks or tabs; a NUL, a line break
    or `picture=` before the image), so the header is read up to the CMD marker and the
    image from the first byte after its separators. None when the upload is not a photo."""
    marker = ATTPHOTO_MARKER.search(body)
    if marker is None:
        return None
    fields = {}
    for item in re.split(r"[\t\r\n]+", body[: marker.start()].decode("ascii", errors="replace")):
        key, _, value = item.partition("=")
        fields[key.strip()] = value.strip()
    content = body[marker.end() :].lstrip(b"\0\r\n\t ").removeprefix(b"picture=")
    match = ATTPHOTO_NAME.match(fields.get("PIN", ""))
    if match is None or not content:
        return None
    try:
        taken_at = dt.datetime.strptime(match.group(1), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return AttPhoto(pin=match.group(2), taken_at=taken_at, content=content)


@dataclass(frozen=True)
class CommandResult:
    command_id: int
    return_code: int
    command: str


def parse_results(text: str) -> list[CommandResult]:
    """/iclock/devicecmd: one `ID=<id>&Return=<code>&CMD=<command>` line per command; a line
    without a numeric ID and return code is ignored."""
    results = []
    for raw in text.splitlines():
        fields = {key: values[0] for key, values in parse_qs(raw.strip()).items()}
        try:
            results.append(
                CommandResult(
                    command_id=int(fields["ID"]),
                    return_code=int(fields["Return"]),
                    command=fields.get("CMD", ""),
                )
            )
        except (KeyError, ValueError):
            continue
    return results


def handshake(
    *, serial_number: str, stamps: Mapping[str, str], timezone_hours: int | None, delay_seconds: int
) -> str:
    """The answer to `GET /iclock/cdata?SN=...&options=all`: where the terminal's uploads
    stand, how often to call, what to push (attendance, operation log, photos, user and
    fingerprint changes), in real time."""
    lines = [
        f"GET OPTION FROM: {serial_number}",
        f"ATTLOGStamp={stamps.get('ATTLOG') or 'None'}",
        f"OPERLOGStamp={stamps.get('OPERLOG') or 'None'}",
        f"ATTPHOTOStamp={stamps.get('ATTPHOTO') or 'None'}",
        "ErrorDelay=30",
        f"Delay={delay_seconds}",
        "TransTimes=00:00;14:05",
        "TransInterval=1",
        "TransFlag=TransData AttLog\tOpLog\tAttPhoto\tEnrollUser\tChgUser\tEnrollFP\tChgFP",
        "Realtime=1",
        "Encrypt=None",
    ]
    # The terminal reads whole hours only: a half-hour zone is left out, and the time
    # command carries the local time anyway.
    if timezone_hours is not None:
        lines.append(f"TimeZone={timezone_hours}")
    return "\n".join(lines) + "\n"


def timezone_hours(offset: dt.timedelta | None) -> int | None:
    if offset is None or offset.total_seconds() % 3600:
        return None
    return int(offset.total_seconds() // 3600)


def encode_time(value: dt.datetime) -> int:
    """The firmware's packed time for `SET OPTION DateTime=`: months of 31 days from 2000."""
    days = ((value.year - 2000) * 12 + (value.month - 1)) * 31 + (value.day - 1)
    return days * 86400 + value.hour * 3600 + value.minute * 60 + value.second


def _field(value: str) -> str:
    # A tab or line break inside a value would split the record on the terminal.
    return re.sub(r"[\t\r\n]+", " ", value).strip()


def set_time_command(now: dt.datetime) -> str:
    return f"SET OPTION DateTime={encode_time(now)}"


def update_user_command(*, pin: str, name: str) -> str:
    # Terminals keep 24 characters of a name.
    return f"DATA UPDATE USERINFO PIN={pin}\tName={_field(name)[:24]}\tPri=0"


def delete_user_command(pin: str) -> str:
    return f"DATA DELETE USERINFO PIN={pin}"


def command_lines(commands: list[tuple[int, str]]) -> str:
    """The answer to a heartbeat: `C:<id>:<command>` per command, or `OK` when none."""
    if not commands:
        return "OK"
    return "\n".join(f"C:{command_id}:{text}" for command_id, text in commands) + "\n"


def clock_offset(lines: list[AttLogLine], received: dt.datetime) -> int | None:
    """Seconds the terminal's clock runs ahead (+) or behind (-) ours, from a batch pushed in
    real time; None when the batch cannot tell. `received` is hall-local."""
    if not lines or len(lines) > REALTIME_LINES:
        return None
    newest = max(line.punched_at for line in lines)
    if abs(newest - received) > REALTIME_HORIZON:
        return None
    return round((newest - received).total_seconds())
