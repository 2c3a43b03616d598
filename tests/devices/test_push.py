"""The push server driven as a terminal drives it: plain HTTP requests with the protocol's
query strings and tab-separated bodies, made here rather than by any client of ours."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import logging
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from attendance import verdicts
from attendance.rules import Mark, Session
from attendance.tables import Punch, PunchSource, Verdict
from devices import demo as devices_demo
from devices import registry
from devices.schemas import DeviceCreate
from devices.tables import (
    CommandKind,
    CommandState,
    Device,
    DeviceCommand,
    DeviceDay,
    DeviceKind,
    DevicePhoto,
    DeviceUser,
    HeldReason,
    HeldRecord,
    ParkedDevice,
)
from hall import demo
from hall.config import get_config
from hall.roles import Role
from tests.conftest import World
from web.app import create_app, create_push_app

SN = "CQZ7231260001"
# A Friday of winter time: 08:00-11:00 and 13:30-16:30.
FRIDAY = "2026-11-20"


def line(pin: str, at: str, verify: int = 1, status: int = 0) -> str:
    return f"{pin}\t{at}\t{status}\t{verify}\t0\t0\t0"


def batch(*lines: str) -> str:
    return "\n".join(lines) + "\n"


async def register_terminal(world: World, serial: str = SN, name: str = "大厅考勤机") -> int:
    issued = await registry.register_device(
        data=DeviceCreate(
            hall_id=world.town.id, name=name, kind=DeviceKind.PUSH_TERMINAL, serial_number=serial
        ),
        scope=None,
        actor_id=None,
        now=dt.datetime.now(dt.UTC),
    )
    assert issued.secret is None  # known by its SN: no secret to hand out
    return issued.device.id


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient]:
    """The app with its jobs in its own process, even where Redis is configured: the tests
    of staff changes wait here for the sync job those changes queue."""
    async with AsyncTestClient(
        app=create_app(dataclasses.replace(get_config(), redis_url=None))
    ) as test_client:
        yield test_client


@pytest.fixture
async def terminal(world: World) -> int:
    return await register_terminal(world)


async def post_attlog(
    client: AsyncTestClient, body: str, *, serial: str = SN, stamp: str = "1"
) -> tuple[int, str]:
    response = await client.post(
        f"/iclock/cdata?SN={serial}&table=ATTLOG&Stamp={stamp}",
        content=body.encode(),
        headers={"Content-Type": "text/plain"},
    )
    return response.status_code, response.text


async def punches_of(world: World) -> list[dict]:
    return await Punch.select().where(Punch.hall == world.town.id).order_by(Punch.punched_at)


async def today_traffic(device_id: int) -> dict:
    return await DeviceDay.select().where(DeviceDay.device == device_id).first()


# ---- handshake -------------------------------------------------------------------------


async def test_the_handshake_answers_the_terminals_options(client: AsyncTestClient, terminal: int) -> None:
    response = await client.get(f"/iclock/cdata?SN={SN}&options=all&pushver=2.4.1&language=83")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    options = dict(item.split("=", 1) for item in response.text.splitlines()[1:])
    assert response.text.splitlines()[0] == f"GET OPTION FROM: {SN}"
    assert options["ATTLOGStamp"] == "None"  # nothing received yet: send everything
    assert options["Realtime"] == "1"
    assert options["TimeZone"] == "8"  # Asia/Shanghai
    assert options["Delay"] == str(get_config().push_delay_seconds)
    assert "AttLog" in options["TransFlag"] and "OpLog" in options["TransFlag"]
    device = await Device.select(Device.last_contact_at).where(Device.id == terminal).first()
    assert device["last_contact_at"] is not None


async def test_the_handshake_hands_back_the_stamps_received(client: AsyncTestClient, terminal: int) -> None:
    await post_attlog(client, batch(line("QS001", f"{FRIDAY} 07:58:00")), stamp="9999")
    response = await client.get(f"/iclock/cdata?SN={SN}&options=all")
    assert "ATTLOGStamp=9999" in response.text.splitlines()


async def test_a_starting_terminal_gets_the_time_and_the_halls_people_queued(
    client: AsyncTestClient, world: World, terminal: int
) -> None:
    await client.get(f"/iclock/cdata?SN={SN}&options=all")
    queued = await DeviceCommand.select(DeviceCommand.kind, DeviceCommand.pin, DeviceCommand.name).where(
        DeviceCommand.device == terminal
    )
    assert sorted((row["kind"], row["pin"], row["name"]) for row in queued) == [
        (CommandKind.SET_TIME, "", ""),
        (CommandKind.UPDATE_USER, "QS001", "王芳"),
        (CommandKind.UPDATE_USER, "QS002", "李强"),
        (CommandKind.UPDATE_USER, "QS003", "张敏"),
    ]
    # Starting again queues nothing twice.
    await client.get(f"/iclock/cdata?SN={SN}&options=all")
    assert await DeviceCommand.count().where(DeviceCommand.device == terminal) == 4


# ---- attendance lines ------------------------------------------------------------------


async def test_a_batch_becomes_punches_with_the_source_of_each_verify_code(
    client: AsyncTestClient, world: World, terminal: int
) -> None:
    status, text = await post_attlog(
        client,
        batch(
            line("QS001", f"{FRIDAY} 07:58:00", verify=1),
            line("QS002", f"{FRIDAY} 08:20:00", verify=15),
            line("QS003", f"{FRIDAY} 08:05:00", verify=2),
            line("QS003", f"{FRIDAY} 16:31:00", verify=0),
        ),
    )
    assert (status, text) == (200, "OK: 4")
    stored = await punches_of(world)
    assert [(row["staff"], row["source"], row["device"], row["verify_mode"]) for row in stored] == [
        (world.staff[0].id, PunchSource.FINGERPRINT, "大厅考勤机", "1"),
        (world.staff[2].id, PunchSource.CARD, "大厅考勤机", "2"),
        (world.staff[1].id, PunchSource.FACE, "大厅考勤机", "15"),
        (world.staff[2].id, PunchSource.PASSWORD, "大厅考勤机", "0"),
    ]
    # Device time has no zone: it is the hall's wall clock, stored as it came.
    assert stored[0]["punched_at"] == dt.datetime(2026, 11, 20, 7, 58)


async def test_the_days_a_batch_touches_are_judged_when_read(
    client: AsyncTestClient, world: World, terminal: int
) -> None:
    await post_attlog(client, batch(line("QS002", f"{FRIDAY} 08:20:00", verify=15)))
    day = dt.date(2026, 11, 20)
    await verdicts.ensure_current(hall_id=world.town.id, start=day, end=day, now=get_config().local_now())
    morning = (
        await Verdict.select(Verdict.start_mark)
        .where(
            (Verdict.staff == world.staff[1].id) & (Verdict.day == day) & (Verdict.session == Session.MORNING)
        )
        .first()
    )
    assert morning["start_mark"] == Mark.LATE


async def test_the_same_batch_again_is_stored_once_and_still_answered_ok(
    client: AsyncTestClient, world: World, terminal: int
) -> None:
    body = batch(line("QS001", f"{FRIDAY} 07:58:00"), line("QS002", f"{FRIDAY} 08:20:00", verify=15))
    assert await post_attlog(client, body) == (200, "OK: 2")
    assert await post_attlog(client, body) == (200, "OK: 2")
    assert len(await punches_of(world)) == 2
    traffic = await today_traffic(terminal)
    assert (traffic["received"], traffic["stored"], traffic["repeated"]) == (4, 2, 2)


async def test_a_malformed_line_is_skipped_and_logged_and_the_rest_stored(
    client: AsyncTestClient, world: World, terminal: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="devices.push.ingest")
    body = batch(
        line("QS001", f"{FRIDAY} 07:58:00"),
        "this is not a record",
        line("QS002", "2026-13-40 08:00:00"),
        line("QS003", f"{FRIDAY} 08:01:00"),
    )
    assert await post_attlog(client, body) == (200, "OK: 2")
    assert [row["staff"] for row in await punches_of(world)] == [world.staff[0].id, world.staff[2].id]
    assert (await today_traffic(terminal))["malformed"] == 2
    skipped = [record.getMessage() for record in caplog.records]
    assert any("line 2 skipped" in message for message in skipped)
    assert any("line 3 skipped (bad time)" in message for message in skipped)


async def test_lines_that_cannot_be_punches_are_held_not_lost(
    client: AsyncTestClient, world: World, terminal: int
) -> None:
    ahead = (get_config().local_now() + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    body = batch(line("QS009", f"{FRIDAY} 07:59:00"), line("QS001", ahead))
    assert await post_attlog(client, body) == (200, "OK: 2")
    assert await punches_of(world) == []
    held = await HeldRecord.select(HeldRecord.pin, HeldRecord.reason).order_by(HeldRecord.pin)
    assert [(row["pin"], row["reason"]) for row in held] == [
        ("QS001", HeldReason.FUTURE),
        ("QS009", HeldReason.UNKNOWN_PIN),
    ]


async def test_a_held_pin_becomes_a_punch_once_the_person_is_entered(
    client: AsyncTestClient, world: World, terminal: int
) -> None:
    await post_attlog(client, batch(line("QS009", f"{FRIDAY} 07:59:00")))
    response = await client.post(
        "/api/staff",
        json={"hall_id": world.town.id, "name": "陈晨", "staff_number": "QS009"},
        headers=world.auth(Role.ADMIN),
    )
    assert response.status_code == 201
    for _ in range(50):  # the staff change queued the sync job; it runs in the app process
        if await punches_of(world):
            break
        await asyncio.sleep(0.1)
    [stored] = await punches_of(world)
    assert stored["staff"] == response.json()["id"]
    assert await HeldRecord.count() == 0


async def test_a_terminal_whose_clock_is_off_is_flagged_and_sent_the_time(
    client: AsyncTestClient, terminal: int
) -> None:
    # Pushed in real time, a punch stamped 10 minutes ago says the clock is 10 minutes slow.
    slow = (get_config().local_now() - dt.timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M:%S")
    await post_attlog(client, batch(line("QS001", slow)))
    device = await Device.select(Device.clock_offset).where(Device.id == terminal).first()
    assert -610 <= device["clock_offset"] <= -590
    response = await client.get(f"/iclock/getrequest?SN={SN}")
    [command] = response.text.splitlines()
    command_id, text = command.removeprefix("C:").split(":", 1)
    assert text.startswith("SET OPTION DateTime=")
    assert (await DeviceCommand.select().where(DeviceCommand.id == int(command_id)).first())["kind"] == (
        CommandKind.SET_TIME
    )


async def test_a_backlog_says_nothing_about_the_clock(client: AsyncTestClient, terminal: int) -> None:
    await post_attlog(client, batch(line("QS001", f"{FRIDAY} 07:58:00")))
    device = await Device.select(Device.clock_offset).where(Device.id == terminal).first()
    assert device["clock_offset"] is None
    assert await DeviceCommand.count() == 0


# ---- who may push ----------------------------------------------------------------------


async def test_an_unknown_sn_is_refused_and_nothing_is_stored(
    client: AsyncTestClient, world: World, terminal: int
) -> None:
    status, text = await post_attlog(client, batch(line("QS001", f"{FRIDAY} 07:58:00")), serial="UNKNOWN123")
    assert status == 403
    assert "UNKNOWN123" in text and "未登记" in text
    assert (await client.get("/iclock/getrequest?SN=UNKNOWN123")).status_code == 403
    assert await punches_of(world) == []
    assert await ParkedDevice.count() == 0  # refused, not parked: the default


async def test_a_request_without_sn_is_refused(client: AsyncTestClient) -> None:
    response = await client.get("/iclock/cdata?options=all")
    assert response.status_code == 403
    assert "序列号" in response.text


async def test_a_stopped_terminal_is_refused(client: AsyncTestClient, world: World, terminal: int) -> None:
    await registry.revoke_device(device_id=terminal, scope=None, now=dt.datetime.now(dt.UTC))
    status, text = await post_attlog(client, batch(line("QS001", f"{FRIDAY} 07:58:00")))
    assert status == 403 and "已停用" in text
    assert await punches_of(world) == []


@pytest.fixture
async def parking_client() -> AsyncIterator[AsyncTestClient]:
    config = dataclasses.replace(get_config(), park_unknown_devices=True, redis_url=None)
    async with AsyncTestClient(app=create_app(config)) as test_client:
        yield test_client


async def test_an_unknown_sn_is_parked_until_the_admin_registers_it(
    parking_client: AsyncTestClient, world: World
) -> None:
    body = batch(line("QS001", f"{FRIDAY} 07:58:00"))
    status, text = await post_attlog(parking_client, body, serial="NEW0001")
    assert status == 403 and "等待管理员批准" in text
    await parking_client.get("/iclock/getrequest?SN=NEW0001&INFO=Ver 8.0.4,3,2,1200,192.168.1.201")
    [parked] = await ParkedDevice.select()
    assert (parked["serial_number"], parked["requests"]) == ("NEW0001", 2)
    assert parked["info"].startswith("Ver 8.0.4")
    assert await punches_of(world) == []
    # Approving is registering the SN: parked no more, and the re-sent batch is stored.
    await register_terminal(world, serial="new0001", name="二楼考勤机")
    assert await ParkedDevice.count() == 0
    assert await post_attlog(parking_client, body, serial="NEW0001") == (200, "OK: 1")
    assert len(await punches_of(world)) == 1


# ---- operation log: who is enrolled on the terminal -----------------------------------


async def test_operlog_user_and_fingerprint_records_are_kept(client: AsyncTestClient, terminal: int) -> None:
    body = (
        "USER PIN=QS001\tName=王芳\tPri=0\tPasswd=\tCard=[0000000000]\tGrp=1\tTZ=0000000100000000\tVerify=0\n"
        "USER PIN=9\tName=管理员\tPri=14\tPasswd=\tCard=\tGrp=1\tTZ=\tVerify=0\n"
        "FP PIN=QS001\tFID=6\tSize=1344\tValid=1\tTMP=TTFTUzIxAAAFamsECAUHCc7QAAAda2kBAAAAhOkrP2oB\n"
        "FP PIN=QS001\tFID=6\tSize=1344\tValid=1\tTMP=TTFTUzIxAAAFamsECAUHCc7QAAAda2kBAAAAhOkrP2oB\n"
        "OPLOG 4\t0\t2026-11-20 08:00:00\t0\t0\t0\t0\n"
        "garbage\n"
    )
    response = await client.post(
        f"/iclock/cdata?SN={SN}&table=OPERLOG&Stamp=77", content=body.encode("gb18030")
    )
    assert (response.status_code, response.text) == (200, "OK: 5")
    users = {row["pin"]: row for row in await DeviceUser.select().where(DeviceUser.device == terminal)}
    assert users["QS001"]["name"] == "王芳"  # GB18030 from older firmware, decoded
    assert users["QS001"]["fingerprints"] == 1 << 6  # finger 6, counted once
    assert not users["QS001"]["card"]
    assert users["9"]["privilege"] == 14
    # A person already enrolled under their name is not sent again.
    await client.get(f"/iclock/cdata?SN={SN}&options=all")
    pins = {
        row["pin"]
        for row in await DeviceCommand.select(DeviceCommand.pin).where(DeviceCommand.kind == "update_user")
    }
    assert pins == {"QS002", "QS003"}


# ---- commands --------------------------------------------------------------------------


async def test_a_command_is_handed_out_on_the_heartbeat_and_closed_by_its_result(
    client: AsyncTestClient, world: World, terminal: int
) -> None:
    await client.get(f"/iclock/cdata?SN={SN}&options=all")
    response = await client.get(f"/iclock/getrequest?SN={SN}")
    commands = dict(item.removeprefix("C:").split(":", 1) for item in response.text.splitlines())
    assert len(commands) == 4
    by_text = {text: int(command_id) for command_id, text in commands.items()}
    assert by_text["DATA UPDATE USERINFO PIN=QS002\tName=李强\tPri=0"]
    [set_time] = [text for text in by_text if text.startswith("SET OPTION DateTime=")]
    # Handed out once: the next heartbeat has nothing.
    assert (await client.get(f"/iclock/getrequest?SN={SN}")).text == "OK"
    update_id = by_text["DATA UPDATE USERINFO PIN=QS002\tName=李强\tPri=0"]
    results = f"ID={update_id}&Return=0&CMD=DATA\nID={by_text[set_time]}&Return=-1002&CMD=SET OPTION\n"
    response = await client.post(f"/iclock/devicecmd?SN={SN}", content=results.encode())
    assert (response.status_code, response.text) == (200, "OK")
    states = {row["id"]: row for row in await DeviceCommand.select()}
    assert (states[update_id]["state"], states[update_id]["return_code"]) == (CommandState.DONE, 0)
    assert states[by_text[set_time]]["state"] == CommandState.FAILED
    assert states[update_id]["text"] == "DATA UPDATE USERINFO PIN=QS002\tName=李强\tPri=0"
    # What the terminal now holds is known.
    enrolled = await DeviceUser.select(DeviceUser.name).where(DeviceUser.pin == "QS002").first()
    assert enrolled["name"] == "李强"


async def test_a_result_for_another_terminals_command_is_ignored(
    client: AsyncTestClient, world: World, terminal: int
) -> None:
    other = await register_terminal(world, serial="OTHER0002", name="二楼考勤机")
    await client.get("/iclock/cdata?SN=OTHER0002&options=all")
    [theirs, *_] = await DeviceCommand.select(DeviceCommand.id).where(DeviceCommand.device == other)
    await client.post(f"/iclock/devicecmd?SN={SN}", content=f"ID={theirs['id']}&Return=0&CMD=DATA\n".encode())
    assert (await DeviceCommand.select().where(DeviceCommand.id == theirs["id"]).first())["state"] == (
        CommandState.PENDING
    )


async def test_a_person_who_left_is_deleted_from_the_terminal(
    client: AsyncTestClient, world: World, terminal: int
) -> None:
    await client.post(
        f"/iclock/cdata?SN={SN}&table=OPERLOG", content="USER PIN=QS003\tName=张敏\tPri=0\n".encode()
    )
    response = await client.patch(
        f"/api/staff/{world.staff[2].id}",
        json={"status": "left", "left_on": "2026-11-01"},
        headers=world.auth(Role.ADMIN),
    )
    assert response.status_code == 200, response.text
    for _ in range(50):
        deletes = await DeviceCommand.select().where(DeviceCommand.kind == CommandKind.DELETE_USER)
        if deletes:
            break
        await asyncio.sleep(0.1)
    assert [row["pin"] for row in deletes] == ["QS003"]
    response = await client.get(f"/iclock/getrequest?SN={SN}")
    assert f"C:{deletes[0]['id']}:DATA DELETE USERINFO PIN=QS003" in response.text.splitlines()


# ---- photos ----------------------------------------------------------------------------


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), (200, 180, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


async def test_a_photo_is_kept_with_its_punch(client: AsyncTestClient, world: World, terminal: int) -> None:
    await post_attlog(client, batch(line("QS001", f"{FRIDAY} 07:58:00", verify=15)))
    photo = jpeg()
    body = f"PIN=20261120075800-QS001.jpg\nSN={SN}\nsize={len(photo)}\nCMD=uploadphoto\0".encode() + photo
    for _ in range(2):  # re-sent: kept once
        response = await client.post(f"/iclock/cdata?SN={SN}&table=ATTPHOTO&Stamp=5", content=body)
        assert (response.status_code, response.text) == (200, "OK: 1")
    [kept] = await DevicePhoto.select()
    [stored] = await punches_of(world)
    assert stored["photo"] == kept["photo"]
    assert (get_config().media_dir / kept["photo"]).read_bytes() == photo


async def test_a_photo_upload_that_is_not_an_image_is_skipped(client: AsyncTestClient, terminal: int) -> None:
    body = f"PIN=20261120075800-QS001.jpg\nSN={SN}\nsize=4\nCMD=uploadphoto\0".encode() + b"%PDF"
    response = await client.post(f"/iclock/cdata?SN={SN}&table=ATTPHOTO", content=body)
    assert (response.status_code, response.text) == (200, "OK: 0")
    assert await DevicePhoto.count() == 0


async def test_a_table_we_do_not_keep_is_acknowledged(client: AsyncTestClient, terminal: int) -> None:
    response = await client.post(f"/iclock/cdata?SN={SN}&table=BIODATA", content=b"BIODATA Pin=1\tNo=0")
    assert (response.status_code, response.text) == (200, "OK")


async def test_the_demo_hall_has_a_push_terminal_to_try(client: AsyncTestClient) -> None:
    await demo.load_demo()
    await devices_demo.load_demo_devices()
    status, text = await post_attlog(
        client, batch(line("QS001", f"{FRIDAY} 07:58:00")), serial=devices_demo.PUSH_TERMINAL_SN
    )
    assert (status, text) == (200, "OK: 1")


async def test_the_push_server_runs_on_a_port_of_its_own(terminal: int) -> None:
    config = dataclasses.replace(get_config(), redis_url=None)
    async with AsyncTestClient(app=create_push_app(config)) as push_only:
        assert (await push_only.get(f"/iclock/cdata?SN={SN}&options=all")).status_code == 200
        assert (await push_only.get("/login")).status_code == 404
    async with AsyncTestClient(app=create_app(dataclasses.replace(config, push_on_main_app=False))) as main:
        assert (await main.get(f"/iclock/cdata?SN={SN}&options=all")).status_code == 404
