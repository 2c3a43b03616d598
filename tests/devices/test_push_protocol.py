"""The push protocol's wire format, pure: what terminals send and what we answer."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance.tables import PunchSource
from devices.push import protocol
from devices.push.protocol import AttLogLine


@pytest.mark.parametrize(
    ("verify", "source"),
    [
        ("1", PunchSource.FINGERPRINT),
        ("15", PunchSource.FACE),
        ("2", PunchSource.CARD),
        ("4", PunchSource.CARD),
        ("0", PunchSource.PASSWORD),
        ("3", PunchSource.PASSWORD),
        ("10", PunchSource.FINGERPRINT),  # fingerprint and card: the finger came first
        ("18", PunchSource.FACE),  # face and card
        ("25", PunchSource.OTHER),  # palm: no source of ours
        ("x", PunchSource.OTHER),
    ],
)
def test_each_verify_code_has_its_source(verify: str, source: PunchSource) -> None:
    assert protocol.source_of(verify) == source


def test_an_attlog_line_is_read_field_by_field() -> None:
    lines, bad = protocol.parse_attlog("QS001\t2026-11-20 07:58:03\t0\t15\t7\t0\t0\r\n\n")
    assert bad == []
    assert lines == [AttLogLine("QS001", dt.datetime(2026, 11, 20, 7, 58, 3), "0", "15", "7")]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("QS001\t2026-11-20 07:58:03", "fewer than 4 fields"),
        ("QS 001\t2026-11-20 07:58:03\t0\t1", "bad PIN"),
        ("QS001\t2026-11-31 07:58:03\t0\t1", "bad time"),
        ("QS001\t20261120 075803\t0\t1", "bad time"),
        ("QS001\t2026-11-20 07:58:03\tin\t1", "bad status or verify code"),
        # Too long for a code, and for the column that keeps a held line's code.
        ("QS001\t2026-11-20 07:58:03\t0\t" + "9" * 40, "bad status or verify code"),
    ],
)
def test_a_malformed_attlog_line_says_why(text: str, reason: str) -> None:
    lines, bad = protocol.parse_attlog(f"QS002\t2026-11-20 08:00:00\t0\t1\n{text}\n")
    assert [line.pin for line in lines] == ["QS002"]
    assert [(item.number, item.reason) for item in bad] == [(2, reason)]


def test_operlog_records_are_read_by_type() -> None:
    records, bad = protocol.parse_operlog(
        "USER PIN=7\tName=王芳\tPri=0\n"
        "FP PIN=7\tFID=1\tSize=8\tValid=1\tTMP=AAAA\n"
        "OPLOG 4\t0\t2026-11-20 08:00:00\t0\t0\t0\t0\n"
        "USER PIN=\tName=nobody\n"
        "no-type\n"
    )
    assert [(record.kind, dict(record.fields)) for record in records] == [
        ("USER", {"PIN": "7", "Name": "王芳", "Pri": "0"}),
        ("FP", {"PIN": "7", "FID": "1", "Size": "8", "Valid": "1", "TMP": "AAAA"}),
        ("OPLOG", {}),
    ]
    assert [item.reason for item in bad] == ["bad PIN", "no record type"]


JPEG = b"\xff\xd8\xff\xe0rest-of-the-image"


@pytest.mark.parametrize(
    "body",
    [
        b"PIN=20261120075800-QS001.jpg\nSN=X1\nsize=21\nCMD=uploadphoto\0" + JPEG,
        b"PIN=20261120075800-QS001.jpg\nSN=X1\nsize=21\nCMD=uploadphoto\n" + JPEG,
        b"PIN=20261120075800-QS001\tSN=X1\tsize=21\tCMD=uploadphoto\r\n" + JPEG,
        b"PIN=20261120075800-QS001.jpg\nSN=X1\nsize=21\nCMD=realupload\npicture=" + JPEG,
    ],
)
def test_a_photo_upload_is_read_whatever_separates_its_parts(body: bytes) -> None:
    photo = protocol.parse_attphoto(body)
    assert photo is not None
    assert (photo.pin, photo.taken_at, photo.content) == ("QS001", dt.datetime(2026, 11, 20, 7, 58), JPEG)


@pytest.mark.parametrize(
    "body",
    [
        b"PIN=20261120075800-QS001.jpg\nSN=X1\n" + JPEG,  # no CMD marker
        b"PIN=QS001.jpg\nCMD=uploadphoto\0" + JPEG,  # no time in the name
        b"PIN=20261132075800-QS001.jpg\nCMD=uploadphoto\0" + JPEG,  # no such day
        b"PIN=20261120075800-QS001.jpg\nCMD=uploadphoto\0",  # no image
    ],
)
def test_what_is_not_a_photo_upload_is_none(body: bytes) -> None:
    assert protocol.parse_attphoto(body) is None


def test_command_results_are_read_per_line() -> None:
    results = protocol.parse_results(
        "ID=12&Return=0&CMD=DATA\nID=13&Return=-1002&CMD=SET OPTION\nID=x&Return=0\n"
    )
    assert [(item.command_id, item.return_code, item.command) for item in results] == [
        (12, 0, "DATA"),
        (13, -1002, "SET OPTION"),
    ]


def test_the_time_is_packed_as_the_firmware_counts_it() -> None:
    # ((26 years * 12 + 10 months) * 31 + 22 days) * 86400 + 8 hours * 3600
    assert protocol.encode_time(dt.datetime(2026, 11, 23, 8, 0, 0)) == 864_374_400
    assert protocol.set_time_command(dt.datetime(2000, 1, 1, 0, 0, 1)) == "SET OPTION DateTime=1"


def test_a_user_command_keeps_the_record_on_one_line() -> None:
    command = protocol.update_user_command(pin="QS001", name="王\t芳\n" + "长" * 30)
    assert command == "DATA UPDATE USERINFO PIN=QS001\tName=王 芳 " + "长" * 20 + "\tPri=0"
    assert protocol.delete_user_command("QS001") == "DATA DELETE USERINFO PIN=QS001"
    assert protocol.command_lines([]) == "OK"
    assert protocol.command_lines([(5, "CHECK")]) == "C:5:CHECK\n"


def test_the_handshake_leaves_out_a_zone_the_terminal_cannot_hold() -> None:
    assert protocol.timezone_hours(dt.timedelta(hours=8)) == 8
    assert protocol.timezone_hours(dt.timedelta(hours=5, minutes=30)) is None
    text = protocol.handshake(serial_number="X1", stamps={}, timezone_hours=None, delay_seconds=10)
    assert "TimeZone" not in text
    assert "ATTLOGStamp=None" in text.splitlines()


NOW = dt.datetime(2026, 11, 23, 8, 30, 0)


def _at(minutes: float) -> AttLogLine:
    return AttLogLine("QS001", NOW + dt.timedelta(minutes=minutes), "0", "1", "0")


def test_a_realtime_push_measures_the_clock() -> None:
    assert protocol.clock_offset([_at(-6)], NOW) == -360
    assert protocol.clock_offset([_at(-30), _at(2)], NOW) == 120  # the newest line counts


def test_a_backlog_or_a_long_batch_does_not_measure_the_clock() -> None:
    assert protocol.clock_offset([_at(-13 * 60)], NOW) is None
    assert protocol.clock_offset([_at(-1)] * 6, NOW) is None
    assert protocol.clock_offset([], NOW) is None
