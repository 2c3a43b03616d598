"""The face clock-in pages over HTTP, with the real photographs of ../shared/faces: the
attendance office enrols a person through the page's form (and is told photo by photo what
is wrong, with nothing replaced), window staff enrol themselves once where the hall allows
it, and the clerk reviews the terminals' attempts. The camera button's script is plain JS
adding shots to the same file input; what reaches the server is the same form."""

from __future__ import annotations

import datetime as dt
import re

from litestar.testing import AsyncTestClient

from attendance import face_clock, faces
from attendance.tables import FaceOutcome, FacePhoto
from devices.registry import register_device
from devices.schemas import DeviceCreate
from devices.tables import DeviceKind
from hall.config import get_config
from hall.roles import ATTENDANCE_OFFICE, Role
from hall.settings import change_setting
from tests.conftest import World
from tests.faces import FACES, photo

Files = list[tuple[str, tuple[str, bytes, str]]]


def _photos(*names: str) -> Files:
    return [("photos", (name, photo(name), "image/jpeg")) for name in names]


async def _enrol(
    client: AsyncTestClient, world: World, files: Files, *, role: Role = Role.CLERK, url: str = ""
):
    return await client.post(
        url or f"/attendance/faces/{world.staff[0].id}",
        files=files,
        headers=world.cookie(role),
        follow_redirects=False,
    )


async def _stored(staff_id: int) -> list[int]:
    return [row["id"] for row in await FacePhoto.select(FacePhoto.id).where(FacePhoto.staff == staff_id)]


def _photo_errors(html: str) -> list[str]:
    found = re.search(r'<ul class="plain" id="photo-errors">(.*?)</ul>', html, re.S)
    return re.findall(r'<em class="error">(.*?)</em>', found[1]) if found else []


def _today() -> dt.date:
    return get_config().local_now().date()


def test_the_shared_faces_are_there() -> None:
    assert (FACES / "obama-1.jpg").is_file() and (FACES / "two-people.jpg").is_file()


async def test_the_clerk_enrols_a_person_through_the_form(client: AsyncTestClient, world: World) -> None:
    person = world.staff[0]
    blank = await client.get(f"/attendance/faces/{person.id}", headers=world.cookie(Role.CLERK))
    assert blank.status_code == 200
    assert 'data-photos="0"' in blank.text and "未采集" in blank.text
    assert 'enctype="multipart/form-data"' in blank.text
    assert '<input type="file" name="photos" multiple accept="image/*"' in blank.text
    assert "用摄像头拍照" in blank.text and '<script src="/static/enrol.js"' in blank.text
    assert "删除人脸数据" not in blank.text, "nothing to delete yet"
    assert (await client.get("/static/enrol.js")).status_code == 200

    response = await _enrol(client, world, _photos("obama-1.jpg"))
    assert (response.status_code, response.headers["location"]) == (303, f"/attendance/faces/{person.id}")
    [photo_id] = await _stored(person.id)

    page = await client.get(f"/attendance/faces/{person.id}", headers=world.cookie(Role.CLERK))
    assert 'data-photos="1"' in page.text and "已采集 1 张" in page.text
    assert f'<img src="/api/faces/photos/{photo_id}"' in page.text
    assert "删除人脸数据" in page.text
    image = await client.get(f"/api/faces/photos/{photo_id}", headers=world.cookie(Role.CLERK))
    assert image.status_code == 200 and image.content == photo("obama-1.jpg")

    listed = await client.get("/attendance/faces", headers=world.cookie(Role.CLERK))
    assert listed.status_code == 200
    rows = {
        int(staff_id): row
        for staff_id, row in re.findall(r'<tr data-staff-id="(\d+)"(.*?)</tr>', listed.text, re.S)
    }
    assert set(rows) == {p.id for p in world.staff}, "the hall's people, and no one elsewhere"
    assert "已采集 1 张" in rows[person.id] and f'href="/attendance/faces/{person.id}"' in rows[person.id]
    assert "未采集" in rows[world.staff[1].id]
    assert "已采集 1 / 3 人" in listed.text


async def test_each_refused_photo_is_named_and_nothing_is_replaced(
    client: AsyncTestClient, world: World
) -> None:
    assert (await _enrol(client, world, _photos("obama-1.jpg"))).status_code == 303
    before = await _stored(world.staff[0].id)

    two_people = await _enrol(client, world, _photos("obama-2.jpg", "two-people.jpg"))
    assert two_people.status_code == 422
    [reason] = _photo_errors(two_people.text)
    assert reason.startswith("第 2 张照片：") and "多张人脸" in reason
    assert 'data-photos="1"' in two_people.text, "the page shows the enrolment still in force"
    assert await _stored(world.staff[0].id) == before

    text = await _enrol(client, world, [("photos", ("notes.txt", "不是照片".encode(), "text/plain"))])
    assert text.status_code == 422
    assert _photo_errors(text.text) == ["第 1 张照片：不是有效的图片文件"]

    six = await _enrol(client, world, _photos(*["obama-1.jpg"] * 6))
    assert six.status_code == 422
    assert _photo_errors(six.text) == ["请上传 1 至 5 张照片"]
    none = await _enrol(client, world, [])
    assert none.status_code == 422 and _photo_errors(none.text) == ["请上传 1 至 5 张照片"]
    assert await _stored(world.staff[0].id) == before


async def test_the_clerk_deletes_a_persons_face(client: AsyncTestClient, world: World) -> None:
    assert (await _enrol(client, world, _photos("obama-1.jpg", "obama-2.jpg"))).status_code == 303
    assert len(await _stored(world.staff[0].id)) == 2
    response = await client.post(
        f"/attendance/faces/{world.staff[0].id}/delete",
        data={"confirm": "1"},
        headers=world.cookie(Role.CLERK),
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/attendance/faces/{world.staff[0].id}",
    )
    assert await _stored(world.staff[0].id) == []
    page = await client.get(f"/attendance/faces/{world.staff[0].id}", headers=world.cookie(Role.CLERK))
    assert 'data-photos="0"' in page.text


async def test_another_halls_person_is_not_found(client: AsyncTestClient, world: World) -> None:
    other = world.other_staff.id
    assert (
        await client.get(f"/attendance/faces/{other}", headers=world.cookie(Role.CLERK))
    ).status_code == 404
    assert (
        await _enrol(client, world, _photos("biden-1.jpg"), url=f"/attendance/faces/{other}")
    ).status_code == 404
    assert await _stored(other) == []
    refused = await client.get(
        "/attendance/faces", params={"hall_id": world.other_town.id}, headers=world.cookie(Role.CLERK)
    )
    assert refused.status_code == 404
    # The admin reaches every hall, choosing one.
    admin = await client.get(
        "/attendance/faces", params={"hall_id": world.other_town.id}, headers=world.cookie(Role.ADMIN)
    )
    assert admin.status_code == 200 and f'data-staff-id="{other}"' in admin.text
    assert 'name="hall_id"' in admin.text


async def test_window_staff_enrol_themselves_once_where_the_hall_allows(
    client: AsyncTestClient, world: World
) -> None:
    me = world.staff[0].id
    page = await client.get("/me/face", headers=world.cookie(Role.STAFF))
    assert page.status_code == 200
    assert "未采集" in page.text and "请联系考勤员采集" in page.text
    assert 'name="photos"' not in page.text, "no form while the hall does not allow it"
    refused = await _enrol(client, world, _photos("obama-1.jpg"), role=Role.STAFF, url="/me/face")
    assert (refused.status_code, refused.headers["location"]) == (303, "/me/face")
    assert await _stored(me) == []
    assert 'href="/me/face"' in (await client.get("/me", headers=world.cookie(Role.STAFF))).text

    await change_setting(
        hall_id=world.town.id,
        key="face_self_enrolment",
        value="允许",
        effective_from=_today(),
        reason="开放自助采集",
        scope=None,
        actor_id=world.account_ids[Role.CLERK],
        today=_today(),
    )
    page = await client.get("/me/face", headers=world.cookie(Role.STAFF))
    assert 'name="photos"' in page.text and "用摄像头拍照" in page.text
    assert 'action="/me/face"' in page.text

    wrong = await _enrol(client, world, _photos("two-people.jpg"), role=Role.STAFF, url="/me/face")
    assert wrong.status_code == 422
    assert "多张人脸" in _photo_errors(wrong.text)[0]
    assert await _stored(me) == []

    enrolled = await _enrol(client, world, _photos("obama-1.jpg"), role=Role.STAFF, url="/me/face")
    assert (enrolled.status_code, enrolled.headers["location"]) == (303, "/me/face")
    first = await _stored(me)
    assert len(first) == 1
    page = await client.get("/me/face", headers=world.cookie(Role.STAFF))
    assert "已采集 1 张" in page.text and 'name="photos"' not in page.text
    assert "请联系考勤员" in page.text

    again = await _enrol(
        client, world, _photos("obama-2.jpg", "obama-3.jpg"), role=Role.STAFF, url="/me/face"
    )
    assert (again.status_code, again.headers["location"]) == (303, "/me/face")
    assert await _stored(me) == first, "only once: re-enrolling goes through the attendance office"


async def test_the_office_pages_are_the_attendance_offices(client: AsyncTestClient, world: World) -> None:
    staff_id = world.staff[0].id
    pages = ["/attendance/faces", f"/attendance/faces/{staff_id}", "/attendance/faces/attempts"]
    for role in set(Role) - ATTENDANCE_OFFICE:
        for url in pages:
            response = await client.get(url, headers=world.cookie(role), follow_redirects=False)
            assert response.status_code == 403, (role, url)
        for url in (f"/attendance/faces/{staff_id}", f"/attendance/faces/{staff_id}/delete"):
            response = await _enrol(client, world, _photos("obama-1.jpg"), role=role, url=url)
            assert response.status_code == 403, (role, url)
    for role in ATTENDANCE_OFFICE:
        response = await client.get("/me/face", headers=world.cookie(role), follow_redirects=False)
        assert response.status_code == 403, role
    assert await _stored(staff_id) == []


async def test_the_attempts_page_shows_what_the_terminals_saw(client: AsyncTestClient, world: World) -> None:
    assert (await _enrol(client, world, _photos("obama-1.jpg"))).status_code == 303
    config = get_config()
    issued = await register_device(
        data=DeviceCreate(hall_id=world.town.id, name="大厅考勤机", kind=DeviceKind.FACE_KIOSK),
        scope=None,
        actor_id=world.account_ids[Role.ADMIN],
        now=dt.datetime.now(dt.UTC),
    )
    terminal = face_clock.Terminal(
        account_id=issued.device.account_id, hall_id=world.town.id, name="大厅考勤机"
    )
    limits = faces.ImageLimits(config.max_upload_bytes, config.max_image_pixels)
    clocked = await face_clock.clock_in(
        content=photo("obama-2.jpg"), terminal=terminal, now=config.local_now(), limits=limits
    )
    stranger = await face_clock.clock_in(
        content=photo("biden-1.jpg"), terminal=terminal, now=config.local_now(), limits=limits
    )
    assert (clocked.outcome, stranger.outcome) == (FaceOutcome.CLOCKED, FaceOutcome.UNKNOWN)

    page = await client.get("/attendance/faces/attempts", headers=world.cookie(Role.CLERK))
    assert page.status_code == 200
    rows = re.findall(r'<tr data-attempt-id="(\d+)" data-outcome="(\w+)">(.*?)</tr>', page.text, re.S)
    assert [(int(i), outcome) for i, outcome, _ in rows] == [
        (stranger.attempt_id, "unknown"),
        (clocked.attempt_id, "clocked"),
    ], "newest first"
    unknown, matched = rows[0][2], rows[1][2]
    assert "未识别" in unknown and "最接近：王芳" in unknown and "查看打卡" not in unknown
    assert "已打卡" in matched and "王芳" in matched and "最接近" not in matched
    assert f"{clocked.distance:.2f}" in matched
    assert re.search(r"<td>0\.\d\d</td>\s*<td>(—|\d\.\d\d)</td>", matched)
    assert "大厅考勤机" in matched
    assert f'href="/attendance/punches?hall_id={world.town.id}&day={_today()}"' in matched
    for attempt_id in (stranger.attempt_id, clocked.attempt_id):
        assert f'src="/api/faces/attempts/{attempt_id}/thumbnail"' in page.text
    thumbnail = await client.get(
        f"/api/faces/attempts/{stranger.attempt_id}/thumbnail", headers=world.cookie(Role.CLERK)
    )
    assert (thumbnail.status_code, thumbnail.headers["content-type"]) == (200, "image/jpeg")

    yesterday = await client.get(
        "/attendance/faces/attempts",
        params={"day": (_today() - dt.timedelta(days=1)).isoformat()},
        headers=world.cookie(Role.CLERK),
    )
    assert "这一天没有识别记录" in yesterday.text
    elsewhere = await client.get(
        "/attendance/faces/attempts",
        params={"hall_id": world.other_town.id},
        headers=world.cookie(Role.ADMIN),
    )
    assert elsewhere.status_code == 200 and "这一天没有识别记录" in elsewhere.text


async def test_the_pages_in_english(client: AsyncTestClient, world: World) -> None:
    headers = {"Cookie": f"hall_session={world.tokens[Role.CLERK]}; lang=en"}
    for url in ("/attendance/faces", f"/attendance/faces/{world.staff[0].id}", "/attendance/faces/attempts"):
        page = await client.get(url, headers=headers)
        assert page.status_code == 200
        # Only data is left in Chinese: names of people, halls and windows.
        text = re.sub(r"青山镇便民服务中心|王芳|李强|张敏|民政窗口|社保窗口|考勤员|中文", "", page.text)
        assert not re.search(r"[\u4e00-\u9fff]", text), url
