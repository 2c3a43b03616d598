"""The face clock-in kiosk's pages over HTTP: pairing a browser with a device secret, who
may open the kiosk, and the person's photo it shows after a punch. The camera loop itself
is driven in tests/browser/test_kiosk.py."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from litestar.testing import AsyncTestClient

from attendance.tables import FacePhoto
from hall import accounts
from hall.config import PROJECT_ROOT, get_config
from hall.roles import Role
from hall.schemas import AccountCreate
from hall.tables import TokenKind
from tests.conftest import PASSWORD, World
from tests.web.test_i18n import CJK

FACES = PROJECT_ROOT.parent / "shared" / "faces"


async def _register(
    client: AsyncTestClient, world: World, *, kind: str = "face_kiosk", hall_id: int | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/api/devices",
        json={"hall_id": hall_id or world.town.id, "name": f"大厅考勤{kind}", "kind": kind},
        headers=world.auth(Role.ADMIN),
    )
    assert response.status_code == 201, response.text
    return response.json()


def _texts(page: str) -> dict[str, Any]:
    """The texts the page hands to kiosk.js."""
    found = re.search(r'<script type="application/json" id="kiosk-texts">(.*?)</script>', page, re.S)
    assert found, "the kiosk page carries its texts"
    return json.loads(found.group(1))


def _session(secret: str) -> dict[str, str]:
    return {"Cookie": f"hall_session={secret}"}


async def test_pairing_sets_the_session_and_opens_the_kiosk(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    form = await client.get("/kiosk/pair")
    assert form.status_code == 200
    assert 'name="secret"' in form.text and "设备密钥" in form.text

    paired = await client.post(
        "/kiosk/pair", data={"secret": f" {issued['secret']} "}, follow_redirects=False
    )
    assert (paired.status_code, paired.headers["location"]) == (303, "/kiosk")
    cookie = paired.headers["set-cookie"].lower()
    assert f"hall_session={issued['secret'].lower()}" in cookie
    for attribute in ("httponly", "samesite=strict", "max-age=31536000"):
        assert attribute in cookie, attribute
    assert "secure" not in cookie.replace("samesite", "")  # SECURE_COOKIES is off in the tests

    client.cookies.clear()
    page = await client.get("/kiosk", headers=_session(issued["secret"]))
    assert page.status_code == 200
    for text in ("青山镇便民服务中心", "大厅考勤face_kiosk", "语音播报", "/static/kiosk.js"):
        assert text in page.text, text
    assert _texts(page.text)["waiting"] == "请正对摄像头"
    assert 'id="result"' in page.text and 'data-outcome="starting"' in page.text
    assert 'class="top"' not in page.text, "the kiosk shows no site navigation"
    # Speech is off until someone switches it on.
    assert 'id="speech"' in page.text and 'id="speech" checked' not in page.text


async def test_the_kiosk_script_and_styles_are_served(client: AsyncTestClient) -> None:
    script = await client.get("/static/kiosk.js")
    styles = await client.get("/static/kiosk.css")
    assert script.status_code == styles.status_code == 200
    assert "getUserMedia" in script.text and "speechSynthesis" in script.text
    # Every text the kiosk shows comes translated from the page or from the server.
    assert not CJK.search(script.text)


async def test_a_wrong_or_revoked_secret_does_not_pair(client: AsyncTestClient, world: World) -> None:
    wrong = await client.post("/kiosk/pair", data={"secret": "not-a-secret"}, follow_redirects=False)
    assert wrong.status_code == 401
    assert "设备密钥不正确、已更换或设备已停用" in wrong.text
    assert "set-cookie" not in wrong.headers

    blank = await client.post("/kiosk/pair", data={"secret": "  "}, follow_redirects=False)
    assert blank.status_code == 422 and "必须填写" in blank.text
    assert "set-cookie" not in blank.headers

    issued = await _register(client, world)
    revoked = await client.post(
        f"/api/devices/{issued['device']['id']}/revoke", headers=world.auth(Role.ADMIN)
    )
    assert revoked.status_code == 200
    refused = await client.post("/kiosk/pair", data={"secret": issued["secret"]}, follow_redirects=False)
    assert refused.status_code == 401 and "设备密钥不正确、已更换或设备已停用" in refused.text
    assert "set-cookie" not in refused.headers
    # The cookie left in a revoked kiosk's browser signs nobody in.
    page = await client.get("/kiosk", headers=_session(issued["secret"]), follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/kiosk/pair"


async def test_a_terminal_programs_secret_does_not_pair(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world, kind="face_terminal")
    response = await client.post("/kiosk/pair", data={"secret": issued["secret"]}, follow_redirects=False)
    assert response.status_code == 403
    assert "此设备类型（人脸考勤终端程序）不能进行此操作" in response.text
    assert "set-cookie" not in response.headers
    kiosk = await client.get("/kiosk", headers=_session(issued["secret"]), follow_redirects=False)
    assert (kiosk.status_code, kiosk.headers["location"]) == (303, "/kiosk/pair")


async def _unregistered_device(world: World) -> dict[str, str]:
    """A session of an account of role device that the registry does not know."""
    account = await accounts.create_account(
        data=AccountCreate(
            username="loose_device",
            password=PASSWORD,
            role=Role.DEVICE,
            display_name="未登记终端",
            hall_id=world.town.id,
        ),
        scope=None,
    )
    token, _ = await accounts.issue_token(
        account_id=account.id, kind=TokenKind.API, now=dt.datetime.now(dt.UTC), lifetime=None
    )
    return _session(token)


async def test_only_a_registered_kiosk_opens_the_kiosk(client: AsyncTestClient, world: World) -> None:
    unregistered = await _unregistered_device(world)
    response = await client.get("/kiosk", headers=unregistered, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/kiosk/pair")
    told = await client.get("/kiosk/pair", headers=unregistered)
    assert told.status_code == 200 and "此账号不是已登记的设备" in told.text

    # The world's device is not a kiosk either (whatever else it may be).
    other = await client.get("/kiosk", headers=world.cookie(Role.DEVICE), follow_redirects=False)
    assert (other.status_code, other.headers["location"]) == (303, "/kiosk/pair")

    clerk = await client.get("/kiosk", headers=world.cookie(Role.CLERK), follow_redirects=False)
    assert clerk.status_code == 403
    signed_out = await client.get("/kiosk", follow_redirects=False)
    assert signed_out.status_code == 303


async def test_the_pair_page_says_when_this_browser_is_paired(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    page = await client.get("/kiosk/pair", headers=_session(issued["secret"]))
    assert page.status_code == 200
    assert "本浏览器已配对为 青山镇便民服务中心 的 大厅考勤face_kiosk" in page.text
    assert 'href="/kiosk"' in page.text


async def test_unpairing_forgets_the_secret(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    response = await client.post("/kiosk/unpair", headers=_session(issued["secret"]), follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/kiosk/pair")
    assert 'hall_session=""' in response.headers["set-cookie"] or "max-age=0" in (
        response.headers["set-cookie"].lower()
    )
    # The device itself stays registered: its secret still works elsewhere.
    assert (await client.get("/kiosk", headers=_session(issued["secret"]))).status_code == 200


async def test_the_kiosk_shows_photos_of_its_own_hall_only(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    kiosk = _session(issued["secret"])
    person, other = world.staff[0], world.staff[1]
    uploaded = await client.put(
        f"/api/staff/{person.id}/photo",
        content=(FACES / "obama-1.jpg").read_bytes(),
        headers={**world.auth(Role.DIRECTOR), "Content-Type": "image/jpeg"},
    )
    assert uploaded.status_code == 200
    shown = await client.get(f"/kiosk/staff/{person.id}/photo", headers=kiosk)
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "image/jpeg" and shown.content[:2] == b"\xff\xd8"
    assert "private" in shown.headers["cache-control"]

    # No staff photo: the first enrolment photo instead; neither: 404.
    assert (await client.get(f"/kiosk/staff/{other.id}/photo", headers=kiosk)).status_code == 404
    media_dir = get_config().media_dir
    for index, name in enumerate(("biden-1.jpg", "biden-2.jpg")):
        relative = f"faces/{other.id}/kiosk-test-{index}.jpg"
        (media_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (media_dir / relative).write_bytes((FACES / name).read_bytes())
        await FacePhoto(
            staff=other.id,
            hall=world.town.id,
            photo=relative,
            encoding=bytes(512),
            created_at=dt.datetime.now(dt.UTC),
        ).save()
    enrolled = await client.get(f"/kiosk/staff/{other.id}/photo", headers=kiosk)
    assert enrolled.status_code == 200
    assert enrolled.content == (FACES / "biden-1.jpg").read_bytes()

    # Another hall's person, someone who does not exist, or a caller that is no kiosk: 404.
    for staff_id, headers in (
        (world.other_staff.id, kiosk),
        (987654, kiosk),
        (person.id, world.cookie(Role.DEVICE)),
        (person.id, await _unregistered_device(world)),
    ):
        response = await client.get(f"/kiosk/staff/{staff_id}/photo", headers=headers)
        assert response.status_code == 404, (staff_id, headers)
    assert (
        await client.get(f"/kiosk/staff/{person.id}/photo", headers=world.cookie(Role.CLERK))
    ).status_code == 403


async def test_a_kiosk_of_another_hall_sees_none_of_this_halls_photos(
    client: AsyncTestClient, world: World
) -> None:
    issued = await _register(client, world, hall_id=world.other_town.id)
    await client.put(
        f"/api/staff/{world.staff[0].id}/photo",
        content=(FACES / "obama-1.jpg").read_bytes(),
        headers={**world.auth(Role.DIRECTOR), "Content-Type": "image/jpeg"},
    )
    response = await client.get(f"/kiosk/staff/{world.staff[0].id}/photo", headers=_session(issued["secret"]))
    assert response.status_code == 404


async def test_the_kiosk_page_in_english(client: AsyncTestClient, world: World) -> None:
    issued = await _register(client, world)
    page = await client.get("/kiosk", headers={"Cookie": f"hall_session={issued['secret']}; lang=en"})
    assert page.status_code == 200
    assert "语音播报" not in page.text and "Speak results" in page.text
    assert _texts(page.text)["waiting"] == "Please face the camera"
