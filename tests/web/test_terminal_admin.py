"""The admin's side of the push terminals: registering one by its SN (no secret), approving a
parked one, its health on the devices page, and the commands sent from there."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from devices.tables import DeviceCommand
from hall.config import get_config
from hall.roles import Role
from tests.conftest import World
from web.app import create_app

SN = "AEH2201360012"


async def _register(client: AsyncTestClient, world: World, **fields) -> dict:
    data = {
        "hall_id": world.town.id,
        "name": "一楼考勤机",
        "kind": "push_terminal",
        "serial_number": SN,
    } | fields
    return await client.post("/api/devices", json=data, headers=world.auth(Role.ADMIN))


async def test_a_push_terminal_is_registered_by_its_sn_without_a_secret(
    client: AsyncTestClient, world: World
) -> None:
    response = await _register(client, world, serial_number="aeh2201360012")
    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["secret"] is None
    assert (issued["device"]["serial_number"], issued["device"]["kind_label"]) == (SN, "考勤机（推送协议）")


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"serial_number": None}, 422, "考勤机必须填写序列号（SN）"),
        ({"serial_number": "SN-1"}, 422, "序列号（SN）"),
        ({"kind": "evaluator", "serial_number": None}, 422, "评价器必须指定所在窗口"),
    ],
)
async def test_a_device_missing_what_its_kind_needs_is_refused(
    client: AsyncTestClient, world: World, fields: dict, status: int, message: str
) -> None:
    response = await _register(client, world, **fields)
    assert response.status_code == status
    assert message in response.text


async def test_an_evaluator_at_another_halls_window_is_refused(client: AsyncTestClient, world: World) -> None:
    response = await _register(
        client, world, kind="evaluator", serial_number=None, window_id=world.other_window.id, name="评价器"
    )
    assert response.status_code == 422
    assert "本中心没有这个窗口" in response.text


async def test_an_sn_is_registered_once(client: AsyncTestClient, world: World) -> None:
    assert (await _register(client, world)).status_code == 201
    again = await _register(client, world, name="二楼考勤机")
    assert again.status_code == 409
    assert f"序列号为 {SN} 的考勤机已经登记" in again.text


async def test_registering_on_the_page_shows_how_to_point_the_terminal_here(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.post(
        "/devices",
        data={"hall_id": world.town.id, "name": "一楼考勤机", "kind": "push_terminal", "serial_number": SN},
        headers=world.cookie(Role.ADMIN),
    )
    assert response.status_code == 201
    assert "云服务器设置（ADMS）" in response.text
    assert "http://testserver.local" in response.text
    assert SN in response.text


async def test_the_devices_page_shows_each_terminals_health(client: AsyncTestClient, world: World) -> None:
    device = (await _register(client, world)).json()["device"]
    slow = (get_config().local_now() - dt.timedelta(minutes=20)).strftime("%Y-%m-%d %H:%M:%S")
    await client.post(f"/iclock/cdata?SN={SN}&table=ATTLOG", content=f"QS001\t{slow}\t0\t1\t0\n".encode())
    await client.post(f"/iclock/cdata?SN={SN}&table=ATTLOG", content=b"QS009\t2026-11-20 08:00:00\t0\t1\t0\n")
    page = await client.get("/devices", headers=world.cookie(Role.DIRECTOR))
    assert page.status_code == 200
    assert "在线" in page.text
    # 20 minutes behind, less the moments the push and the page took under load.
    offset = re.search(r"时钟偏差 (-?\d+) 秒", page.text)
    assert offset and -1205 <= int(offset.group(1)) <= -1200
    assert "待执行命令 1 条" in page.text  # the time, sent because the clock is off
    assert "暂存记录 1 条" in page.text
    [health] = (await client.get("/api/devices/health", headers=world.auth(Role.DIRECTOR))).json()
    assert (health["received_today"], health["stored_today"], health["held_today"]) == (2, 1, 1)
    assert health["clock_off"] and health["online"]
    detail = await client.get(f"/devices/{device['id']}", headers=world.cookie(Role.DIRECTOR))
    assert "工号未录入" in detail.text and "QS009" in detail.text
    assert "校时" in detail.text


async def test_the_time_and_the_people_are_sent_from_the_page(client: AsyncTestClient, world: World) -> None:
    device = (await _register(client, world)).json()["device"]
    response = await client.post(
        f"/api/devices/{device['id']}/actions",
        json={"action": "sync_users"},
        headers=world.auth(Role.DIRECTOR),
    )
    assert response.json() == {"queued": 3, "released": 0}
    page = await client.post(
        f"/devices/{device['id']}/action", data={"action": "set_time"}, headers=world.cookie(Role.DIRECTOR)
    )
    assert "已加入 1 条命令" in page.text
    kinds = sorted(row["kind"] for row in await DeviceCommand.select(DeviceCommand.kind))
    assert kinds == ["set_time", "update_user", "update_user", "update_user"]
    heartbeat = await client.get(f"/iclock/getrequest?SN={SN}")
    assert len(heartbeat.text.splitlines()) == 4


async def test_a_face_terminal_takes_no_push_commands(client: AsyncTestClient, world: World) -> None:
    devices = (await client.get("/api/devices", headers=world.auth(Role.ADMIN))).json()
    response = await client.post(
        f"/api/devices/{devices[0]['id']}/actions",
        json={"action": "set_time"},
        headers=world.auth(Role.ADMIN),
    )
    assert response.status_code == 409
    assert "只有启用中的考勤机" in response.json()["detail"]


@pytest.fixture
async def parking_client() -> AsyncIterator[AsyncTestClient]:
    config = dataclasses.replace(get_config(), park_unknown_devices=True)
    async with AsyncTestClient(app=create_app(config)) as test_client:
        yield test_client


async def test_the_admin_sees_parked_terminals_and_approves_one(
    parking_client: AsyncTestClient, world: World
) -> None:
    await parking_client.get(f"/iclock/cdata?SN={SN}&options=all")
    page = await parking_client.get("/devices", headers=world.cookie(Role.ADMIN))
    assert "等待批准的考勤机" in page.text and SN in page.text
    assert f"serial_number={SN}" in page.text
    # A director reaches some halls only; a terminal of no hall is the admin's to approve.
    director = await parking_client.get("/devices", headers=world.cookie(Role.DIRECTOR))
    assert "等待批准的考勤机" not in director.text
    assert (await _register(parking_client, world)).status_code == 201
    page = await parking_client.get("/devices", headers=world.cookie(Role.ADMIN))
    assert "等待批准的考勤机" not in page.text
    assert (await parking_client.get(f"/iclock/cdata?SN={SN}&options=all")).status_code == 200
