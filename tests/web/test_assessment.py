"""The hundred-point assessment over HTTP: the director's month overview (JSON and page) with
a finding an inspector entered, the inspectors' phone form with two rules and a photo, bad
input refused in Chinese with nothing stored, the director's reversals, what window staff may
see and file, sign-off and what it freezes, the rule catalogue and a dated change, and the
quarter's ranking and publication.

"Now" is the real clock; the months read are of 2026 (October, and the third quarter), over
by whenever the tests run, with everyone punching in on time unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from assessment.tables import Finding, MonthSignOff, ScoreRule, SelfAssessment
from hall.config import get_config
from hall.roles import Role
from tests.assessment.test_quarter import SUMMER_DAY, WINTER_DAY, attend
from tests.conftest import World

OCTOBER = "2026-10"
DIRECTOR, INSPECTOR, STAFF, CLERK = Role.DIRECTOR, Role.INSPECTOR, Role.STAFF, Role.CLERK


def png(width: int = 8, height: int = 6) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 180, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def today() -> dt.date:
    return get_config().local_now().date()


def current_month() -> str:
    return today().strftime("%Y-%m")


def text_of(html: str) -> str:
    """A fragment's visible text on one line."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def row(page: str, attribute: str, value: int | str) -> str:
    found = re.search(rf'<tr {attribute}="{value}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, f"no row {attribute}={value}"
    return found.group(1)


def cell(html: str, name: str) -> str:
    found = re.search(rf"<td {name}[^>]*>(.*?)</td>", html, re.S)
    assert found, f"no cell {name}"
    return text_of(found.group(1))


@pytest.fixture
def forgotten() -> dict[tuple[int, str], tuple[str, ...]]:
    """Punches a test changes: (the world's person, day) -> that day's punches instead."""
    return {}


@pytest.fixture(autouse=True)
async def present(world: World, forgotten: dict[tuple[int, str], tuple[str, ...]]) -> None:
    """Everyone punched on time on every working day of September and October 2026, except
    where a test says otherwise."""
    people = [person.id for person in world.staff]
    changed = {(world.staff[person].id, day): times for (person, day), times in forgotten.items()}
    await attend(world, people, dt.date(2026, 9, 1), dt.date(2026, 9, 30), SUMMER_DAY)
    await attend(world, people, dt.date(2026, 10, 1), dt.date(2026, 10, 31), WINTER_DAY, changed)


def spot_check(world: World, **fields: Any) -> dict[str, Any]:
    body = {
        "day": "2026-10-14",
        "rule": "no_badge",
        "window_id": world.windows[0].id,
        "staff_id": world.staff[0].id,
        "evidence": "上午10点巡查未佩证",
    }
    body.update(fields)
    return {key: value for key, value in body.items() if value is not None}


async def enter(
    client: AsyncTestClient, world: World, role: Role = INSPECTOR, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/assessment/findings", json=spot_check(world, **fields), headers=world.auth(role)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def month(
    client: AsyncTestClient, world: World, role: Role = DIRECTOR, text: str = OCTOBER
) -> dict[str, Any]:
    response = await client.get(f"/api/assessment/months/{text}", headers=world.auth(role))
    assert response.status_code == 200, response.text
    return response.json()


# ---- the overview ------------------------------------------------------------------------------------------


async def test_the_overview_shows_a_finding_the_inspector_entered(
    client: AsyncTestClient, world: World
) -> None:
    finding = await enter(client, world)
    assert (finding["rule_name"], finding["effect"], finding["source"], finding["entered_by"]) == (
        "未佩戴工作证",
        -1,
        "manual",
        "督查员",
    )
    assert (finding["for_person"], finding["for_window"], finding["hall_id"]) == (True, True, world.town.id)

    report = await month(client, world)
    assert [
        (line["name"], line["rank"], line["total"], line["previous_total"]) for line in report["windows"]
    ] == [
        ("社保窗口", 1, 100, 100),
        ("民政窗口", 2, 99, 100),
    ]
    wang = next(line for line in report["people"] if line["name"] == "王芳")
    discipline = next(c for c in wang["categories"] if c["category"] == "discipline")
    assert (wang["total"], wang["findings"], discipline["score"]) == (99, 1, 29)
    assert sorted(star["name"] for star in report["stars"]) == ["张敏", "李强"]
    assert (report["signed_off"], report["can_sign_off"]) == (False, True)

    page = await client.get("/assessment", params={"month": OCTOBER}, headers=world.cookie(DIRECTOR))
    assert page.status_code == 200
    civil = row(page.text, "data-window-id", world.windows[0].id)
    assert (cell(civil, "data-rank"), cell(civil, "data-total"), cell(civil, "data-trend")) == (
        "2",
        "99",
        "↓ 1",
    )
    assert cell(civil, 'data-category="discipline"') == "29/30" and cell(civil, "data-findings") == "1"
    assert f'href="/assessment/windows/{world.windows[0].id}?month={OCTOBER}"' in civil
    assert cell(row(page.text, "data-window-id", world.windows[1].id), "data-trend") == "="
    # The chart: a bar per window, last month's total as a marker.
    chart = re.search(r'<figure class="card chart" id="chart">(.*?)</figure>', page.text, re.S).group(1)
    assert (
        len(re.findall(r'<rect [^>]*class="bar"', chart)) == 2
        and len(re.findall(r'class="marker"', chart)) == 2
    )
    assert "本月 99 分" in chart and "上月 100 分" in chart
    assert cell(row(page.text, "data-staff-id", world.staff[0].id), "data-total") == "99"
    assert re.search(r'<section class="card" id="stars">.*张敏.*</section>', page.text, re.S)
    assert 'id="sign-off-form"' in page.text and "签发本月考核" in page.text
    assert 'href="/assessment/quarters"' in page.text and 'href="/assessment/inspect"' in page.text

    # The clerk reads the same page without the sign-off button.
    clerk = await client.get("/assessment", params={"month": OCTOBER}, headers=world.cookie(CLERK))
    assert clerk.status_code == 200 and 'id="sign-off-form"' not in clerk.text and "待签发" in clerk.text
    assert 'href="/assessment/inspect"' not in clerk.text


# ---- the inspector's form ----------------------------------------------------------------------------------


async def test_the_inspector_records_two_rules_with_a_photo_on_the_phone_form(
    client: AsyncTestClient, world: World
) -> None:
    form = await client.get("/assessment/inspect", headers=world.cookie(INSPECTOR))
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text
    assert '<input type="file" name="photo" accept="image/*" capture="environment">' in form.text
    ticks = re.findall(r'<input type="checkbox" name="rule" value="(\w+)"', form.text)
    assert ticks == [
        "off_post",
        "no_badge",
        "not_cleaned",
        "untidy_desk",
        "case_not_registered",
        "case_overdue",
    ]
    # A points field only where the rule allows a range (hygiene: 1 to 5, 1 to 10).
    assert re.findall(r'name="points\.(\w+)"', form.text) == ["not_cleaned", "untidy_desk"]
    assert f'value="{today().isoformat()}"' in form.text

    photo = png()
    recorded = await client.post(
        "/assessment/inspect",
        data={
            "hall_id": str(world.town.id),
            "window_id": str(world.windows[1].id),
            "staff_id": str(world.staff[2].id),
            "day": "2026-10-20",
            "rule": ["untidy_desk", "no_badge"],
            "points.untidy_desk": "3",
            "points.not_cleaned": "10",  # not ticked: ignored
            "evidence": "桌面堆放杂物，未佩戴工作证",
        },
        files=[("photo", ("desk.png", photo, "image/png"))],
        headers=world.cookie(INSPECTOR),
    )
    assert recorded.status_code == 200, recorded.text
    summary = re.search(r'<section class="card recorded" id="recorded">(.*?)</section>', recorded.text, re.S)
    assert summary and "已记录 2 条" in summary.group(1)
    lines = [
        text_of(line)
        for line in re.findall(r"<li data-finding-id=\"\d+\">(.*?)</li>", summary.group(1), re.S)
    ]
    after = "：桌面堆放杂物，未佩戴工作证 · 督查录入 · 督查员 · 社保窗口 · 张敏 · 有照片"
    assert lines == [f"10月20日 桌面不整洁 −3（卫生）{after}", f"10月20日 未佩戴工作证 −1（纪律）{after}"]
    rows = await Finding.select().order_by(Finding.id)
    assert [(r["rule"], r["effect"], r["window"], r["staff"]) for r in rows] == [
        ("untidy_desk", -3, world.windows[1].id, world.staff[2].id),
        ("no_badge", -1, world.windows[1].id, world.staff[2].id),
    ]
    assert rows[0]["photo"] and rows[0]["photo"] == rows[1]["photo"]

    shown = await client.get(f"/api/assessment/findings/{rows[0]['id']}/photo", headers=world.auth(DIRECTOR))
    assert (
        shown.status_code == 200 and shown.headers["content-type"] == "image/png" and shown.content == photo
    )

    page = await client.get(
        f"/assessment/windows/{world.windows[1].id}",
        params={"month": OCTOBER},
        headers=world.cookie(DIRECTOR),
    )
    assert page.status_code == 200
    untidy = row(page.text, "data-finding-id", rows[0]["id"])
    assert "桌面不整洁" in untidy and cell(untidy, "data-effect") == "−3" and "督查员" in untidy
    assert f'href="/api/assessment/findings/{rows[0]["id"]}/photo"' in untidy
    assert f'id="reverse-{rows[0]["id"]}"' in untidy
    hygiene = row(page.text, "data-category", "hygiene")
    assert (cell(hygiene, "data-deducted"), cell(hygiene, "data-score")) == ("3", "7")
    assert re.search(r"<span data-total>96</span>", page.text)


async def test_a_multipart_finding_over_the_api_keeps_its_photo(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.post(
        "/api/assessment/findings",
        data={
            "day": "2026-10-09",
            "rule": "not_cleaned",
            "window_id": str(world.windows[0].id),
            "points": "4",
        },
        files=[("photo", ("floor.png", png(), "image/png"))],
        headers=world.auth(DIRECTOR),
    )
    assert response.status_code == 201, response.text
    read = response.json()
    assert (read["rule"], read["effect"], read["has_photo"], read["staff_id"]) == (
        "not_cleaned",
        -4,
        True,
        None,
    )
    assert read["entered_by"] == "大厅主任"


# ---- bad input ---------------------------------------------------------------------------------------------


# What a spot check gets wrong -> the status and the start of the Chinese detail.
BAD_FINDINGS = [
    ({"staff_id": "zhang"}, 422, "人员：这一天不在这个窗口"),
    ({"rule": "untidy_desk", "points": 6}, 422, "分值：应在 1 到 5 分之间"),
    ({"rule": "late"}, 422, "扣分项：没有这个可录入的扣分项"),
    ({"rule": None}, 422, "扣分项：必须填写"),
    ({"day": "tomorrow"}, 422, "日期：不能晚于今天"),
    ({"day": "2026-10-32"}, 422, "日期："),
    ({"window_id": "other", "staff_id": None}, 404, "没有找到编号为 {other} 的窗口"),
]


async def test_a_bad_finding_is_refused_in_chinese_and_nothing_is_stored(
    client: AsyncTestClient, world: World
) -> None:
    stand_ins = {
        "zhang": world.staff[2].id,
        "other": world.other_window.id,
        "tomorrow": (today() + dt.timedelta(days=1)).isoformat(),
    }
    for fields, status, detail in BAD_FINDINGS:
        body = spot_check(world, **{key: stand_ins.get(value, value) for key, value in fields.items()})
        response = await client.post("/api/assessment/findings", json=body, headers=world.auth(INSPECTOR))
        assert response.status_code == status, (fields, response.text)
        assert response.json()["detail"].startswith(detail.format(other=world.other_window.id)), fields
    assert await Finding.count() == 0


async def test_a_malformed_month_or_quarter_is_refused_in_chinese(
    client: AsyncTestClient, world: World
) -> None:
    for url, message in (
        ("/api/assessment/months/2026-13", "月份：格式不正确，应为 YYYY-MM"),
        (f"/api/assessment/windows/{world.windows[0].id}/months/October", "月份：格式不正确，应为 YYYY-MM"),
        ("/api/assessment/quarters/2026-Q5", "季度：格式不正确，应为 YYYY-Qn，如 2026-Q3"),
    ):
        response = await client.get(url, headers=world.auth(DIRECTOR))
        assert (response.status_code, response.json()["detail"]) == (422, message), url
    page = await client.get("/assessment/quarters", params={"quarter": "Q3"}, headers=world.cookie(DIRECTOR))
    assert page.status_code == 422 and "格式不正确，应为 YYYY-Qn" in page.text


async def test_a_refused_form_shows_why_keeps_what_was_typed_and_records_none_of_the_rules(
    client: AsyncTestClient, world: World
) -> None:
    fields = {
        "window_id": str(world.windows[0].id),
        "staff_id": str(world.staff[0].id),
        "day": "2026-10-20",
        "rule": ["no_badge", "untidy_desk"],
        "points.untidy_desk": "9",
        "evidence": "下午巡查",
    }
    refused = await client.post("/assessment/inspect", data=fields, headers=world.cookie(INSPECTOR))
    assert refused.status_code == 422
    assert re.search(r'<em class="error">应在 1 到 5 分之间</em>', refused.text)
    assert "下午巡查</textarea>" in refused.text
    assert re.search(r'value="no_badge" checked', refused.text) and re.search(
        r'value="untidy_desk" checked', refused.text
    )
    assert 'name="points.untidy_desk" min="1" max="5" inputmode="numeric" value="9"' in refused.text
    assert await Finding.count() == 0, "the first rule was not recorded without the second"

    nothing_ticked = await client.post(
        "/assessment/inspect", data={**fields, "rule": []}, headers=world.cookie(INSPECTOR)
    )
    assert nothing_ticked.status_code == 422 and "请至少选择一项" in nothing_ticked.text
    not_a_photo = await client.post(
        "/assessment/inspect",
        data={**fields, "rule": ["no_badge"]},
        files=[("photo", ("desk.jpg", b"%PDF-1.4 not a photo", "image/jpeg"))],
        headers=world.cookie(INSPECTOR),
    )
    assert not_a_photo.status_code == 422 and "文件“desk.jpg”不是图片" in not_a_photo.text
    assert await Finding.count() == 0


# ---- reversals ---------------------------------------------------------------------------------------------


async def test_the_director_reverses_a_finding_with_a_reason(client: AsyncTestClient, world: World) -> None:
    finding = await enter(client, world)
    url = f"/api/assessment/findings/{finding['id']}/reverse"
    refused = await client.post(url, json={"reason": "误记"}, headers=world.auth(INSPECTOR))
    assert refused.status_code == 403 and refused.json()["detail"] == "您的角色无权进行此操作"
    for body in ({}, {"reason": "   "}):
        without = await client.post(url, json=body, headers=world.auth(DIRECTOR))
        assert without.status_code == 422 and without.json()["detail"].startswith("撤销原因：")
    assert await Finding.count() == 1

    reversed_finding = await client.post(
        url, json={"reason": "当事人当天佩证，系误记"}, headers=world.auth(DIRECTOR)
    )
    assert reversed_finding.status_code == 200, reversed_finding.text
    assert reversed_finding.json()["reversed_by_id"] is not None
    again = await client.post(url, json={"reason": "再撤一次"}, headers=world.auth(DIRECTOR))
    assert again.status_code == 409 and again.json()["detail"] == "这条考核记录已撤销"

    window = await client.get(
        f"/api/assessment/windows/{world.windows[0].id}/months/{OCTOBER}", headers=world.auth(DIRECTOR)
    )
    read = window.json()
    assert read["score"]["total"] == 100 and [f["effect"] for f in read["findings"]] == [-1, 1]
    assert read["findings"][1]["reason"] == "当事人当天佩证，系误记"

    page = await client.get(
        f"/assessment/windows/{world.windows[0].id}",
        params={"month": OCTOBER},
        headers=world.cookie(DIRECTOR),
    )
    line = row(page.text, "data-finding-id", finding["id"])
    assert "已撤销：当事人当天佩证，系误记" in line and 'class="reverse-form"' not in line
    assert re.search(
        rf'<tr data-finding-id="{finding["id"]}" data-rule="no_badge" class="reversed">', page.text
    )


async def test_a_reversal_on_the_page_needs_a_reason(client: AsyncTestClient, world: World) -> None:
    finding = await enter(client, world)
    url = f"/assessment/findings/{finding['id']}/reverse"
    without = await client.post(url, data={"back": "window", "reason": " "}, headers=world.cookie(DIRECTOR))
    assert without.status_code == 422 and re.search(
        r'id="reverse-\d+">.*?<em class="error">必须填写</em>', without.text, re.S
    )
    assert await Finding.count() == 1
    refused = await client.post(url, data={"reason": "误记"}, headers=world.cookie(INSPECTOR))
    assert refused.status_code == 403
    done = await client.post(
        url, data={"back": "staff", "reason": "误记"}, headers=world.cookie(DIRECTOR), follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/assessment/staff/{world.staff[0].id}?month={OCTOBER}"
    assert await Finding.count() == 2


# ---- what window staff see ---------------------------------------------------------------------------------


# 王芳 (the world's staff account, at window 1) forgot her afternoon end punch on 10-14.
@pytest.mark.parametrize("forgotten", [{(0, "2026-10-14"): WINTER_DAY[:3]}])
async def test_window_staff_see_their_own_score_and_window_and_nobody_elses(
    client: AsyncTestClient, world: World
) -> None:
    wang = world.staff[0].id
    badge = await enter(client, world, day="2026-10-15")
    await client.post(
        f"/api/assessment/findings/{badge['id']}/reverse",
        json={"reason": "已核实佩证"},
        headers=world.auth(DIRECTOR),
    )
    mine = await client.get(f"/api/assessment/staff/{wang}/months/{OCTOBER}", headers=world.auth(STAFF))
    assert mine.status_code == 200 and mine.json()["score"]["total"] == 99
    window = await client.get(
        f"/api/assessment/windows/{world.windows[0].id}/months/{OCTOBER}", headers=world.auth(STAFF)
    )
    assert window.status_code == 200 and window.json()["score"]["total"] == 99

    for url, status, detail in (
        (f"/api/assessment/staff/{world.staff[1].id}/months/{OCTOBER}", 403, "只能查看本人的考核"),
        (
            f"/api/assessment/windows/{world.windows[1].id}/months/{OCTOBER}",
            403,
            "只能查看和填报本人所在窗口的考核",
        ),
        (f"/api/assessment/staff/{world.other_staff.id}/months/{OCTOBER}", 404, None),
        (f"/api/assessment/windows/{world.other_window.id}/months/{OCTOBER}", 404, None),
        (f"/api/assessment/months/{OCTOBER}", 403, "您的角色无权进行此操作"),
    ):
        response = await client.get(url, headers=world.auth(STAFF))
        assert response.status_code == status, url
        if detail:
            assert response.json()["detail"] == detail

    page = await client.get("/assessment/my-score", params={"month": OCTOBER}, headers=world.cookie(STAFF))
    assert page.status_code == 200 and "我的考核" in page.text
    assert re.search(r"<strong data-total>99</strong>", page.text)
    lines = re.findall(
        r'<li data-finding-id="\d+" data-rule="(\w+)"( class="reversed")?>(.*?)</li>', page.text, re.S
    )
    assert [(rule, bool(reversed_), text_of(body)) for rule, reversed_, body in lines] == [
        ("missing_punch", False, "10月14日 缺卡未补 −1（考勤）：下午下班 缺卡 · 考勤自动"),
        (
            "no_badge",
            True,
            "10月15日 未佩戴工作证 −1（纪律）：上午10点巡查未佩证 · 督查录入 · 督查员"
            " 已撤销：已核实佩证 · 大厅主任",
        ),
    ]
    assert '<del class="line">10月15日' in page.text and 'class="reverse-form"' not in page.text
    assert f'href="/assessment/windows/{world.windows[0].id}?month={OCTOBER}"' in page.text
    assert 'href="/assessment/my-score"' in page.text, "the staff find it in the navigation"

    own_window = await client.get(
        f"/assessment/windows/{world.windows[0].id}", params={"month": OCTOBER}, headers=world.cookie(STAFF)
    )
    assert own_window.status_code == 200 and "/photo" not in own_window.text
    assert 'id="self-assessment-form"' in own_window.text and 'class="reverse-form"' not in own_window.text
    for url in (
        f"/assessment/windows/{world.windows[1].id}",
        f"/assessment/staff/{world.staff[1].id}",
        "/assessment",
    ):
        assert (await client.get(url, headers=world.cookie(STAFF))).status_code == 403, url


# ---- sign-off ---------------------------------------------------------------------------------------------


async def test_a_month_is_signed_off_once_it_has_ended_and_is_frozen_after(
    client: AsyncTestClient, world: World
) -> None:
    await enter(client, world)
    unfinished = await client.post(
        f"/api/assessment/months/{current_month()}/sign-off", headers=world.auth(DIRECTOR)
    )
    this_month = today()
    assert unfinished.status_code == 409
    assert unfinished.json()["detail"] == f"{this_month.year}年{this_month.month}月尚未结束，不能签发"
    clerk = await client.post(f"/api/assessment/months/{OCTOBER}/sign-off", headers=world.auth(CLERK))
    assert clerk.status_code == 403

    signed = await client.post(f"/api/assessment/months/{OCTOBER}/sign-off", headers=world.auth(DIRECTOR))
    assert signed.status_code == 200, signed.text
    assert (signed.json()["signed_off"], signed.json()["signed_by"], signed.json()["can_sign_off"]) == (
        True,
        "大厅主任",
        False,
    )
    again = await client.post(f"/api/assessment/months/{OCTOBER}/sign-off", headers=world.auth(DIRECTOR))
    assert again.status_code == 409 and again.json()["detail"] == "2026年10月的考核已签发，不能再更改"

    ledger = await Finding.count()
    late = await client.post(
        "/api/assessment/findings", json=spot_check(world, day="2026-10-20"), headers=world.auth(INSPECTOR)
    )
    assert late.status_code == 409 and late.json()["detail"] == "2026年10月的考核已签发，不能再更改"
    assert await Finding.count() == ledger

    page = await client.get("/assessment", params={"month": OCTOBER}, headers=world.cookie(DIRECTOR))
    assert re.search(
        r'<section class="card" id="sign-off" data-signed="true">\s*<strong>已签发</strong>', page.text
    )
    assert 'id="sign-off-form"' not in page.text
    window = await client.get(
        f"/assessment/windows/{world.windows[0].id}",
        params={"month": OCTOBER},
        headers=world.cookie(DIRECTOR),
    )
    assert 'class="reverse-form"' not in window.text and 'id="self-assessment-form"' not in window.text


async def test_signing_off_on_the_page(client: AsyncTestClient, world: World) -> None:
    fields = {"hall_id": str(world.town.id), "month": OCTOBER}
    done = await client.post(
        "/assessment/sign-off", data=fields, headers=world.cookie(DIRECTOR), follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/assessment?hall_id={world.town.id}&month={OCTOBER}"
    assert await MonthSignOff.count() == 1
    again = await client.post("/assessment/sign-off", data=fields, headers=world.cookie(DIRECTOR))
    assert (
        again.status_code == 409
        and '<div class="alert" role="alert">2026年10月的考核已签发，不能再更改</div>' in again.text
    )
    unfinished = await client.post(
        "/assessment/sign-off", data={**fields, "month": current_month()}, headers=world.cookie(DIRECTOR)
    )
    assert unfinished.status_code == 409 and "尚未结束，不能签发" in unfinished.text


# ---- self-assessment ---------------------------------------------------------------------------------------


async def test_the_window_files_its_self_assessment_and_another_windows_staff_cannot(
    client: AsyncTestClient, world: World
) -> None:
    own = f"/api/assessment/windows/{world.windows[0].id}/self-assessments/{OCTOBER}"
    body = {"hygiene": 2, "text": "本月卫生有一次未达标，已整改"}
    filed = await client.post(own, json=body, headers=world.auth(STAFF))
    assert filed.status_code == 200, filed.text
    read = filed.json()
    assert (read["total"], read["filed"], read["late"], read["filed_by"]) == (98, True, True, "窗口工作人员")
    other = await client.post(
        f"/api/assessment/windows/{world.windows[1].id}/self-assessments/{OCTOBER}",
        json=body,
        headers=world.auth(STAFF),
    )
    assert other.status_code == 403 and other.json()["detail"] == "只能查看和填报本人所在窗口的考核"
    too_much = await client.post(own, json={**body, "hygiene": 11}, headers=world.auth(STAFF))
    assert too_much.status_code == 422 and too_much.json()["detail"] == "卫生：不能超过该类扣分上限 10 分"
    inspector = await client.post(own, json=body, headers=world.auth(INSPECTOR))
    assert inspector.status_code == 403
    assert await SelfAssessment.count() == 1

    listed = await client.get(
        "/api/assessment/self-assessments", params={"month": OCTOBER}, headers=world.auth(CLERK)
    )
    assert [(item["window_name"], item["filed"], item["late"]) for item in listed.json()] == [
        ("民政窗口", True, True),
        ("社保窗口", False, True),
    ]

    # On the page: the self-assessment beside the computed score, category by category.
    url = f"/assessment/windows/{world.windows[0].id}"
    page = await client.get(url, params={"month": OCTOBER}, headers=world.cookie(STAFF))
    hygiene = row(page.text, "data-category", "hygiene")
    assert (cell(hygiene, "data-score"), cell(hygiene, "data-self"), cell(hygiene, "data-self-score")) == (
        "10",
        "2",
        "8",
    )
    assert re.search(r"<td data-self-total>98</td>", page.text) and "逾期提交" in page.text
    assert 'name="hygiene" value="2"' in page.text, "the form shows what was filed"

    missing = await client.post(
        url + "/self-assessment", data={"month": OCTOBER, "hygiene": "1"}, headers=world.cookie(STAFF)
    )
    assert missing.status_code == 422 and re.search(
        r"</textarea>\s*<em class=\"error\">必须填写</em>", missing.text
    )
    assert 'name="hygiene" value="1"' in missing.text
    refiled = await client.post(
        url + "/self-assessment",
        data={"month": OCTOBER, "discipline": "1", "text": "补充：有一次未佩证"},
        headers=world.cookie(STAFF),
        follow_redirects=False,
    )
    assert refiled.status_code == 303 and refiled.headers["location"] == f"{url}?month={OCTOBER}"
    stored = await SelfAssessment.select().output(load_json=True).first()
    assert (stored["total"], stored["categories"]["discipline"], stored["text"]) == (
        99,
        1,
        "补充：有一次未佩证",
    )
    others = await client.post(
        f"/assessment/windows/{world.windows[1].id}/self-assessment",
        data={"month": OCTOBER, "text": "x"},
        headers=world.cookie(STAFF),
    )
    assert others.status_code == 403


# ---- the rules ---------------------------------------------------------------------------------------------


async def test_the_rules_page_and_a_rule_added_from_today(client: AsyncTestClient, world: World) -> None:
    clerk = await client.get("/assessment/rules", headers=world.cookie(CLERK))
    assert clerk.status_code == 200
    assert "未佩戴工作证" in clerk.text and 'id="rule-form"' not in clerk.text
    assert 'href="/settings"' in clerk.text and "每月加分上限" in clerk.text
    untidy = row(clerk.text, "data-rule", "untidy_desk")
    assert cell(untidy, "data-points") == "−5 (1–5)" and "督查录入" in untidy and "默认" in untidy

    page = await client.get(
        "/assessment/rules", params={"code": "untidy_desk"}, headers=world.cookie(DIRECTOR)
    )
    assert 'id="rule-form"' in page.text and 'name="code" value="untidy_desk"' in page.text
    assert 'name="max_points" value="5"' in page.text

    past = await client.post(
        "/api/assessment/rules",
        json={
            "code": "phone_at_desk",
            "name": "工作时间玩手机",
            "category": "discipline",
            "points": 2,
            "min_points": 1,
            "max_points": 5,
            "effective_from": (today() - dt.timedelta(days=1)).isoformat(),
        },
        headers=world.auth(DIRECTOR),
    )
    assert past.status_code == 422 and past.json()["detail"] == "生效日期：不能早于今天：规则只对今后生效"
    refused = await client.post("/assessment/rules", data={"code": "x"}, headers=world.cookie(INSPECTOR))
    assert refused.status_code == 403
    bad = await client.post(
        "/assessment/rules",
        data={
            "hall_id": str(world.town.id),
            "code": "phone_at_desk",
            "name": "工作时间玩手机",
            "category": "discipline",
            "points": "6",
            "min_points": "1",
            "max_points": "5",
            "target": "both",
            "bonus": "false",
            "active": "true",
            "effective_from": today().isoformat(),
        },
        headers=world.cookie(DIRECTOR),
    )
    assert (
        bad.status_code == 422
        and "应在最低分值与最高分值之间" in bad.text
        and 'value="工作时间玩手机"' in bad.text
    )
    assert await ScoreRule.count() == 0

    added = await client.post(
        "/assessment/rules",
        data={
            "hall_id": str(world.town.id),
            "code": "phone_at_desk",
            "name": "工作时间玩手机",
            "category": "discipline",
            "points": "2",
            "min_points": "1",
            "max_points": "5",
            "target": "person",
            "bonus": "false",
            "active": "true",
            "effective_from": today().isoformat(),
            "reason": "整治工作纪律",
        },
        headers=world.cookie(DIRECTOR),
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    rules = await client.get(
        "/api/assessment/rules", params={"on": today().isoformat()}, headers=world.auth(INSPECTOR)
    )
    phone = next(rule for rule in rules.json() if rule["code"] == "phone_at_desk")
    assert (phone["points"], phone["target"], phone["manual"], phone["effective_from"]) == (
        2,
        "person",
        True,
        today().isoformat(),
    )
    earlier = await client.get(
        "/api/assessment/rules", params={"on": "2026-10-01"}, headers=world.auth(INSPECTOR)
    )
    assert "phone_at_desk" not in {rule["code"] for rule in earlier.json()}
    form = await client.get("/assessment/inspect", headers=world.cookie(INSPECTOR))
    assert 'value="phone_at_desk"' in form.text and 'name="points.phone_at_desk"' in form.text


# ---- the quarter -------------------------------------------------------------------------------------------


async def test_the_quarter_is_published_once_its_months_are_signed_off(
    client: AsyncTestClient, world: World
) -> None:
    people = [person.id for person in world.staff]
    await attend(world, people, dt.date(2026, 7, 1), dt.date(2026, 8, 31), SUMMER_DAY)
    for rule in ("untidy_desk", "not_cleaned"):  # 社保窗口 loses its 10 hygiene points in July
        await enter(client, world, day="2026-07-20", rule=rule, window_id=world.windows[1].id, staff_id=None)

    report = await client.get("/api/assessment/quarters/2026-Q3", headers=world.auth(CLERK))
    assert report.status_code == 200, report.text
    read = report.json()
    assert (
        read["unsigned_months"] == ["2026-07-01", "2026-08-01", "2026-09-01"] and read["published"] is False
    )
    assert [
        (line["window_name"], line["monthly"], line["score"], line["grade"]) for line in read["lines"]
    ] == [
        ("民政窗口", [100, 100, 100], "100.00", "excellent"),
        ("社保窗口", [90, 100, 100], "96.67", "excellent"),
    ]
    early = await client.post(
        "/api/assessment/quarters/2026-Q3/publish", json={}, headers=world.auth(DIRECTOR)
    )
    assert (
        early.status_code == 409
        and early.json()["detail"] == "2026-07、2026-08、2026-09尚未签发，不能公示本季度"
    )

    page = await client.get(
        "/assessment/quarters", params={"quarter": "2026-Q3"}, headers=world.cookie(DIRECTOR)
    )
    assert page.status_code == 200
    assert "以下月份尚未签发，排名还可能变化：2026-07, 2026-08, 2026-09" in page.text
    assert 'id="publish-form"' not in page.text and "三个月全部签发后才能公示" in page.text
    social = row(page.text, "data-window-id", world.windows[1].id)
    assert cell(social, "data-score") == "96.67" and cell(social, "data-grade-label") == "优胜窗口"
    assert re.search(
        rf'<tr data-window-id="{world.windows[1].id}" data-grade="excellent" class="excellent">', page.text
    )

    for month_text in ("2026-07", "2026-08", "2026-09"):
        signed = await client.post(
            f"/api/assessment/months/{month_text}/sign-off", headers=world.auth(DIRECTOR)
        )
        assert signed.status_code == 200, signed.text
    page = await client.get(
        "/assessment/quarters", params={"quarter": "2026-Q3"}, headers=world.cookie(DIRECTOR)
    )
    assert 'id="unsigned"' not in page.text and 'id="publish-form"' in page.text
    choices = re.findall(
        r'<option value="(\d+)"( selected)?>',
        re.search(r'name="star_staff_id">(.*?)</select>', page.text, re.S).group(1),
    )
    proposal = read["proposed_star"]["staff_id"]
    assert (str(proposal), " selected") in choices
    star = next(int(value) for value, _ in choices if int(value) != proposal)
    clerk = await client.get(
        "/assessment/quarters", params={"quarter": "2026-Q3"}, headers=world.cookie(CLERK)
    )
    assert 'id="publish-form"' not in clerk.text

    published = await client.post(
        "/assessment/quarters/publish",
        data={"hall_id": str(world.town.id), "quarter": "2026-Q3", "star_staff_id": str(star)},
        headers=world.cookie(DIRECTOR),
        follow_redirects=False,
    )
    assert published.status_code == 303, published.text
    again = await client.post(
        "/api/assessment/quarters/2026-Q3/publish", json={}, headers=world.auth(DIRECTOR)
    )
    assert again.status_code == 409 and again.json()["detail"] == "2026-Q3的考核结果已公示"
    final = (await client.get("/api/assessment/quarters/2026-Q3", headers=world.auth(CLERK))).json()
    assert final["published"] and final["star"]["staff_id"] == star and final["published_by"] == "大厅主任"
    page = await client.get(
        "/assessment/quarters", params={"quarter": "2026-Q3"}, headers=world.cookie(DIRECTOR)
    )
    assert 'id="published" data-published="true"' in page.text and 'id="publish-form"' not in page.text
    assert re.search(r'<p id="quarter-star"><strong>季度服务明星：</strong>', page.text)
