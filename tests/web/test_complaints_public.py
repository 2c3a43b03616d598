"""The public complaint page over HTTP, signed out: filing with the question answered (page
and API, with files), what the desk then has, refusals (a wrong or stale answer, missing
content, a window of another hall, a file that is no image or PDF), tracking with the number
and code, the same answer for an unknown number as for a wrong code, the limits per address,
and the complainant's name kept off everything the public sees."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from typing import Any

from litestar.testing import AsyncTestClient
from PIL import Image

from complaints import public
from complaints.access import Viewer
from complaints.calendar import deadline_for
from complaints.deadlines import ComplaintClass
from complaints.schemas import ExtensionCreate, ReplyCreate
from complaints.tables import Channel, Complaint, ComplaintAttachment, ReplyChannel, State
from complaints.workflow import extend, reply
from hall.config import get_config
from hall.i18n import catalog
from hall.roles import Role
from tests.conftest import World
from web.security import CSRF_COOKIE

NAME, CONTACT = "匿名甲乙丙", "13912345678"


def png(width: int = 4, height: int = 3) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _sum(question: str) -> int:
    first, second = re.findall(r"\d+", question)
    return int(first) + int(second)


async def _challenge(client: AsyncTestClient) -> dict[str, Any]:
    response = await client.get("/api/public/complaints/challenge")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


async def _body(client: AsyncTestClient, world: World, **overrides: Any) -> dict[str, Any]:
    challenge = await _challenge(client)
    body = {
        "hall_id": world.town.id,
        "window_id": world.windows[0].id,
        "person_description": "戴眼镜的男工作人员",
        "content": "办理低保材料时工作人员态度恶劣，让我第二天再来",
        "occurred_at": (get_config().local_now() - dt.timedelta(hours=1)).isoformat(),
        "complainant_name": NAME,
        "complainant_contact": CONTACT,
        "challenge": challenge["token"],
        "answer": _sum(challenge["question"]),
    }
    return {**body, **overrides}


async def _filed(client: AsyncTestClient, world: World, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/public/complaints", json=await _body(client, world, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def _form_page(client: AsyncTestClient, hall_id: int) -> tuple[str, str, int]:
    """The form for a hall: its text, the question's token and the right answer."""
    response = await client.get("/complain", params={"hall_id": hall_id})
    assert response.status_code == 200, response.text
    token = re.search(r'name="challenge" value="([^"]+)"', response.text)
    question = re.search(r'<p id="question">([^<]+)</p>', response.text)
    assert token and question, response.text
    return response.text, token.group(1), _sum(question.group(1))


def _field(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page)
    assert found, f"no #{element_id} on the page"
    return found.group(1).strip()


# ---- filing -------------------------------------------------------------------------------------


async def test_the_form_offers_the_halls_then_the_windows_of_the_chosen_one(
    client: AsyncTestClient, world: World
) -> None:
    chooser = await client.get("/complain")
    assert chooser.status_code == 200
    for hall in (world.county, world.town, world.other_town):
        assert f'href="/complain?hall_id={hall.id}"' in chooser.text and hall.name in chooser.text
    assert 'name="content"' not in chooser.text

    page, _, _ = await _form_page(client, world.town.id)
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', page)
    assert options == [
        ("", "不清楚"),
        (str(world.windows[0].id), "1号窗口 · 民政窗口"),
        (str(world.windows[1].id), "2号窗口 · 社保窗口"),
    ]
    assert "只有投诉受理人员能看到" in page  # the name and contact are said to be confidential
    assert 'type="file" name="attachments" multiple' in page
    assert 'enctype="multipart/form-data"' in page
    # An unknown hall: the halls to choose from again.
    unknown = await client.get("/complain", params={"hall_id": 987654})
    assert unknown.status_code == 200 and 'name="content"' not in unknown.text
    assert f'href="/complain?hall_id={world.town.id}"' in unknown.text


async def test_filing_on_the_page_without_login_reaches_the_desk(
    client: AsyncTestClient, world: World
) -> None:
    client.cookies.clear()
    _, token, answer = await _form_page(client, world.town.id)
    occurred = (get_config().local_now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = await client.post(
        "/complain",
        data={
            "hall_id": str(world.town.id),
            "window_id": str(world.windows[1].id),
            "person_description": "穿蓝色马甲的女同志",
            "content": "排队一个小时没人理",
            "occurred_at": occurred,
            "complainant_name": NAME,
            "complainant_contact": CONTACT,
            "challenge": token,
            "answer": str(answer),
        },
        files=[
            ("attachments", ("现场.png", png(), "image/png")),
            ("attachments", ("", b"", "application/octet-stream")),  # a file input left empty
        ],
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    number, code = _field(page, "number"), _field(page, "code")
    assert re.fullmatch(r"TS\d{13}", number) and re.fullmatch(r"[A-Z2-9]{8}", code)
    assert "保存好编号和查询码" in page
    assert f'href="/complain/track?number={number}"' in page
    assert NAME not in page and CONTACT not in page
    assert "set-cookie" not in response.headers

    row = await Complaint.select().where(Complaint.number == number).first()
    assert row is not None
    assert (row["channel"], row["complaint_class"], row["state"]) == (
        Channel.ONLINE,
        ComplaintClass.GENERAL,
        State.REGISTERED,
    )
    assert (row["hall"], row["window"], row["staff"]) == (world.town.id, world.windows[1].id, None)
    assert (row["complainant_name"], row["complainant_contact"]) == (NAME, CONTACT)
    assert row["content"] == "排队一个小时没人理" and row["person_description"] == "穿蓝色马甲的女同志"
    assert row["occurred_at"] == dt.datetime.fromisoformat(occurred)
    assert row["registered_by"] is None
    received = row["received_at"]
    assert abs(received - get_config().local_now()) < dt.timedelta(minutes=1)
    expected = await deadline_for(
        hall_id=world.town.id, received_at=received, complaint_class=ComplaintClass.GENERAL
    )
    assert row["due_at"] == row["original_due_at"] == expected.due_at
    assert row["due_at"].date() > received.date()  # by the end of the next working day at the latest
    assert _field(page, "due").startswith(row["due_at"].strftime("%Y-%m-%d %H:%M"))
    files = await ComplaintAttachment.select().where(ComplaintAttachment.complaint == row["id"])
    assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
        ("现场.png", "image/png", len(png()))
    ]
    assert (get_config().media_dir / files[0]["path"]).read_bytes() == png()


async def test_filing_through_the_api_json_and_multipart(client: AsyncTestClient, world: World) -> None:
    filed = await _filed(client, world, window_id=None, complainant_name="", complainant_contact="")
    status = filed["status"]
    assert set(filed) == {"status", "code"}
    assert status["state"] == "registered" and status["replies"] == [] and status["extended"] is False
    row = await Complaint.select().where(Complaint.number == status["number"]).first()
    assert row["window"] is None and row["complainant_name"] == "" and row["channel"] == Channel.ONLINE
    assert dt.datetime.fromisoformat(status["due_at"]) == row["due_at"]

    body = await _body(client, world)
    multipart = await client.post(
        "/api/public/complaints",
        data={key: str(value) for key, value in body.items()},
        files=[
            ("attachments", ("a.png", png(), "image/png")),
            ("attachments", ("b.pdf", b"%PDF-1.4\n%%EOF\n", "x")),
        ],
    )
    assert multipart.status_code == 201, multipart.text
    assert NAME not in multipart.text and CONTACT not in multipart.text
    stored = await Complaint.select().where(Complaint.number == multipart.json()["status"]["number"]).first()
    assert stored["complainant_name"] == NAME
    files = await ComplaintAttachment.select().where(ComplaintAttachment.complaint == stored["id"])
    assert sorted((f["filename"], f["content_type"]) for f in files) == [
        ("a.png", "image/png"),
        ("b.pdf", "application/pdf"),
    ]


async def test_a_wrong_answer_is_refused_and_the_question_cannot_be_used_again(
    client: AsyncTestClient, world: World
) -> None:
    body = await _body(client, world)
    wrong = await client.post("/api/public/complaints", json={**body, "answer": body["answer"] + 1})
    assert wrong.status_code == 422
    assert wrong.json()["detail"] == "验证答案：验证答案不正确，请回答新的问题"
    again = await client.post("/api/public/complaints", json=body)  # now with the right answer
    assert again.status_code == 422
    assert again.json()["detail"] == "验证答案：验证问题已过期，请回答新的问题"
    assert await Complaint.count() == 0


async def test_a_used_question_cannot_file_twice(client: AsyncTestClient, world: World) -> None:
    body = await _body(client, world)
    assert (await client.post("/api/public/complaints", json=body)).status_code == 201
    second = await client.post("/api/public/complaints", json=body)
    assert second.status_code == 422 and "验证问题已过期" in second.json()["detail"]
    assert await Complaint.count() == 1


async def test_an_expired_or_unknown_question_is_refused(client: AsyncTestClient, world: World) -> None:
    stale = await public.new_challenge(
        client="127.0.0.1", now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    for token, answer in ((stale.token, _sum(stale.question)), ("made-up-token", 2)):
        response = await client.post(
            "/api/public/complaints", json=await _body(client, world, challenge=token, answer=answer)
        )
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": "answer", "label": "验证答案", "message": "验证问题已过期，请回答新的问题"}
        ]
    assert await Complaint.count() == 0


async def test_missing_content_is_refused_in_chinese(client: AsyncTestClient, world: World) -> None:
    body = await _body(client, world)
    del body["content"]
    response = await client.post("/api/public/complaints", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == "投诉内容：必须填写"
    blank = await client.post("/api/public/complaints", json=await _body(client, world, content="   "))
    assert blank.status_code == 422 and blank.json()["detail"] == "投诉内容：不能为空"
    assert await Complaint.count() == 0


async def test_the_page_shows_the_form_again_with_what_was_typed_and_a_new_question(
    client: AsyncTestClient, world: World
) -> None:
    _, token, answer = await _form_page(client, world.town.id)
    response = await client.post(
        "/complain",
        data={
            "hall_id": str(world.town.id),
            "window_id": str(world.windows[0].id),
            "person_description": "高个子",
            "content": "",
            "complainant_contact": CONTACT,
            "challenge": token,
            "answer": str(answer),
        },
        files=[("attachments", ("a.png", png(), "image/png"))],
    )
    assert response.status_code == 422
    page = response.text
    assert "提交的内容有误" in page and "必须填写" in page
    assert 'value="高个子"' in page and f'value="{CONTACT}"' in page
    assert f'<option value="{world.windows[0].id}" selected>' in page
    new_token = re.search(r'name="challenge" value="([^"]+)"', page).group(1)
    assert new_token != token
    assert re.search(r'name="answer"[^>]*>', page) and f'value="{answer}"' not in page
    assert await Complaint.count() == 0


async def test_a_window_of_another_hall_is_refused(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/public/complaints", json=await _body(client, world, window_id=world.other_window.id)
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "被投诉窗口：该窗口不属于本中心"
    assert await Complaint.count() == 0


async def test_a_file_that_is_no_image_or_pdf_is_refused_and_nothing_is_stored(
    client: AsyncTestClient, world: World
) -> None:
    body = await _body(client, world)
    good = png(17, 13)  # an image no other test stores
    kept_as = get_config().media_dir / "complaints" / f"{hashlib.sha256(good).hexdigest()}.png"
    response = await client.post(
        "/api/public/complaints",
        data={key: str(value) for key, value in body.items()},
        files=[
            ("attachments", ("ok.png", good, "image/png")),
            ("attachments", ("virus.png", b"MZ\x90\x00 not an image at all", "image/png")),
        ],
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "attachments", "label": "附件", "message": "文件“virus.png”不是图片或 PDF 文件"}
    ]
    assert await Complaint.count() == 0 and await ComplaintAttachment.count() == 0
    assert not kept_as.exists()
    # The question was not spent on a refused file: the same one files once the file is fixed.
    fixed = await client.post(
        "/api/public/complaints",
        data={key: str(value) for key, value in body.items()},
        files=[("attachments", ("ok.png", good, "image/png"))],
    )
    assert fixed.status_code == 201, fixed.text
    assert kept_as.read_bytes() == good


async def test_more_than_five_files_are_refused(client: AsyncTestClient, world: World) -> None:
    body = await _body(client, world)
    response = await client.post(
        "/api/public/complaints",
        data={key: str(value) for key, value in body.items()},
        files=[("attachments", (f"{n}.png", png(n + 1, 2), "image/png")) for n in range(6)],
    )
    assert response.status_code == 422 and response.json()["detail"] == "附件：最多上传 5 个文件"
    assert await Complaint.count() == 0


async def test_a_body_that_is_not_json_is_a_bad_request(client: AsyncTestClient) -> None:
    response = await client.post(
        "/api/public/complaints", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "请求内容格式不正确，应为有效的 JSON 或表单"


# ---- tracking -----------------------------------------------------------------------------------


async def test_tracking_with_the_number_and_code(client: AsyncTestClient, world: World) -> None:
    filed = await _filed(client, world)
    number, code = filed["status"]["number"], filed["code"]
    response = await client.post("/api/public/complaints/track", json={"number": number, "code": code})
    assert response.status_code == 200, response.text
    assert response.json() == filed["status"]
    assert NAME not in response.text and CONTACT not in response.text
    # Typed in lower case with spaces: the same complaint.
    loose = await client.post(
        "/api/public/complaints/track", json={"number": f" {number.lower()} ", "code": code.lower()}
    )
    assert loose.status_code == 200 and loose.json()["number"] == number

    prefilled = await client.get("/complain/track", params={"number": number})
    assert prefilled.status_code == 200 and f'value="{number}"' in prefilled.text
    page = await client.post("/complain/track", data={"number": number, "code": code})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert _field(page.text, "state") == "已登记"
    assert _field(page.text, "status-number") == number
    due = dt.datetime.fromisoformat(filed["status"]["due_at"])
    assert _field(page.text, "due").startswith(due.strftime("%Y-%m-%d %H:%M"))
    assert "尚未答复" in page.text
    assert NAME not in page.text and CONTACT not in page.text
    assert 'id="original-due"' not in page.text


async def test_tracking_shows_the_extension_and_the_answer(client: AsyncTestClient, world: World) -> None:
    filed = await _filed(client, world)
    number, code = filed["status"]["number"], filed["code"]
    row = await Complaint.select().where(Complaint.number == number).first()
    desk = Viewer(
        account_id=world.account_ids[Role.COMPLAINT_OFFICER],
        role=Role.COMPLAINT_OFFICER,
        scope=frozenset({world.town.id}),
    )
    now = get_config().local_now()
    new_due = row["due_at"] + dt.timedelta(days=3)
    await extend(
        complaint_id=row["id"],
        data=ExtensionCreate(new_due_at=new_due, reason="需要调取监控录像核实", told_by=ReplyChannel.PHONE),
        viewer=desk,
        now=now,
    )
    await reply(
        complaint_id=row["id"],
        data=ReplyCreate(channel=ReplyChannel.PHONE, content="已核实，已对当事人进行批评教育"),
        viewer=desk,
        now=now,
    )
    page = await client.post("/complain/track", data={"number": number, "code": code})
    assert page.status_code == 200, page.text
    assert _field(page.text, "state") == "已答复"
    assert _field(page.text, "due").startswith(new_due.strftime("%Y-%m-%d %H:%M"))
    assert _field(page.text, "original-due").startswith(row["original_due_at"].strftime("%Y-%m-%d %H:%M"))
    assert "需要调取监控录像核实" in page.text
    assert "电话答复" in page.text and "已核实，已对当事人进行批评教育" in page.text
    api = (await client.post("/api/public/complaints/track", json={"number": number, "code": code})).json()
    assert api["extended"] is True and api["extension_reasons"] == ["需要调取监控录像核实"]
    assert [(r["channel"], r["replied_by"]) for r in api["replies"]] == [("phone", None)]


async def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(
    client: AsyncTestClient, world: World
) -> None:
    filed = await _filed(client, world)
    number = filed["status"]["number"]
    unknown_number = "TS2000010100000"
    wrong_code = await client.post(
        "/api/public/complaints/track", json={"number": number, "code": "AAAAAAAA"}
    )
    unknown = await client.post(
        "/api/public/complaints/track", json={"number": unknown_number, "code": "AAAAAAAA"}
    )
    assert wrong_code.status_code == unknown.status_code == 404
    assert wrong_code.content == unknown.content
    assert wrong_code.json()["detail"] == "投诉编号或查询码不正确，请核对后再试"

    page_wrong = await client.post("/complain/track", data={"number": number, "code": "AAAAAAAA"})
    page_unknown = await client.post("/complain/track", data={"number": unknown_number, "code": "AAAAAAAA"})
    assert page_wrong.status_code == page_unknown.status_code == 404
    # The pages differ only by the number typed, which the form keeps.
    assert page_wrong.text == page_unknown.text.replace(unknown_number, number)
    assert "投诉编号或查询码不正确，请核对后再试" in page_wrong.text
    assert 'id="status"' not in page_wrong.text

    empty = await client.post("/complain/track", data={"number": number, "code": ""})
    assert empty.status_code == 422 and "不能为空" in empty.text


# ---- limits and what the public sees ------------------------------------------------------------


async def test_filings_from_one_address_are_limited(client: AsyncTestClient, world: World) -> None:
    for _ in range(public.FILINGS_PER_HOUR):
        await _filed(client, world)
    refused = await client.post("/api/public/complaints", json=await _body(client, world))
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("操作太频繁，请一小时后再试")
    _, token, answer = await _form_page(client, world.town.id)
    page = await client.post(
        "/complain",
        data={"hall_id": str(world.town.id), "content": "又来了", "challenge": token, "answer": str(answer)},
    )
    assert page.status_code == 429
    assert "操作太频繁，请一小时后再试" in page.text
    assert ">又来了</textarea>" in page.text  # what was typed is kept for later
    assert await Complaint.count() == public.FILINGS_PER_HOUR


async def test_failed_lookups_from_one_address_are_limited(client: AsyncTestClient, world: World) -> None:
    filed = await _filed(client, world)
    number, code = filed["status"]["number"], filed["code"]
    for attempt in range(public.FAILED_LOOKUPS_PER_HOUR):
        response = await client.post(
            "/api/public/complaints/track", json={"number": number, "code": f"WRONG{attempt:03d}"}
        )
        assert response.status_code == 404
    # Now even the right code waits: guessing is what the limit stops.
    right = await client.post("/api/public/complaints/track", json={"number": number, "code": code})
    assert right.status_code == 429
    assert right.json()["detail"].startswith("操作太频繁")
    page = await client.post("/complain/track", data={"number": number, "code": code})
    assert page.status_code == 429 and "操作太频繁" in page.text and 'id="status"' not in page.text


async def test_the_public_pages_need_no_cookie_and_show_no_staff_navigation(
    client: AsyncTestClient, world: World
) -> None:
    client.cookies.clear()
    for path in ("/complain", f"/complain?hall_id={world.town.id}", "/complain/track"):
        anonymous = await client.get(path, follow_redirects=False)
        assert anonymous.status_code == 200, path
        # Only the CSRF token its form posts back (web/security.py): no session, no tracking.
        assert {cookie.split("=")[0] for cookie in anonymous.headers.get_list("set-cookie")} <= {CSRF_COOKIE}
        signed_in = await client.get(path, headers=world.cookie(Role.DIRECTOR), follow_redirects=False)
        assert signed_in.status_code == 200
        for staff_only in ('href="/attendance"', 'href="/complaints"', 'action="/logout"', "大厅主任"):
            assert staff_only not in signed_in.text, (path, staff_only)
        assert 'href="/complain/track"' in signed_in.text


async def test_the_pages_in_english(client: AsyncTestClient, world: World) -> None:
    english = catalog("en")
    response = await client.get("/complain", params={"hall_id": world.town.id}, headers={"Cookie": "lang=en"})
    assert response.status_code == 200
    for text in ("我要投诉", "发生了什么", "不清楚", "提交投诉", "投诉哪个窗口"):
        assert english[text] in response.text
        assert f">{text}<" not in response.text


async def test_a_filing_for_an_unknown_hall_offers_the_halls_again(
    client: AsyncTestClient, world: World
) -> None:
    _, token, answer = await _form_page(client, world.town.id)
    response = await client.post(
        "/complain",
        data={"hall_id": "987654", "content": "投诉内容", "challenge": token, "answer": str(answer)},
    )
    assert response.status_code == 404
    assert "没有找到编号为 987654 的中心" in response.text
    assert f'href="/complain?hall_id={world.town.id}"' in response.text
    missing = await client.post("/complain", data={"content": "投诉内容", "challenge": token, "answer": "1"})
    assert missing.status_code == 422 and "必须填写" in missing.text
    assert await Complaint.count() == 0


async def test_the_login_page_links_to_the_public_page(client: AsyncTestClient) -> None:
    response = await client.get("/login")
    assert '<a href="/complain">我要投诉</a>' in response.text
