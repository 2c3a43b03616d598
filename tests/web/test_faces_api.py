"""The face API over HTTP: terminals authenticate as registered devices of their hall, bad
images get a clear Chinese refusal and no punch, a terminal's punch is stored once."""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np
import pytest
from litestar.testing import AsyncTestClient

from attendance import face_enrolment, faces
from attendance.tables import FaceAttempt, Punch
from devices.registry import register_device, revoke_device
from devices.schemas import DeviceCreate
from devices.tables import DeviceKind
from hall import accounts
from hall.config import get_config
from hall.roles import Role
from hall.schemas import AccountCreate
from hall.tables import TokenKind
from tests.conftest import World
from tests.faces import bgr, encoded, photo


async def device(world: World, kind: DeviceKind, name: str = "大厅入口", hall_id: int | None = None):
    issued = await register_device(
        data=DeviceCreate(hall_id=hall_id or world.town.id, name=name, kind=kind),
        scope=None,
        actor_id=world.account_ids[Role.ADMIN],
        now=dt.datetime.now(dt.UTC),
    )
    return issued.device, {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture
async def enrolled(world: World) -> None:
    await face_enrolment.enrol(
        staff_id=world.staff[0].id,
        photos=[photo("obama-1.jpg")],
        scope=None,
        actor_id=world.account_ids[Role.CLERK],
        media_dir=get_config().media_dir,
        limits=faces.ImageLimits(10 << 20, 40_000_000),
    )


async def clock(client: AsyncTestClient, headers: dict, content: bytes, media_type: str = "image/jpeg"):
    return await client.post(
        "/api/faces/clock", content=content, headers={**headers, "Content-Type": media_type}
    )


async def test_a_kiosk_clocks_a_face_in(client: AsyncTestClient, world: World, enrolled) -> None:
    _, kiosk = await device(world, DeviceKind.FACE_KIOSK)
    response = await clock(client, kiosk, photo("obama-2.jpg"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["outcome"], body["staff_name"]) == ("clocked", "王芳")
    assert await Punch.count() == 1


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"plain text, not a picture", "不是有效的图片文件"),
        (photo("obama-1.jpg")[:40_000], "图片文件不完整或已损坏"),
        (encoded(np.zeros((10000, 10000), np.uint8), ".png"), "图片尺寸过大（10000×10000）"),
        # face_recognition turns Pillow's LOAD_TRUNCATED_IMAGES on, which lets a chunk name
        # that is not ASCII through to a UnicodeDecodeError.
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x00\x80", "不是有效的图片文件"),
    ],
    ids=["not-an-image", "truncated-jpeg", "10000x10000", "png-with-a-broken-chunk"],
)
async def test_bad_images_are_refused_clearly(
    client: AsyncTestClient, world: World, enrolled, content: bytes, detail: str
) -> None:
    _, kiosk = await device(world, DeviceKind.FACE_KIOSK)
    response = await clock(client, kiosk, content)
    assert response.status_code == 422
    assert response.json()["detail"] == f"图像：{detail}"
    assert await Punch.count() == 0


async def test_a_50_mb_upload_is_refused_before_it_is_read(client: AsyncTestClient, world: World) -> None:
    _, kiosk = await device(world, DeviceKind.FACE_KIOSK)
    response = await clock(client, kiosk, b"\xff\xd8" + b"\0" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["detail"] == "提交的内容太大"
    assert await FaceAttempt.count() == 0


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (photo("obama-rgba.png"), "image/png"),
        (encoded(cv2.cvtColor(bgr("obama-2.jpg"), cv2.COLOR_BGR2GRAY)), "image/jpeg"),
    ],
    ids=["png-with-alpha", "grey-scale"],
)
async def test_valid_unusual_images_work(
    client: AsyncTestClient, world: World, enrolled, content: bytes, media_type: str
) -> None:
    _, kiosk = await device(world, DeviceKind.FACE_KIOSK)
    response = await clock(client, kiosk, content, media_type)
    assert response.json()["staff_id"] == world.staff[0].id


@pytest.mark.parametrize(("name", "outcome"), [("two-people.jpg", "many_faces"), ("biden-2.jpg", "unknown")])
async def test_frames_that_punch_nobody(
    client: AsyncTestClient, world: World, enrolled, name: str, outcome: str
) -> None:
    _, kiosk = await device(world, DeviceKind.FACE_KIOSK)
    response = await clock(client, kiosk, photo(name))
    assert response.status_code == 200
    assert response.json()["outcome"] == outcome and response.json()["staff_id"] is None
    assert await Punch.count() == 0


async def test_only_registered_active_face_devices_may_clock(client: AsyncTestClient, world: World) -> None:
    image = photo("obama-2.jpg")
    assert (await clock(client, world.auth(Role.CLERK), image)).status_code == 403
    # An account of role device that is not in the registry is not a terminal.
    stray = await accounts.create_account(
        data=AccountCreate(
            username="stray_device",
            password="long enough password",
            role=Role.DEVICE,
            display_name="x",
            hall_id=world.town.id,
        ),
        scope=None,
    )
    token, _ = await accounts.issue_token(
        account_id=stray.id, kind=TokenKind.API, now=dt.datetime.now(dt.UTC), lifetime=None
    )
    response = await clock(client, {"Authorization": f"Bearer {token}"}, image)
    assert response.status_code == 403 and response.json()["detail"] == "此账号不是已登记的设备"
    registered, kiosk = await device(world, DeviceKind.FACE_KIOSK)
    await revoke_device(device_id=registered.id, scope=None, now=dt.datetime.now(dt.UTC))
    assert (await clock(client, kiosk, image)).status_code == 401
    assert await Punch.count() == 0


async def test_the_gallery_is_for_terminal_programs_and_cached_by_version(
    client: AsyncTestClient, world: World, enrolled
) -> None:
    _, kiosk = await device(world, DeviceKind.FACE_KIOSK)
    assert (await client.get("/api/faces/gallery", headers=kiosk)).status_code == 403
    _, program = await device(world, DeviceKind.FACE_TERMINAL, name="东门终端")
    response = await client.get("/api/faces/gallery", headers=program)
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["people"]] == ["王芳"]
    etag = response.headers["etag"]
    again = await client.get("/api/faces/gallery", headers={**program, "If-None-Match": etag})
    assert again.status_code == 304


async def test_a_terminal_punch_sent_twice_is_stored_once(client: AsyncTestClient, world: World) -> None:
    _, program = await device(world, DeviceKind.FACE_TERMINAL, name="东门终端")
    now = get_config().local_now().replace(microsecond=0)
    body = {
        "key": "east-00000001",
        "staff_id": world.staff[0].id,
        "punched_at": now.isoformat(),
        "distance": 0.3,
    }
    first = await client.post("/api/faces/punches", json=body, headers=program)
    assert first.status_code == 201, first.text
    second = await client.post("/api/faces/punches", json=body, headers=program)
    assert second.status_code == 200
    assert second.json()["attempt_id"] == first.json()["attempt_id"]
    assert await Punch.count() == 1


async def test_a_terminal_punch_for_another_halls_staff_is_refused(
    client: AsyncTestClient, world: World
) -> None:
    _, program = await device(world, DeviceKind.FACE_TERMINAL, name="东门终端")
    body = {"key": "east-00000002", "staff_id": world.other_staff.id, "punched_at": "2026-11-16T08:00:00"}
    response = await client.post("/api/faces/punches", json=body, headers=program)
    assert response.status_code == 422
    assert response.json()["detail"] == "人员：本中心没有这个人员"
    assert await Punch.count() == 0


async def test_a_malformed_terminal_punch_is_refused(client: AsyncTestClient, world: World) -> None:
    _, program = await device(world, DeviceKind.FACE_TERMINAL, name="东门终端")
    body = {"key": "x", "staff_id": world.staff[0].id, "punched_at": "yesterday", "thumbnail": "%%%"}
    response = await client.post("/api/faces/punches", json=body, headers=program)
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"key", "punched_at"} <= fields
    assert await Punch.count() == 0


async def test_enrolment_over_http(client: AsyncTestClient, world: World) -> None:
    files = [
        ("photos", ("a.jpg", photo("obama-1.jpg"), "image/jpeg")),
        ("photos", ("b.jpg", photo("obama-2.jpg"), "image/jpeg")),
    ]
    response = await client.post(
        f"/api/faces/staff/{world.staff[0].id}", files=files, headers=world.auth(Role.CLERK)
    )
    assert response.status_code == 201, response.text
    assert len(response.json()["photos"]) == 2
    refused = await client.post(
        f"/api/faces/staff/{world.staff[1].id}",
        files=[("photos", ("x.txt", b"hello", "text/plain"))],
        headers=world.auth(Role.CLERK),
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {
        "field": "photos[0]",
        "label": "第 1 张照片",
        "message": "不是有效的图片文件",
    }
    other = await client.post(
        f"/api/faces/staff/{world.other_staff.id}", files=files, headers=world.auth(Role.CLERK)
    )
    assert other.status_code == 404


async def test_staff_may_enrol_themselves_only_when_the_hall_allows(
    client: AsyncTestClient, world: World
) -> None:
    files = [("photos", ("a.jpg", photo("obama-1.jpg"), "image/jpeg"))]
    response = await client.post(
        f"/api/faces/staff/{world.staff[0].id}", files=files, headers=world.auth(Role.STAFF)
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "本中心不允许自助采集人脸，请联系考勤员"
    someone_else = await client.post(
        f"/api/faces/staff/{world.staff[1].id}", files=files, headers=world.auth(Role.STAFF)
    )
    assert someone_else.status_code == 404
