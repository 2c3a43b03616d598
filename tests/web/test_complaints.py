"""The complaint desk over HTTP: the whole workflow through the API, extensions, who sees the
complainant (a table of role × view) and the log of each look, what a window's staff and
another hall see, refusals of bad input with nothing half-written, the board's order, counts
and filters, the monthly statistics, reminders, the pages and their forms, and the roles
refused.

"Now" is the real clock: complaints are registered with `received_at` in the past (2026), so
their deadlines are fixed whatever day the tests run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from complaints import services
from complaints.access import Viewer
from complaints.attachments import Limits
from complaints.reminders import send_due_reminders
from complaints.schemas import HIDDEN, ComplaintCreate
from complaints.tables import Complaint, ComplaintAttachment, ComplaintFinding, ComplaintUnit, IdentityView
from hall.config import PROJECT_ROOT, get_config
from hall.roles import Role
from tests.conftest import World, send_csrf_token
from tests.web.test_i18n import CJK
from web.app import create_app

FACES = PROJECT_ROOT.parent / "shared" / "faces"
NAME, CONTACT = "欧阳秀英", "13712345678"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# RULES.md's example: a general complaint taken at 16:59 on the eve of the National Day holiday.
EVE_OF_NATIONAL_DAY = "2026-09-30T16:59:00"
OFFICER, DIRECTOR, STAFF = Role.COMPLAINT_OFFICER, Role.DIRECTOR, Role.STAFF


def png(width: int = 6, height: int = 4) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def now() -> dt.datetime:
    return get_config().local_now()


def body(world: World, **overrides: Any) -> dict[str, Any]:
    fields = {
        "hall_id": world.town.id,
        "channel": "in_person",
        "window_id": world.windows[0].id,
        "staff_id": world.staff[0].id,
        "content": "办理低保证明时工作人员态度生硬，让我第二天再来",
        "complainant_name": NAME,
        "complainant_contact": CONTACT,
        "received_at": "2026-11-16T09:00:00",
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


async def register(
    client: AsyncTestClient, world: World, role: Role = OFFICER, **overrides: Any
) -> dict[str, Any]:
    response = await client.post("/api/complaints", json=body(world, **overrides), headers=world.auth(role))
    assert response.status_code == 201, response.text
    return response.json()["complaint"]


async def act(
    client: AsyncTestClient,
    world: World,
    complaint_id: int,
    step: str,
    payload: dict[str, Any],
    role: Role = OFFICER,
) -> dict[str, Any]:
    response = await client.post(
        f"/api/complaints/{complaint_id}/{step}", json=payload, headers=world.auth(role)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def detail(
    client: AsyncTestClient, world: World, complaint_id: int, role: Role = OFFICER
) -> dict[str, Any]:
    response = await client.get(f"/api/complaints/{complaint_id}", headers=world.auth(role))
    assert response.status_code == 200, response.text
    return response.json()


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def dd(page: str, name: str) -> str:
    found = re.search(rf'<dd id="{name}"[^>]*>(.*?)</dd>', page, re.S)
    assert found, f"no #{name} on the page"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def board_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr class="urgency-\w+" data-complaint-id="(\d+)"', page)]


def cells(row: str) -> list[str]:
    return re.findall(r"<t[dh]>([^<]*)</t[dh]>", row)


async def stored() -> tuple[int, int]:
    return await Complaint.count(), await ComplaintAttachment.count()


# ---- the whole way, over the API -------------------------------------------------------------------


async def test_the_whole_workflow_from_registered_to_reopened(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/complaints", json=body(world, received_at=EVE_OF_NATIONAL_DAY), headers=world.auth(OFFICER)
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    registered = response.json()
    complaint, code = registered["complaint"], registered["code"]
    assert re.fullmatch(r"TS20260930\d{5}", complaint["number"]) and re.fullmatch(r"[A-Z2-9]{8}", code)
    assert (complaint["state"], complaint["complaint_class"], complaint["channel"]) == (
        "registered",
        "general",
        "in_person",
    )
    assert (complaint["complainant_name"], complaint["complainant_contact"]) == (NAME, CONTACT)
    assert complaint["due_at"] == complaint["original_due_at"] == "2026-10-08T16:30:00"
    assert any("国庆节" in line for line in complaint["deadline_explanation"])
    assert complaint["deadline_explanation"][-1].startswith("答复期限：2026-10-08 16:30")
    number = complaint["number"]
    complaint_id = complaint["id"]

    # Two units make it complex: five working days from the receipt, counted again.
    department_id = world.windows[1].department_id
    assigned = await act(
        client,
        world,
        complaint_id,
        "assign",
        {
            "units": [
                {"window_id": world.windows[0].id, "part": "核实窗口人员态度"},
                {"department_id": department_id, "part": "调取大厅监控"},
            ]
        },
    )
    assert (assigned["state"], assigned["complaint_class"]) == ("assigned", "complex")
    assert assigned["due_at"] == assigned["original_due_at"] == "2026-10-13T16:30:00"
    assert [(u["window_id"], u["department_id"], u["part"], u["due_at"]) for u in assigned["units"]] == [
        (world.windows[0].id, None, "核实窗口人员态度", "2026-10-13T16:30:00"),
        (None, department_id, "调取大厅监控", "2026-10-13T16:30:00"),
    ]
    window_unit, department_unit = (unit["id"] for unit in assigned["units"])

    # The assigned window's staff report their part, never seeing the complainant; not the other part.
    reported = await act(
        client,
        world,
        complaint_id,
        f"units/{window_unit}/report",
        {"report": "已约谈当事人，情况属实"},
        STAFF,
    )
    assert reported["units"][0]["report"] == "已约谈当事人，情况属实"
    assert reported["units"][0]["reported_at"] is not None
    assert (reported["complainant_name"], reported["complainant_contact"]) == (HIDDEN, HIDDEN)
    assert NAME not in str(reported) and CONTACT not in str(reported)
    refused = await client.post(
        f"/api/complaints/{complaint_id}/units/{department_unit}/report",
        json={"report": "不是我的"},
        headers=world.auth(STAFF),
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "只有承办窗口的工作人员或投诉受理员可以反馈办理情况"

    # A finding comes after the answer.
    early = await client.post(
        f"/api/complaints/{complaint_id}/decide", json={"upheld": True}, headers=world.auth(OFFICER)
    )
    assert early.status_code == 409 and "请先答复投诉人" in early.json()["detail"]

    replied = await act(
        client,
        world,
        complaint_id,
        "reply",
        {"channel": "phone", "content": "电话告知核查结果并致歉", "replied_at": "2026-10-12T15:00:00"},
    )
    assert (replied["state"], replied["replied_at"], replied["on_time"]) == (
        "replied",
        "2026-10-12T15:00:00",
        True,
    )
    assert [(r["channel"], r["content"]) for r in replied["replies"]] == [("phone", "电话告知核查结果并致歉")]

    decided = await act(
        client,
        world,
        complaint_id,
        "decide",
        {"upheld": True, "sanction": "notice", "note": "态度生硬属实"},
        DIRECTOR,
    )
    assert (decided["state"], decided["upheld"], decided["sanction"], decided["finding_note"]) == (
        "decided",
        True,
        "notice",
        "态度生硬属实",
    )
    assert [
        (f["window_id"], f["staff_id"], f["points"], f["sanction"], f["withdrawn"])
        for f in decided["findings"]
    ] == [(world.windows[0].id, world.staff[0].id, 5, "notice", False)]

    closed = await act(client, world, complaint_id, "close", {"note": "已办结"})
    assert closed["state"] == "closed" and closed["closed_at"] is not None
    followed = await act(
        client, world, complaint_id, "follow-up", {"satisfaction": "satisfied", "note": "表示满意"}
    )
    assert (followed["state"], followed["satisfaction"]) == ("closed", "satisfied")

    no_reason = await client.post(
        f"/api/complaints/{complaint_id}/reopen", json={}, headers=world.auth(OFFICER)
    )
    assert no_reason.status_code == 422 and no_reason.json()["detail"] == "原因：必须填写"
    reopened = await act(client, world, complaint_id, "reopen", {"reason": "投诉人提供了新的录音"})
    assert (reopened["state"], reopened["upheld"], reopened["sanction"]) == ("assigned", None, "none")
    assert reopened["findings"][0]["withdrawn"] is True
    assert reopened["original_due_at"] == "2026-10-13T16:30:00"
    assert moment(reopened["due_at"]) > now()  # a new deadline counted from the reopening
    assert reopened["replied_at"] == "2026-10-12T15:00:00"  # the first answer stays on record
    assert [e["action"] for e in reopened["history"]] == [
        "registered",
        "assigned",
        "reported",
        "replied",
        "decided",
        "closed",
        "followed_up",
        "reopened",
    ]
    assert reopened["history"][-1]["note"] == "投诉人提供了新的录音"
    finding = await ComplaintFinding.select().where(ComplaintFinding.complaint == complaint_id).first()
    assert finding["withdrawn_reason"] == "投诉人提供了新的录音"
    assert reopened["number"] == number


async def test_an_extension_keeps_the_original_deadline_and_counts_as_extended(
    client: AsyncTestClient, world: World
) -> None:
    complaint = await register(client, world)  # received Mon 2026-11-16 09:00: due Tue 16:30
    assert complaint["due_at"] == "2026-11-17T16:30:00"
    not_later = await client.post(
        f"/api/complaints/{complaint['id']}/extend",
        json={"new_due_at": "2026-11-17T16:30:00", "reason": "需调取录像", "told_by": "phone"},
        headers=world.auth(OFFICER),
    )
    assert not_later.status_code == 422
    assert not_later.json()["detail"] == "延期至：必须晚于现在的答复期限"
    no_reason = await client.post(
        f"/api/complaints/{complaint['id']}/extend",
        json={"new_due_at": "2026-11-19T16:30:00", "told_by": "phone"},
        headers=world.auth(OFFICER),
    )
    assert no_reason.status_code == 422 and no_reason.json()["detail"] == "延期原因：必须填写"

    extended = await act(
        client,
        world,
        complaint["id"],
        "extend",
        {
            "new_due_at": "2026-11-19T16:30:00",
            "reason": "需调取大厅录像",
            "told_by": "phone",
            "told_note": "11月17日上午电话告知投诉人",
        },
    )
    assert (extended["original_due_at"], extended["due_at"]) == ("2026-11-17T16:30:00", "2026-11-19T16:30:00")
    assert extended["extended"] is True and extended["on_time"] is False
    assert [
        (e["previous_due_at"], e["new_due_at"], e["reason"], e["told_by"], e["told_note"])
        for e in extended["extensions"]
    ] == [
        (
            "2026-11-17T16:30:00",
            "2026-11-19T16:30:00",
            "需调取大厅录像",
            "phone",
            "11月17日上午电话告知投诉人",
        )
    ]
    replied = await act(
        client,
        world,
        complaint["id"],
        "reply",
        {"channel": "written", "content": "书面答复", "replied_at": "2026-11-18T10:00:00"},
    )
    assert replied["on_time"] is False and replied["overdue"] is False and replied["extended"] is True

    page = await client.get(f"/complaints/{complaint['id']}", headers=world.cookie(OFFICER))
    assert dd(page.text, "due").startswith("2026-11-19 16:30")
    assert dd(page.text, "original-due").startswith("2026-11-17 16:30")
    assert "需调取大厅录像" in page.text and "11月17日上午电话告知投诉人" in page.text
    assert dd(page.text, "on-time") == "否"


# ---- who sees the complainant ------------------------------------------------------------------------

# Role × view: what each role is shown of the complainant's name and contact on the complaint
# itself (API and page; each look the desk takes is logged) and in every list (never shown).
CONFIDENTIALITY = [
    # role,                  detail (API and page),  list and board,   identity views logged
    (Role.ADMIN, (HIDDEN, HIDDEN), (HIDDEN, HIDDEN), 0),
    (Role.DIRECTOR, (NAME, CONTACT), (HIDDEN, HIDDEN), 2),
    (Role.CLERK, (HIDDEN, HIDDEN), (HIDDEN, HIDDEN), 0),
    (Role.COMPLAINT_OFFICER, (NAME, CONTACT), (HIDDEN, HIDDEN), 2),
    (Role.INSPECTOR, (HIDDEN, HIDDEN), (HIDDEN, HIDDEN), 0),
    (Role.STAFF, (HIDDEN, HIDDEN), (HIDDEN, HIDDEN), 0),
]


@pytest.mark.parametrize(
    ("role", "shown", "listed", "logged"), CONFIDENTIALITY, ids=[r[0].value for r in CONFIDENTIALITY]
)
async def test_the_complainant_is_shown_to_the_desk_only(
    client: AsyncTestClient,
    world: World,
    role: Role,
    shown: tuple[str, str],
    listed: tuple[str, str],
    logged: int,
) -> None:
    complaint = await register(client, world)
    before = await IdentityView.count()

    seen = await detail(client, world, complaint["id"], role)
    assert (seen["complainant_name"], seen["complainant_contact"]) == shown
    assert seen["identity_visible"] is (shown != (HIDDEN, HIDDEN))

    board = await client.get("/api/complaints", headers=world.auth(role))
    assert [(c["complainant_name"], c["complainant_contact"]) for c in board.json()["complaints"]] == [listed]

    page = await client.get(f"/complaints/{complaint['id']}", headers=world.cookie(role))
    assert page.status_code == 200, page.text
    assert (dd(page.text, "complainant-name"), dd(page.text, "complainant-contact")) == shown
    if shown == (HIDDEN, HIDDEN):
        assert NAME not in page.text and CONTACT not in page.text

    board_page = await client.get("/complaints", headers=world.cookie(role))
    assert board_page.status_code == 200
    assert board_ids(board_page.text) == [complaint["id"]]
    assert NAME not in board_page.text and CONTACT not in board_page.text

    assert await IdentityView.count() == before + logged


async def test_each_look_at_the_complainant_is_logged_for_the_desk(
    client: AsyncTestClient, world: World
) -> None:
    complaint = await register(client, world)
    await detail(client, world, complaint["id"], OFFICER)
    await client.get(f"/complaints/{complaint['id']}", headers=world.cookie(DIRECTOR))
    response = await client.get(
        f"/api/complaints/{complaint['id']}/identity-views", headers=world.auth(OFFICER)
    )
    assert response.status_code == 200, response.text
    views = response.json()
    # Newest first: the director's page, the officer's API call, the officer's at registration.
    assert [(v["by"], v["place"]) for v in views] == [
        ("大厅主任", f"/complaints/{complaint['id']}"),
        ("投诉受理员", f"/api/complaints/{complaint['id']}"),
        ("投诉受理员", "/api/complaints"),
    ]
    assert all(v["client"] for v in views)
    for role in (Role.ADMIN, Role.CLERK, Role.INSPECTOR, Role.STAFF):
        refused = await client.get(
            f"/api/complaints/{complaint['id']}/identity-views", headers=world.auth(role)
        )
        assert refused.status_code == 403, role
    # The desk's page lists them too.
    page = await client.get(f"/complaints/{complaint['id']}", headers=world.cookie(OFFICER))
    assert page.text.count(f"<td>/complaints/{complaint['id']}</td>") == 2


async def test_staff_see_only_their_windows_complaints(client: AsyncTestClient, world: World) -> None:
    mine = await register(client, world)
    theirs = await register(
        client, world, window_id=world.windows[1].id, staff_id=world.staff[2].id, channel="phone"
    )
    attachment = await client.post(
        f"/api/complaints/{theirs['id']}/attachments",
        files=[("attachments", ("现场.png", png(), "image/png"))],
        headers=world.auth(OFFICER),
    )
    assert attachment.status_code == 201, attachment.text
    attachment_id = attachment.json()[0]["id"]

    listed = await client.get("/api/complaints", headers=world.auth(STAFF))
    assert [c["id"] for c in listed.json()["complaints"]] == [mine["id"]]
    for url in (
        f"/api/complaints/{theirs['id']}",
        f"/complaints/{theirs['id']}",
        f"/api/complaints/attachments/{attachment_id}",
    ):
        response = await client.get(url, headers=world.cookie(STAFF))
        assert response.status_code == 404, url
    report = await client.post(
        f"/api/complaints/{theirs['id']}/units/1/report", json={"report": "x"}, headers=world.auth(STAFF)
    )
    assert report.status_code == 404
    # The office reads the file; a window's staff once it is passed to their window.
    assert (
        await client.get(f"/api/complaints/attachments/{attachment_id}", headers=world.auth(Role.CLERK))
    ).content == png()
    await act(
        client,
        world,
        theirs["id"],
        "assign",
        {"units": [{"window_id": world.windows[0].id, "part": "协助核实"}]},
    )
    passed = await client.get(f"/api/complaints/attachments/{attachment_id}", headers=world.auth(STAFF))
    assert passed.status_code == 200 and passed.content == png()
    assert passed.headers["content-type"].startswith("image/png")
    assert {
        c["id"] for c in (await client.get("/api/complaints", headers=world.auth(STAFF))).json()["complaints"]
    } == {
        mine["id"],
        theirs["id"],
    }


async def test_another_halls_complaint_is_not_found(client: AsyncTestClient, world: World) -> None:
    county_desk = Viewer(account_id=None, role=Role.DIRECTOR, scope=None)
    read, _ = await services.register_complaint(
        data=ComplaintCreate(
            hall_id=world.other_town.id,
            channel="phone",
            window_id=world.other_window.id,
            content="绿水镇窗口无人",
            complainant_name=NAME,
        ),
        uploads=[],
        viewer=county_desk,
        now=now(),
        limits=Limits(max_bytes=1 << 20, max_pixels=1 << 24),
    )
    for role in (Role.DIRECTOR, Role.COMPLAINT_OFFICER, Role.CLERK, Role.INSPECTOR, Role.STAFF):
        assert (await client.get(f"/api/complaints/{read.id}", headers=world.auth(role))).status_code == 404
        assert (await client.get(f"/complaints/{read.id}", headers=world.cookie(role))).status_code == 404
        assert (await client.get("/api/complaints", headers=world.auth(role))).json()["complaints"] == []
    reply = await client.post(
        f"/api/complaints/{read.id}/reply",
        json={"channel": "phone", "content": "x"},
        headers=world.auth(OFFICER),
    )
    assert reply.status_code == 404
    # The system admin reaches every hall, without the complainant.
    seen = await detail(client, world, read.id, Role.ADMIN)
    assert seen["complainant_name"] == HIDDEN and seen["hall_id"] == world.other_town.id


# ---- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "detail_text"),
    [
        pytest.param({"content": None}, "投诉内容：必须填写", id="missing-content"),
        pytest.param({"content": "   "}, "投诉内容：不能为空", id="blank-content"),
        pytest.param({"channel": "fax"}, "受理渠道：不是可选的值", id="unknown-channel"),
        pytest.param(
            {"window_id": "other_window"}, "被投诉窗口：该窗口不属于本中心", id="window-of-another-hall"
        ),
        pytest.param(
            {"staff_id": "other_staff", "window_id": None},
            "被投诉人员：该人员不属于本中心",
            id="staff-of-another-hall",
        ),
        pytest.param({"staff_id": 2}, "被投诉人员：该人员不在所选窗口", id="staff-of-another-window"),
        pytest.param(
            {"serious": True},
            "附件：严重事项投诉须有书面材料：请附上书面投诉或谈话笔录的扫描件",
            id="serious-without-a-written-record",
        ),
        pytest.param(
            {"received_at": "2099-01-01T09:00:00"}, "受理时间：不能晚于当前时间", id="received-in-the-future"
        ),
        pytest.param({"hall_id": "other_town"}, "没有找到编号为 {id} 的中心", id="another-hall"),
    ],
)
async def test_bad_input_is_refused_in_chinese_and_nothing_is_stored(
    client: AsyncTestClient, world: World, overrides: dict[str, Any], detail_text: str
) -> None:
    subjects = {
        "other_window": world.other_window.id,
        "other_staff": world.other_staff.id,
        "other_town": world.other_town.id,
        2: world.staff[2].id,  # 张敏 works at window 2, the complaint names window 1
    }
    resolved = {
        key: subjects.get(value, value) if key.endswith("_id") else value for key, value in overrides.items()
    }
    response = await client.post("/api/complaints", json=body(world, **resolved), headers=world.auth(OFFICER))
    assert response.status_code == (404 if "没有找到" in detail_text else 422), response.text
    assert response.json()["detail"] == detail_text.format(id=world.other_town.id)
    assert await stored() == (0, 0)


async def test_a_complaint_is_not_passed_to_another_halls_window(
    client: AsyncTestClient, world: World
) -> None:
    complaint = await register(client, world)
    response = await client.post(
        f"/api/complaints/{complaint['id']}/assign",
        json={"units": [{"window_id": world.other_window.id, "part": "x"}]},
        headers=world.auth(OFFICER),
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == "承办窗口：该窗口不属于本中心"


@pytest.mark.parametrize(
    ("files", "detail_text"),
    [
        ([("scan.jpg", b"this is a text file, renamed")], "附件：文件“scan.jpg”不是图片或 PDF 文件"),
        ([("ok.pdf", PDF), ("empty.png", b"")], "附件：文件“empty.png”是空的"),
        ([(f"{n}.pdf", PDF) for n in range(6)], "附件：最多上传 5 个文件"),
    ],
    ids=["text-renamed-jpg", "one-empty-of-two", "six-files"],
)
async def test_attachments_are_checked_by_their_content(
    client: AsyncTestClient, world: World, files: list[tuple[str, bytes]], detail_text: str
) -> None:
    response = await client.post(
        "/api/complaints",
        data={key: str(value) for key, value in body(world, serious=True).items()},
        files=[("attachments", (name, content, "image/jpeg")) for name, content in files],
        headers=world.auth(OFFICER),
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == detail_text
    assert await stored() == (0, 0)


@pytest.fixture
async def small_uploads() -> AsyncIterator[AsyncTestClient]:
    """The app with uploads held to 20 KB each."""
    config = dataclasses.replace(get_config(), max_upload_bytes=20_000)
    async with AsyncTestClient(app=create_app(config)) as small:
        small.event_hooks = {"request": [send_csrf_token]}
        yield small


async def test_a_too_large_attachment_is_refused(small_uploads: AsyncTestClient, world: World) -> None:
    big = PDF + b"0" * 20_000
    response = await small_uploads.post(
        "/api/complaints",
        data={key: str(value) for key, value in body(world).items()},
        files=[
            ("attachments", ("scan.png", png(), "image/png")),
            ("attachments", ("big.pdf", big, "application/pdf")),
        ],
        headers=world.auth(OFFICER),
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == "附件：文件“big.pdf”太大，不能超过 1 MB"
    assert await stored() == (0, 0)
    # The same on the intake page: the form again, what was typed kept.
    page = await small_uploads.post(
        "/complaints/new",
        data={key: str(value) for key, value in body(world).items()},
        files=[("attachments", ("big.pdf", big, "application/pdf"))],
        headers=world.cookie(OFFICER),
    )
    assert page.status_code == 422
    assert "文件“big.pdf”太大，不能超过 1 MB" in page.text
    assert f'value="{NAME}"' in page.text
    assert await stored() == (0, 0)


async def test_a_serious_matter_with_its_written_record_and_files_through_multipart(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.post(
        "/api/complaints",
        data={key: str(value) for key, value in body(world, serious="true", channel="written").items()},
        files=[
            ("attachments", ("书面投诉.pdf", PDF, "application/pdf")),
            ("attachments", ("现场.png", png(), "application/octet-stream")),
            ("attachments", ("", b"", "application/octet-stream")),  # a file input left empty
        ],
        headers=world.auth(OFFICER),
    )
    assert response.status_code == 201, response.text
    complaint = response.json()["complaint"]
    assert complaint["serious"] is True and complaint["channel"] == "written"
    assert [(a["filename"], a["content_type"], a["size"]) for a in complaint["attachments"]] == [
        ("书面投诉.pdf", "application/pdf", len(PDF)),
        ("现场.png", "image/png", len(png())),
    ]
    pdf = await client.get(
        f"/api/complaints/attachments/{complaint['attachments'][0]['id']}", headers=world.auth(OFFICER)
    )
    assert pdf.status_code == 200 and pdf.content == PDF
    assert pdf.headers["content-type"].startswith("application/pdf")


# ---- the board ---------------------------------------------------------------------------------------------


async def test_the_board_sorts_by_time_left_counts_and_filters(client: AsyncTestClient, world: World) -> None:
    current = now()
    end_of_today = current.replace(hour=23, minute=59, second=59)
    if end_of_today - current < dt.timedelta(minutes=10):
        pytest.skip("too close to midnight for a complaint due today")
    w2 = world.windows[1].id
    overdue = await register(client, world, received_at="2026-11-16T09:00:00")
    calm = await register(client, world, window_id=w2, staff_id=None, channel="phone", received_at=None)
    today = await register(
        client, world, channel="written", complaint_class="petition", received_at="2026-11-16T10:00:00"
    )
    await act(
        client,
        world,
        today["id"],
        "extend",
        {"new_due_at": end_of_today.isoformat(), "reason": "等待社保系统恢复", "told_by": "phone"},
    )
    answered = await register(
        client,
        world,
        window_id=w2,
        staff_id=None,
        channel="suggestion_box",
        received_at="2026-11-20T09:00:00",
        on_the_spot_reply="当场解释了办理流程",
    )
    closed = await register(client, world, channel="phone", received_at="2026-11-02T09:00:00")
    await act(
        client,
        world,
        closed["id"],
        "reply",
        {"channel": "phone", "content": "已答复", "replied_at": "2026-11-02T11:00:00"},
    )
    await act(client, world, closed["id"], "decide", {"upheld": False})
    await act(client, world, closed["id"], "close", {})

    everything = (await client.get("/api/complaints", headers=world.auth(OFFICER))).json()
    assert [c["id"] for c in everything["complaints"]] == [
        overdue["id"],
        today["id"],
        calm["id"],
        answered["id"],
        closed["id"],
    ]
    assert [c["urgency"] for c in everything["complaints"]] == [
        "overdue",
        "today",
        "calm",
        "answered",
        "answered",
    ]
    assert everything["counts"] == {"open": 4, "overdue": 1, "due_today": 1, "extended": 1}
    assert everything["complaints"][0]["seconds_left"] < 0 < everything["complaints"][2]["seconds_left"]

    async def ids(**params: Any) -> list[int]:
        response = await client.get("/api/complaints", params=params, headers=world.auth(OFFICER))
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["complaints"]]

    assert await ids(open_only=True) == [overdue["id"], today["id"], calm["id"], answered["id"]]
    assert await ids(window_id=w2) == [calm["id"], answered["id"]]
    assert await ids(complaint_class="petition") == [today["id"]]
    assert await ids(channel="phone") == [calm["id"], closed["id"]]
    assert await ids(state="replied") == [answered["id"]]
    assert await ids(state="closed") == [closed["id"]]
    assert await ids(hall_id=world.other_town.id) == []
    bad = await client.get("/api/complaints", params={"state": "lost"}, headers=world.auth(OFFICER))
    assert bad.status_code == 400

    # The page: open ones only, coloured, counted, time left in words; the filters as a form sends them.
    page = await client.get("/complaints", headers=world.cookie(OFFICER))
    assert page.status_code == 200
    assert board_ids(page.text) == [overdue["id"], today["id"], calm["id"], answered["id"]]
    assert re.findall(r'<tr class="urgency-(\w+)"', page.text) == ["overdue", "today", "calm", "answered"]
    for badge, text in (
        ("open", "在办 4"),
        ("overdue", "已逾期 1"),
        ("today", "今日到期 1"),
        ("extended", "已延期 1"),
    ):
        assert re.search(rf'id="count-{badge}">{text}</span>', page.text), badge
    assert re.search(r"已逾期 \d+天\d+小时", page.text)
    assert re.search(r"剩余 (\d+天\d+小时|\d+小时\d+分|\d+分)", page.text)
    assert "原定期限" in page.text  # the extended one shows its original deadline
    blank = {"hall_id": "", "window_id": "", "complaint_class": "", "channel": "", "state": ""}
    page = await client.get(
        "/complaints", params={**blank, "window_id": str(w2)}, headers=world.cookie(OFFICER)
    )
    assert board_ids(page.text) == [calm["id"], answered["id"]]
    page = await client.get("/complaints", params={**blank, "state": "closed"}, headers=world.cookie(OFFICER))
    assert board_ids(page.text) == [closed["id"]]
    page = await client.get(
        "/complaints", params={**blank, "complaint_class": "petition"}, headers=world.cookie(OFFICER)
    )
    assert board_ids(page.text) == [today["id"]]
    bad_page = await client.get("/complaints", params={"channel": "fax"}, headers=world.cookie(OFFICER))
    assert bad_page.status_code == 422 and "不是可选的值" in bad_page.text

    # Window staff: their window's open complaints only, under their own title.
    mine = await client.get("/complaints", headers=world.cookie(STAFF))
    assert board_ids(mine.text) == [overdue["id"], today["id"]]
    assert "我的窗口的投诉" in mine.text and 'name="window_id"' not in mine.text


async def test_reminders_reach_the_window_and_the_desk(client: AsyncTestClient, world: World) -> None:
    complaint = await register(client, world, received_at="2026-11-16T09:00:00")  # due Tue 11-17 16:30
    await act(
        client,
        world,
        complaint["id"],
        "assign",
        {"units": [{"window_id": world.windows[0].id, "part": "核实"}]},
    )
    await send_due_reminders(now=dt.datetime.now(dt.UTC), local_now=dt.datetime(2026, 11, 18, 10, 0))

    async def kinds(role: Role) -> set[tuple[str, str]]:
        response = await client.get("/api/complaints/reminders", headers=world.auth(role))
        assert response.status_code == 200, response.text
        return {(r["kind"], r["audience"]) for r in response.json() if r["complaint_id"] == complaint["id"]}

    assert await kinds(STAFF) == {("overdue", "unit")}
    assert await kinds(OFFICER) == {("overdue", "officer")}
    assert await kinds(DIRECTOR) == {("overdue", "officer"), ("escalated", "director")}
    assert await kinds(Role.CLERK) == set()
    staff_page = await client.get("/complaints", headers=world.cookie(STAFF))
    reminders = re.search(r'<section class="card" id="reminders">(.*?)</section>', staff_page.text, re.S)
    assert reminders and complaint["number"] in reminders.group(1) and "已超过期限" in reminders.group(1)
    desk_page = await client.get("/complaints", headers=world.cookie(DIRECTOR))
    assert "最新提醒" in desk_page.text and "请主任督办" in desk_page.text


# ---- statistics ---------------------------------------------------------------------------------------


async def test_monthly_statistics_per_window(client: AsyncTestClient, world: World) -> None:
    w1, w2 = world.windows[0].id, world.windows[1].id
    await register(client, world, received_at="2026-10-09T09:00:00", on_the_spot_reply="当场解释")  # on time
    late = await register(
        client, world, received_at="2026-10-09T10:00:00"
    )  # due Sat 10-10 (make-up day) 16:30
    await act(
        client,
        world,
        late["id"],
        "reply",
        {"channel": "phone", "content": "答复", "replied_at": "2026-10-12T09:00:00"},
    )
    await act(client, world, late["id"], "decide", {"upheld": True, "sanction": "warning"})
    extended = await register(client, world, window_id=w2, staff_id=None, received_at="2026-10-20T09:00:00")
    await act(
        client,
        world,
        extended["id"],
        "extend",
        {"new_due_at": "2026-10-23T16:30:00", "reason": "需核实", "told_by": "phone"},
    )
    await act(
        client,
        world,
        extended["id"],
        "reply",
        {"channel": "phone", "content": "答复", "replied_at": "2026-10-22T10:00:00"},
    )
    await register(
        client, world, window_id=w2, staff_id=None, received_at="2026-10-26T09:00:00"
    )  # never answered
    await register(client, world, received_at="2026-11-02T09:00:00")  # another month

    response = await client.get(
        "/api/complaints/statistics", params={"month": "2026-10"}, headers=world.auth(DIRECTOR)
    )
    assert response.status_code == 200, response.text
    figures = response.json()
    keys = ("window_id", "received", "answered_on_time", "extended", "overdue", "upheld")
    assert [tuple(row[key] for key in keys) for row in figures["windows"]] == [
        (w1, 2, 1, 0, 1, 1),
        (w2, 2, 0, 1, 1, 0),
    ]
    assert tuple(figures["total"][key] for key in keys) == (None, 4, 1, 1, 2, 1)
    assert (figures["hall_id"], figures["month"]) == (world.town.id, "2026-10")

    admin = await client.get(
        "/api/complaints/statistics", params={"month": "2026-10"}, headers=world.auth(Role.ADMIN)
    )
    assert admin.status_code == 422 and admin.json()["detail"] == "中心：请选择中心"
    other = await client.get(
        "/api/complaints/statistics", params={"hall_id": world.other_town.id}, headers=world.auth(DIRECTOR)
    )
    assert other.status_code == 404
    bad_month = await client.get(
        "/api/complaints/statistics", params={"month": "10/2026"}, headers=world.auth(OFFICER)
    )
    assert bad_month.status_code == 422 and bad_month.json()["detail"] == "月份：格式不正确，应为 YYYY-MM"

    page = await client.get(
        "/complaints/statistics", params={"month": "2026-10"}, headers=world.cookie(OFFICER)
    )
    assert page.status_code == 200
    assert "投诉统计" in page.text and 'value="2026-10"' in page.text
    rows = re.findall(r'<tr data-window-id="\d*">(.*?)</tr>', page.text)
    assert [cells(row) for row in rows] == [
        ["1号窗口 民政窗口", "2", "1", "0", "1", "1"],
        ["2号窗口 社保窗口", "2", "0", "1", "1", "0"],
    ]
    total = re.search(r'<tr id="total">(.*?)</tr>', page.text)
    assert total and cells(total.group(1)) == ["合计", "4", "1", "1", "2", "1"]
    assert "month=2026-09" in page.text and "month=2026-11" in page.text


# ---- the pages and their forms --------------------------------------------------------------------


async def test_intake_on_the_page_shows_the_number_and_code_once(
    client: AsyncTestClient, world: World
) -> None:
    form = await client.get("/complaints/new", headers=world.cookie(OFFICER))
    assert form.status_code == 200
    assert "登记投诉" in form.text and 'enctype="multipart/form-data"' in form.text
    assert re.findall(r'<option value="(\d+)">1号窗口 民政窗口</option>', form.text) == [
        str(world.windows[0].id)
    ]
    assert "王芳 · QS001" in form.text and "绿水镇" not in form.text
    assert "只有投诉受理员和大厅主任能看到" in form.text

    fields = {
        "hall_id": str(world.town.id),
        "channel": "written",
        "complaint_class": "general",
        "received_at": "2026-11-16T09:00",
        "occurred_at": "2026-11-15T15:30",
        "window_id": str(world.windows[0].id),
        "staff_id": "",
        "person_description": "戴眼镜的男同志",
        "content": "窗口人员离岗半小时",
        "complainant_name": NAME,
        "complainant_contact": CONTACT,
        "serious": "true",
        "on_the_spot_reply": "",
    }
    missing = await client.post(
        "/complaints/new",
        data={**fields, "content": ""},
        files=[("attachments", ("", b"", "application/octet-stream"))],
        headers=world.cookie(OFFICER),
    )
    assert missing.status_code == 422
    assert re.search(r'name="content"[^>]*>\s*</textarea>\s*<em class="error">必须填写</em>', missing.text)
    assert f'value="{CONTACT}"' in missing.text and "戴眼镜的男同志" in missing.text
    no_record = await client.post("/complaints/new", data=fields, headers=world.cookie(OFFICER))
    assert no_record.status_code == 422
    assert re.search(r'name="attachments".*?<em class="error">严重事项投诉须有书面材料', no_record.text, re.S)
    assert re.search(r'name="serious" value="true" checked', no_record.text)
    assert await stored() == (0, 0)

    filed = await client.post(
        "/complaints/new",
        data=fields,
        files=[
            ("attachments", ("书面投诉.pdf", PDF, "application/pdf")),
            ("attachments", ("photo.jpg", (FACES / "obama-small.jpg").read_bytes(), "image/jpeg")),
        ],
        headers=world.cookie(OFFICER),
    )
    assert filed.status_code == 200, filed.text
    assert filed.headers["cache-control"] == "no-store"
    number = re.search(r'<div class="big" id="number">([^<]+)</div>', filed.text)
    code = re.search(r'<div class="big" id="code">([^<]+)</div>', filed.text)
    assert number and code and re.fullmatch(r"[A-Z2-9]{8}", code.group(1))
    assert "data-print" in filed.text and "打印回执" in filed.text
    assert dd(filed.text, "due").startswith("2026-11-17 16:30")
    row = await Complaint.select().where(Complaint.number == number.group(1)).first()
    assert (row["channel"], row["serious"], row["complainant_name"], row["staff"]) == (
        "written",
        True,
        NAME,
        None,
    )
    assert row["occurred_at"] == dt.datetime(2026, 11, 15, 15, 30)
    files = await ComplaintAttachment.select().where(ComplaintAttachment.complaint == row["id"])
    assert sorted(f["content_type"] for f in files) == ["application/pdf", "image/jpeg"]
    # The code is for the complainant: the public page finds the complaint with it.
    tracked = await client.post(
        "/api/public/complaints/track", json={"number": number.group(1), "code": code.group(1)}
    )
    assert tracked.status_code == 200 and tracked.json()["state"] == "registered"


async def test_the_detail_page_and_its_forms_take_a_complaint_to_its_end(
    client: AsyncTestClient, world: World
) -> None:
    complaint = await register(client, world, received_at=EVE_OF_NATIONAL_DAY)
    url = f"/complaints/{complaint['id']}"
    officer = world.cookie(OFFICER)

    page = (await client.get(url, headers=officer)).text
    assert (dd(page, "complainant-name"), dd(page, "complainant-contact")) == (NAME, CONTACT)
    assert dd(page, "due").startswith("2026-10-08 16:30")
    explanation = re.findall(
        r"<li>([^<]+)</li>", re.search(r'<ol id="deadline-explanation">(.*?)</ol>', page, re.S).group(1)
    )
    assert explanation == complaint["deadline_explanation"] and any("国庆节" in line for line in explanation)
    assert all(f'id="{form}"' in page for form in ("assign", "reply", "extend", "attach"))
    assert not any(f'id="{form}"' in page for form in ("decide", "close", "follow-up", "reopen"))

    # Assign two units on the form (rows 1 and 3 filled): complex, and its deadline counted again.
    department_id = world.windows[1].department_id
    bad = await client.post(
        f"{url}/assign",
        data={"units.0.target": f"window:{world.windows[0].id}", "units.0.due_at": "2026-12-31T17:00"},
        headers=officer,
    )
    assert bad.status_code == 422 and "不能晚于投诉的答复期限" in bad.text
    assert await ComplaintUnit.count() == 0
    none_chosen = await client.post(f"{url}/assign", data={"units.0.part": "x"}, headers=officer)
    assert none_chosen.status_code == 422 and "必须填写" in none_chosen.text
    assigned = await client.post(
        f"{url}/assign",
        data={
            "units.0.target": f"window:{world.windows[0].id}",
            "units.0.part": "核实窗口人员态度",
            "units.2.target": f"department:{department_id}",
            "units.2.part": "调取监控",
        },
        headers=officer,
        follow_redirects=False,
    )
    assert assigned.status_code == 303 and assigned.headers["location"] == url
    page = (await client.get(url, headers=officer)).text
    assert dd(page, "class") == "复杂投诉" and dd(page, "due").startswith("2026-10-13 16:30")
    assert "核实窗口人员态度" in page and "调取监控" in page

    # The window's staff see their part's form, not the department's, and no complainant.
    units = (
        await ComplaintUnit.select()
        .where(ComplaintUnit.complaint == complaint["id"])
        .order_by(ComplaintUnit.id)
    )
    staff_page = (await client.get(url, headers=world.cookie(STAFF))).text
    assert f'id="report-{units[0]["id"]}"' in staff_page and f'id="report-{units[1]["id"]}"' not in staff_page
    assert 'id="reply"' not in staff_page and "identity-views" not in staff_page
    assert dd(staff_page, "complainant-name") == HIDDEN and NAME not in staff_page
    reported = await client.post(
        f"{url}/units/{units[0]['id']}/report",
        data={"report": "已约谈当事人"},
        headers=world.cookie(STAFF),
        follow_redirects=False,
    )
    assert reported.status_code == 303
    refused = await client.post(
        f"{url}/units/{units[1]['id']}/report", data={"report": "x"}, headers=world.cookie(STAFF)
    )
    assert refused.status_code == 403 and "只有承办窗口的工作人员" in refused.text

    for step, data in (
        (
            "reply",
            {"channel": "in_person", "content": "当面向投诉人说明并致歉", "replied_at": "2026-10-12T15:00"},
        ),
        (
            "decide",
            {"upheld": "true", "sanction": "warning", "window_id": "", "staff_id": "", "note": "属实"},
        ),
        ("close", {"note": ""}),
        ("follow-up", {"satisfaction": "basically", "note": "基本满意"}),
    ):
        response = await client.post(f"{url}/{step}", data=data, headers=officer, follow_redirects=False)
        assert response.status_code == 303, (step, response.text)
    page = (await client.get(url, headers=officer)).text
    assert re.search(r'<span id="state" data-state="closed">已办结</span>', page)
    assert dd(page, "upheld") == "投诉属实" and dd(page, "sanction") == "警示提醒"
    assert dd(page, "satisfaction") == "基本满意" and dd(page, "on-time") == "是"
    assert "当面向投诉人说明并致歉" in page and "已约谈当事人" in page
    assert re.findall(r'<tr data-action="(\w+)">', page) == [
        "registered",
        "assigned",
        "reported",
        "replied",
        "decided",
        "closed",
        "followed_up",
    ]
    assert 'id="reopen"' in page and 'id="assign"' not in page

    no_reason = await client.post(f"{url}/reopen", data={"reason": ""}, headers=officer)
    assert no_reason.status_code == 422 and "必须填写" in no_reason.text
    reopened = await client.post(
        f"{url}/reopen", data={"reason": "投诉人提供了新的录音"}, headers=officer, follow_redirects=False
    )
    assert reopened.status_code == 303
    page = (await client.get(url, headers=officer)).text
    assert re.search(r'data-state="assigned"', page) and "已撤销" in page
    assert dd(page, "original-due").startswith("2026-10-13 16:30")

    # Files added later, linked from the page.
    attached = await client.post(
        f"{url}/attachments",
        files=[("attachments", ("补充.png", png(), "image/png"))],
        headers=officer,
        follow_redirects=False,
    )
    assert attached.status_code == 303
    link = re.search(
        r'<a href="(/api/complaints/attachments/\d+)" target="_blank">补充.png</a>',
        (await client.get(url, headers=officer)).text,
    )
    assert link and (await client.get(link.group(1), headers=officer)).content == png()
    refused_file = await client.post(
        f"{url}/attachments",
        files=[("attachments", ("x.png", b"not an image", "image/png"))],
        headers=officer,
    )
    assert refused_file.status_code == 422 and "不是图片或 PDF 文件" in refused_file.text
    assert await ComplaintAttachment.count() == 1


async def test_the_deadline_is_explained_in_the_pages_language(client: AsyncTestClient, world: World) -> None:
    complaint = await register(client, world, received_at=EVE_OF_NATIONAL_DAY)
    token = world.tokens[OFFICER]

    async def explanation(language: str) -> list[str]:
        page = await client.get(
            f"/complaints/{complaint['id']}", headers={"Cookie": f"hall_session={token}; lang={language}"}
        )
        listed = re.search(r'<ol id="deadline-explanation">(.*?)</ol>', page.text, re.S)
        assert listed, page.text
        return re.findall(r"<li>([^<]+)</li>", listed.group(1))

    chinese, english = await explanation("zh"), await explanation("en")
    assert chinese == complaint["deadline_explanation"] and any("国庆节" in line for line in chinese)
    assert len(english) == len(chinese) and any("National Day" in line for line in english)
    assert not any(CJK.search(line) for line in english), english
    assert english[-1].endswith("2026-10-08 16:30:00")


async def test_a_refused_form_shows_why_next_to_the_field(client: AsyncTestClient, world: World) -> None:
    complaint = await register(client, world)
    url = f"/complaints/{complaint['id']}"
    extend = await client.post(
        f"{url}/extend",
        data={"new_due_at": "2026-11-17T10:00", "reason": "需调取录像", "told_by": "phone"},
        headers=world.cookie(OFFICER),
    )
    assert extend.status_code == 422
    section = re.search(r'<section class="card" id="extend">(.*?)</section>', extend.text, re.S).group(1)
    assert "必须晚于现在的答复期限" in section and 'value="2026-11-17T10:00"' in section
    assert "需调取录像" in section
    # A step the state does not allow: the page says why (409), nothing changes.
    decide = await client.post(f"{url}/decide", data={"upheld": "true"}, headers=world.cookie(OFFICER))
    assert decide.status_code == 409 and "不能认定" in decide.text


# ---- roles ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "method", "path", "status"),
    [
        (Role.CLERK, "POST", "/api/complaints", 403),
        (Role.ADMIN, "POST", "/api/complaints", 403),
        (Role.STAFF, "POST", "/api/complaints/{id}/reply", 403),
        (Role.INSPECTOR, "POST", "/api/complaints/{id}/assign", 403),
        (Role.CLERK, "POST", "/api/complaints/{id}/units/1/report", 403),
        (Role.INSPECTOR, "GET", "/api/complaints/statistics", 403),
        (Role.STAFF, "GET", "/complaints/statistics", 403),
        (Role.STAFF, "GET", "/complaints/new", 403),
        (Role.CLERK, "POST", "/complaints/{id}/close", 403),
        (Role.DEVICE, "GET", "/api/complaints", 403),
        (Role.CLERK, "GET", "/api/complaints/{id}/identity-views", 403),
    ],
)
async def test_roles_that_may_not(
    client: AsyncTestClient, world: World, role: Role, method: str, path: str, status: int
) -> None:
    complaint = await register(client, world)
    response = await client.request(
        method, path.format(id=complaint["id"]), json={}, headers=world.auth(role)
    )
    assert response.status_code == status
    if path.startswith("/api/"):
        assert response.json()["detail"] == "您的角色无权进行此操作"
    assert (await detail(client, world, complaint["id"]))["state"] == "registered"
