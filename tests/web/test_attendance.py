"""Attendance over HTTP: the JSON API (punches, the board, requests and their approval, month
close) and the pages (the board and its partial, punches, requests, months, the summary, a
person's and a window's month).

"Now" is the real clock of the web layer, so every day here is chosen relative to today in
the halls' time zone, on the national calendar (weekends and holidays skipped)."""

from __future__ import annotations

import datetime as dt
import re

from litestar.testing import AsyncTestClient

from attendance.tables import AttendanceRequest, MonthEvent, Punch, RequestStatus
from hall.calendar import LIBRARY_YEARS, build_calendar
from hall.config import get_config
from hall.roles import Role
from tests.conftest import World

# Arrive on time, stay to the end: on time in both seasons (winter 13:30-16:30, summer 14:00-17:00).
FULL_DAY = ("08:00:00", "11:00:00", "13:30:00", "17:00:00")


def now() -> dt.datetime:
    return dt.datetime.now(get_config().timezone).replace(tzinfo=None, microsecond=0)


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    return build_calendar(start=start, end=end).working_days(start, end)


def last_working_day() -> dt.date:
    """The latest working day before today."""
    today = now().date()
    return working_days(today - dt.timedelta(days=20), today - dt.timedelta(days=1))[-1]


def next_working_day() -> dt.date:
    today = now().date()
    return working_days(today + dt.timedelta(days=1), today + dt.timedelta(days=20))[0]


def last_month() -> dt.date:
    """The latest finished month that can be closed: one whose national calendar is known."""
    month = (now().date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    while month.year not in LIBRARY_YEARS:
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def month_text(day: dt.date) -> str:
    return day.strftime("%Y-%m")


async def punch(
    client: AsyncTestClient, world: World, at: dt.datetime | str, *, person: int = 0, **extra: object
):
    body = {
        "staff_id": world.staff[person].id,
        "punched_at": at if isinstance(at, str) else at.isoformat(),
        "reason": "忘记打卡",
        **extra,
    }
    return await client.post("/api/attendance/punches", json=body, headers=world.auth(Role.CLERK))


async def full_day(client: AsyncTestClient, world: World, day: dt.date, *, person: int = 0) -> None:
    for time in FULL_DAY:
        at = dt.datetime.combine(day, dt.time.fromisoformat(time))
        response = await punch(client, world, at, person=person, source="face", device="T1", reason="")
        assert response.status_code == 201, response.text


async def submit_leave(client: AsyncTestClient, world: World, *, person: int = 0, **extra: object):
    body = {
        "kind": "leave",
        "staff_id": world.staff[person].id,
        "leave_type": "personal",
        "first_day": next_working_day().isoformat(),
        "reason": "家中有事",
        **extra,
    }
    return await client.post("/api/attendance/requests", json=body, headers=world.auth(Role.CLERK))


# ---- the API: punches -----------------------------------------------------------------


async def test_a_punch_is_stored_once_however_often_it_is_sent(client: AsyncTestClient, world: World) -> None:
    at = now() - dt.timedelta(minutes=1)
    first = await punch(client, world, at)
    assert first.status_code == 201
    assert first.json()["created"] and first.json()["punch"]["reason"] == "忘记打卡"
    again = await punch(client, world, at)
    assert again.status_code == 200 and not again.json()["created"]
    assert again.json()["punch"]["id"] == first.json()["punch"]["id"]
    assert await Punch.count() == 1


async def test_a_punch_in_the_future_is_refused_in_chinese(client: AsyncTestClient, world: World) -> None:
    response = await punch(client, world, now() + dt.timedelta(minutes=10))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "punched_at", "label": "打卡时间", "message": "不能晚于当前时间 5 分钟以上"}
    ]
    assert await Punch.count() == 0


async def test_a_malformed_time_is_refused(client: AsyncTestClient, world: World) -> None:
    response = await punch(client, world, "明天早上八点")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "punched_at"
    assert response.json()["detail"] == "打卡时间：时间格式不正确，应为 YYYY-MM-DD HH:MM:SS"


async def test_an_unknown_person_is_refused(client: AsyncTestClient, world: World) -> None:
    at = (now() - dt.timedelta(minutes=1)).isoformat()
    for staff_id in (987654, world.other_staff.id):
        response = await client.post(
            "/api/attendance/punches",
            json={"staff_id": staff_id, "punched_at": at, "reason": "忘记打卡"},
            headers=world.auth(Role.CLERK),
        )
        assert (response.status_code, response.json()["detail"]) == (422, "人员：没有这个人员")
    assert await Punch.count() == 0


# ---- the API: the board and the months --------------------------------------------------


async def test_the_board_lists_the_punched_person_as_in(client: AsyncTestClient, world: World) -> None:
    day = last_working_day()
    await full_day(client, world, day)
    response = await client.get(
        "/api/attendance/board", params={"day": day.isoformat()}, headers=world.auth(Role.INSPECTOR)
    )
    assert response.status_code == 200
    board = response.json()
    states = {p["staff_id"]: p["state"] for w in board["windows"] for p in w["people"]}
    assert states == {world.staff[0].id: "in", world.staff[1].id: "absent", world.staff[2].id: "absent"}
    assert board["counts"]["in"] == 1 and board["counts"]["absent"] == 2
    person = next(p for w in board["windows"] for p in w["people"] if p["staff_id"] == world.staff[0].id)
    assert (person["first_punch"], person["last_punch"]) == ("08:00:00", "17:00:00")


async def test_staff_read_their_own_month(client: AsyncTestClient, world: World) -> None:
    day = last_working_day()
    await full_day(client, world, day)
    response = await client.get(
        "/api/attendance/me/month", params={"month": month_text(day)}, headers=world.auth(Role.STAFF)
    )
    assert response.status_code == 200
    month = response.json()
    assert (month["staff_id"], month["staff_name"]) == (world.staff[0].id, "王芳")
    shown = next(item for item in month["days"] if item["day"] == day.isoformat())
    assert [s["status"] for s in shown["sessions"]] == ["attended", "attended"]
    assert len(shown["punches"]) == 4
    assert month["summary"]["days_present"] >= 1
    refused = await client.get(
        f"/api/attendance/staff/{world.staff[1].id}/month", headers=world.auth(Role.STAFF)
    )
    assert refused.status_code == 403


async def test_a_bad_month_text_is_refused(client: AsyncTestClient, world: World) -> None:
    for text in ("2026-13", "十一月"):
        response = await client.get(
            "/api/attendance/summary", params={"month": text}, headers=world.auth(Role.CLERK)
        )
        assert (response.status_code, response.json()["detail"]) == (422, "月份：格式不正确，应为 YYYY-MM")


async def test_a_closed_month_refuses_a_manual_punch_until_the_director_reopens_it(
    client: AsyncTestClient, world: World
) -> None:
    month = last_month()
    path = f"/api/attendance/months/{world.town.id}"
    closed = await client.post(
        f"{path}/close", json={"month": month_text(month)}, headers=world.auth(Role.CLERK)
    )
    assert closed.status_code == 200 and closed.json()["closed"]

    inside = dt.datetime.combine(month.replace(day=15), dt.time(9, 0))
    refused = await punch(client, world, inside)
    assert refused.status_code == 409
    assert refused.json()["detail"] == f"{month.year}年{month.month}月的考勤已关账，不能再更改"
    assert await Punch.count() == 0

    body = {"month": month_text(month), "reason": "补录病假"}
    assert (await client.post(f"{path}/reopen", json=body, headers=world.auth(Role.CLERK))).status_code == 403
    no_reason = await client.post(
        f"{path}/reopen", json={"month": month_text(month)}, headers=world.auth(Role.DIRECTOR)
    )
    assert no_reason.status_code == 422
    reopened = await client.post(f"{path}/reopen", json=body, headers=world.auth(Role.DIRECTOR))
    assert reopened.status_code == 200
    state = reopened.json()
    assert not state["closed"]
    assert [(e["action"], e["reason"], e["actor"]) for e in state["history"]] == [
        ("close", "", "考勤员"),
        ("reopen", "补录病假", "大厅主任"),
    ]
    assert (await punch(client, world, inside)).status_code == 201


async def test_the_current_month_cannot_be_closed(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        f"/api/attendance/months/{world.town.id}/close",
        json={"month": month_text(now().date())},
        headers=world.auth(Role.CLERK),
    )
    assert (response.status_code, response.json()["detail"]) == (422, "月份：这个月还没有结束，不能关账")
    assert await MonthEvent.count() == 0


# ---- the API: requests ------------------------------------------------------------------


async def test_staff_cannot_ask_for_someone_else(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/attendance/requests",
        json={
            "kind": "leave",
            "staff_id": world.staff[1].id,
            "leave_type": "sick",
            "first_day": next_working_day().isoformat(),
            "reason": "感冒",
        },
        headers=world.auth(Role.STAFF),
    )
    assert (response.status_code, response.json()["detail"]) == (403, "只能为自己提交申请")
    assert await AttendanceRequest.count() == 0


async def test_leave_is_approved_only_with_a_substitute(client: AsyncTestClient, world: World) -> None:
    submitted = await submit_leave(client, world)
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()["id"]
    approve = f"/api/attendance/requests/{request_id}/approve"

    by_clerk = await client.post(
        approve, json={"substitute_id": world.staff[1].id}, headers=world.auth(Role.CLERK)
    )
    assert by_clerk.status_code == 403
    without = await client.post(approve, json={"note": "同意"}, headers=world.auth(Role.DIRECTOR))
    assert without.status_code == 422
    assert without.json()["errors"][0]["message"] == "批准请假必须指定顶岗人员"
    assert "批准请假必须指定顶岗人员" in without.json()["detail"]

    approved = await client.post(
        approve, json={"note": "同意", "substitute_id": world.staff[1].id}, headers=world.auth(Role.DIRECTOR)
    )
    assert approved.status_code == 200
    read = approved.json()
    assert (read["status"], read["substitute_name"], read["decision_note"]) == ("approved", "李强", "同意")
    assert [e["action"] for e in read["history"]] == ["submitted", "approved"]


async def test_window_staff_see_only_their_own_requests(client: AsyncTestClient, world: World) -> None:
    assert (await submit_leave(client, world, person=0)).status_code == 201
    assert (await submit_leave(client, world, person=2)).status_code == 201
    listed = await client.get("/api/attendance/requests", headers=world.auth(Role.STAFF))
    assert [item["staff_id"] for item in listed.json()] == [world.staff[0].id]
    assert len((await client.get("/api/attendance/requests", headers=world.auth(Role.CLERK))).json()) == 2


# ---- pages: the board ---------------------------------------------------------------------


async def test_the_board_page_shows_each_window_and_refreshes_itself(
    client: AsyncTestClient, world: World
) -> None:
    day = last_working_day()
    await full_day(client, world, day)
    for role in (Role.CLERK, Role.DIRECTOR, Role.INSPECTOR, Role.ADMIN):
        page = await client.get(
            "/attendance",
            params={"hall_id": world.town.id, "day": day.isoformat()},
            headers=world.cookie(role),
        )
        assert page.status_code == 200, role
        assert "考勤看板" in page.text and "民政窗口" in page.text and "社保窗口" in page.text
    assert 'data-refresh="30"' in page.text
    assert (
        f'data-url="/attendance/board/partial?hall_id={world.town.id}&amp;day={day.isoformat()}"' in page.text
    )
    row = re.search(
        rf'<tr data-staff-id="{world.staff[0].id}" data-state="(\w+)">(.*?)</tr>', page.text, re.S
    )
    assert row is not None and row.group(1) == "in"
    assert "在岗" in row.group(2) and "08:00:00" in row.group(2) and "17:00:00" in row.group(2)
    assert '<li class="badge state-absent" data-state="absent">旷工 <strong>2</strong></li>' in page.text

    quick = await client.get("/attendance", params={"refresh": 2}, headers=world.cookie(Role.CLERK))
    assert 'data-refresh="2"' in quick.text
    assert 'href="/attendance/punches?' in quick.text  # the clerk may correct, the inspector only watches
    inspector = await client.get("/attendance", headers=world.cookie(Role.INSPECTOR))
    assert inspector.status_code == 200 and 'href="/attendance/punches?' not in inspector.text
    lazy = await client.get("/attendance", params={"refresh": 10**9}, headers=world.cookie(Role.CLERK))
    assert 'data-refresh="3600"' in lazy.text
    for role in (Role.STAFF, Role.COMPLAINT_OFFICER):
        assert (await client.get("/attendance", headers=world.cookie(role))).status_code == 403


async def test_the_board_partial_is_the_board_alone(client: AsyncTestClient, world: World) -> None:
    partial = await client.get("/attendance/board/partial", headers=world.cookie(Role.CLERK))
    assert partial.status_code == 200
    assert "<html" not in partial.text and "<nav" not in partial.text
    assert f'data-staff-id="{world.staff[2].id}"' in partial.text


async def test_the_board_names_a_holiday(client: AsyncTestClient, world: World) -> None:
    page = await client.get("/attendance", params={"day": "2026-10-01"}, headers=world.cookie(Role.CLERK))
    assert page.status_code == 200
    assert "非工作日" in page.text and "国庆节" in page.text


async def test_the_board_in_english(client: AsyncTestClient, world: World) -> None:
    cookie = world.cookie(Role.CLERK)["Cookie"]
    page = await client.get("/attendance", headers={"Cookie": f"lang=en; {cookie}"})
    assert page.status_code == 200
    assert "Attendance board" in page.text and "考勤看板" not in page.text


# ---- pages: punches ------------------------------------------------------------------------


async def test_the_punch_page_lists_the_day_and_keeps_ignored_punches(
    client: AsyncTestClient, world: World
) -> None:
    day = last_working_day()
    await full_day(client, world, day)
    night = dt.datetime.combine(day, dt.time(3, 0))
    assert (await punch(client, world, night, person=1)).status_code == 201
    page = await client.get(
        "/attendance/punches", params={"day": day.isoformat()}, headers=world.cookie(Role.CLERK)
    )
    assert page.status_code == 200
    assert page.text.count(f'<tr data-staff-id="{world.staff[0].id}">') == 4
    ignored = re.search(
        rf'<tr data-staff-id="{world.staff[1].id}" class="ignored">(.*?)</tr>', page.text, re.S
    )
    assert ignored is not None and "不计入" in ignored.group(1) and "03:00:00" in ignored.group(1)
    assert 'type="datetime-local"' in page.text and 'step="1"' in page.text


async def test_a_correction_is_added_from_the_punch_page(client: AsyncTestClient, world: World) -> None:
    day = last_working_day()
    form = {
        "hall_id": str(world.town.id),
        "staff_id": str(world.staff[2].id),
        "punched_at": f"{day.isoformat()}T08:05:09",
        "reason": "人脸识别故障",
        "source": "face",  # ignored: the form enters manual punches only
    }
    response = await client.post(
        "/attendance/punches", data=form, headers=world.cookie(Role.CLERK), follow_redirects=False
    )
    assert response.status_code == 303
    assert (
        response.headers["location"] == f"/attendance/punches?hall_id={world.town.id}&day={day.isoformat()}"
    )
    stored = await Punch.select().first()
    assert (stored["source"], stored["reason"], stored["punched_at"].time()) == (
        "manual",
        "人脸识别故障",
        dt.time(8, 5, 9),
    )


async def test_a_correction_without_a_reason_is_shown_again(client: AsyncTestClient, world: World) -> None:
    typed = f"{last_working_day().isoformat()}T08:05:09"
    form = {
        "hall_id": str(world.town.id),
        "staff_id": str(world.staff[2].id),
        "punched_at": typed,
        "reason": " ",
    }
    response = await client.post("/attendance/punches", data=form, headers=world.cookie(Role.CLERK))
    assert response.status_code == 422
    assert '<em class="error">手工补录的打卡必须写明原因</em>' in response.text
    assert f'value="{typed}"' in response.text
    assert await Punch.count() == 0


# ---- pages: requests -------------------------------------------------------------------------


async def test_the_request_page_for_the_clerk_and_for_window_staff(
    client: AsyncTestClient, world: World
) -> None:
    assert (await submit_leave(client, world, person=2)).status_code == 201
    clerk = await client.get("/attendance/requests", headers=world.cookie(Role.CLERK))
    assert clerk.status_code == 200
    assert "张敏" in clerk.text and "请假申请" in clerk.text and "补卡申请" in clerk.text
    assert '<select name="staff_id"' in clerk.text

    staff = await client.get("/attendance/requests", headers=world.cookie(Role.STAFF))
    assert staff.status_code == 200
    assert '<select name="staff_id"' not in staff.text and 'value="王芳" disabled' in staff.text
    assert "家中有事" not in staff.text  # 张敏's request is not theirs to see


async def test_window_staff_submit_for_themselves_from_the_page(
    client: AsyncTestClient, world: World
) -> None:
    form = {
        "kind": "leave",
        "staff_id": str(world.staff[1].id),  # ignored: staff ask for themselves
        "leave_type": "sick",
        "first_day": next_working_day().isoformat(),
        "first_session": "morning",
        "last_session": "afternoon",
        "reason": "发烧",
    }
    response = await client.post(
        "/attendance/requests", data=form, headers=world.cookie(Role.STAFF), follow_redirects=False
    )
    assert response.status_code == 303
    stored = await AttendanceRequest.select().first()
    assert stored["staff"] == world.staff[0].id
    assert response.headers["location"] == f"/attendance/requests/{stored['id']}"
    detail = await client.get(response.headers["location"], headers=world.cookie(Role.STAFF))
    assert detail.status_code == 200 and "发烧" in detail.text and "待审批" in detail.text
    assert 'action="/attendance/requests/{}/approve"'.format(stored["id"]) not in detail.text


async def test_a_refused_request_form_shows_the_reason(client: AsyncTestClient, world: World) -> None:
    form = {
        "kind": "leave",
        "staff_id": str(world.staff[0].id),
        "first_day": next_working_day().isoformat(),
        "reason": "x",
    }
    response = await client.post("/attendance/requests", data=form, headers=world.cookie(Role.CLERK))
    assert response.status_code == 422
    assert '<em class="error">必须填写</em>' in response.text  # the leave type
    assert await AttendanceRequest.count() == 0


async def test_the_director_decides_on_the_request_page(client: AsyncTestClient, world: World) -> None:
    request_id = (await submit_leave(client, world)).json()["id"]
    path = f"/attendance/requests/{request_id}"
    page = await client.get(path, headers=world.cookie(Role.DIRECTOR))
    assert page.status_code == 200
    assert f'action="{path}/approve"' in page.text and f'action="{path}/refuse"' in page.text

    no_note = await client.post(f"{path}/refuse", data={"note": ""}, headers=world.cookie(Role.DIRECTOR))
    assert no_note.status_code == 422
    assert '<em class="error">不批准时必须写明理由</em>' in no_note.text
    no_substitute = await client.post(
        f"{path}/approve", data={"note": "同意"}, headers=world.cookie(Role.DIRECTOR)
    )
    assert no_substitute.status_code == 422 and "批准请假必须指定顶岗人员" in no_substitute.text

    approved = await client.post(
        f"{path}/approve",
        data={"note": "同意", "substitute_id": str(world.staff[1].id)},
        headers=world.cookie(Role.DIRECTOR),
        follow_redirects=False,
    )
    assert (approved.status_code, approved.headers["location"]) == (303, path)
    shown = await client.get(path, headers=world.cookie(Role.CLERK))
    assert "已批准" in shown.text and "李强" in shown.text and "同意" in shown.text
    assert f'action="{path}/approve"' not in shown.text
    assert (
        await client.post(f"{path}/approve", data={}, headers=world.cookie(Role.CLERK))
    ).status_code == 403


async def test_a_pending_request_is_cancelled_from_its_page(client: AsyncTestClient, world: World) -> None:
    request_id = (await submit_leave(client, world)).json()["id"]
    response = await client.post(
        f"/attendance/requests/{request_id}/cancel", headers=world.cookie(Role.STAFF), follow_redirects=False
    )
    assert response.status_code == 303
    assert (await AttendanceRequest.select().first())["status"] == RequestStatus.CANCELLED
    again = await client.post(f"/attendance/requests/{request_id}/cancel", headers=world.cookie(Role.STAFF))
    assert again.status_code == 409 and "这个申请已经处理过了" in again.text


# ---- pages: months and the summary --------------------------------------------------------------


async def test_the_clerk_closes_and_the_director_reopens_a_month_from_the_page(
    client: AsyncTestClient, world: World
) -> None:
    month = last_month()
    page = await client.get(
        "/attendance/months", params={"month": month_text(month)}, headers=world.cookie(Role.CLERK)
    )
    assert page.status_code == 200 and "未关账" in page.text
    assert f'action="/attendance/months/{world.town.id}/close"' in page.text
    closed = await client.post(
        f"/attendance/months/{world.town.id}/close",
        data={"month": month_text(month)},
        headers=world.cookie(Role.CLERK),
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert (
        closed.headers["location"] == f"/attendance/months?hall_id={world.town.id}&month={month_text(month)}"
    )

    clerk_view = await client.get(closed.headers["location"], headers=world.cookie(Role.CLERK))
    assert 'data-closed="true"' in clerk_view.text and "reopen" not in clerk_view.text
    director_view = await client.get(closed.headers["location"], headers=world.cookie(Role.DIRECTOR))
    assert f'action="/attendance/months/{world.town.id}/reopen"' in director_view.text

    no_reason = await client.post(
        f"/attendance/months/{world.town.id}/reopen",
        data={"month": month_text(month), "reason": ""},
        headers=world.cookie(Role.DIRECTOR),
    )
    assert no_reason.status_code == 422 and '<em class="error">必须填写</em>' in no_reason.text
    reopened = await client.post(
        f"/attendance/months/{world.town.id}/reopen",
        data={"month": month_text(month), "reason": "补录病假"},
        headers=world.cookie(Role.DIRECTOR),
        follow_redirects=False,
    )
    assert reopened.status_code == 303
    shown = await client.get(reopened.headers["location"], headers=world.cookie(Role.CLERK))
    assert 'data-closed="false"' in shown.text and "补录病假" in shown.text


async def test_the_current_month_shows_no_close_button(client: AsyncTestClient, world: World) -> None:
    page = await client.get(
        "/attendance/months", params={"month": month_text(now().date())}, headers=world.cookie(Role.DIRECTOR)
    )
    assert page.status_code == 200 and "这个月还没有结束，结束后才能关账。" in page.text
    refused = await client.post(
        f"/attendance/months/{world.town.id}/close",
        data={"month": month_text(now().date())},
        headers=world.cookie(Role.DIRECTOR),
    )
    assert refused.status_code == 422 and "这个月还没有结束，不能关账" in refused.text


async def test_the_summary_links_each_person_and_window(client: AsyncTestClient, world: World) -> None:
    day = last_working_day()
    await full_day(client, world, day)
    page = await client.get(
        "/attendance/summary", params={"month": month_text(day)}, headers=world.cookie(Role.CLERK)
    )
    assert page.status_code == 200
    for person in world.staff:
        assert f'href="/attendance/staff/{person.id}?month={month_text(day)}">{person.name}</a>' in page.text
    assert f'href="/attendance/windows/{world.windows[1].id}?month={month_text(day)}"' in page.text
    assert "应出勤天数" in page.text and "年休假（天）" in page.text
    assert (
        await client.get("/attendance/summary?month=2026-13", headers=world.cookie(Role.CLERK))
    ).status_code == 422


# ---- pages: a person's and a window's month ------------------------------------------------------


async def test_a_persons_month_is_a_calendar_grid(client: AsyncTestClient, world: World) -> None:
    day = last_working_day()
    await full_day(client, world, day)
    page = await client.get(
        f"/attendance/staff/{world.staff[0].id}",
        params={"month": month_text(day)},
        headers=world.cookie(Role.CLERK),
    )
    assert page.status_code == 200
    cell = re.search(rf'data-day="{day.isoformat()}">(.*?)</td>', page.text, re.S)
    assert cell is not None
    assert cell.group(1).count('class="verdict tone-ok"') == 2
    assert "上午 正常 / 正常" in cell.group(1) and "08:00:00" in cell.group(1)
    assert page.text.count("<tr>") - 1 in (4, 5, 6)  # the weeks, after the weekday header
    assert 'rel="prev"' in page.text and 'rel="next"' in page.text


async def test_a_holiday_is_greyed_with_its_name(client: AsyncTestClient, world: World) -> None:
    page = await client.get(
        f"/attendance/staff/{world.staff[0].id}",
        params={"month": "2026-10"},
        headers=world.cookie(Role.CLERK),
    )
    assert page.status_code == 200
    holiday = re.search(r'<td class="off" data-day="2026-10-01">(.*?)</td>', page.text, re.S)
    assert holiday is not None and '<div class="note">国庆节</div>' in holiday.group(1)
    assert 'class="working" data-day="2026-10-10"' in page.text  # the make-up Saturday


async def test_staff_see_their_own_month(client: AsyncTestClient, world: World) -> None:
    page = await client.get("/attendance/me", headers=world.cookie(Role.STAFF))
    assert page.status_code == 200
    assert "王芳" in page.text and "QS001" in page.text and "李强" not in page.text
    assert 'href="/attendance/me?month=' in page.text
    assert (await client.get("/attendance/me", headers=world.cookie(Role.CLERK))).status_code == 403
    assert (
        await client.get(f"/attendance/staff/{world.staff[0].id}", headers=world.cookie(Role.STAFF))
    ).status_code == 403


async def test_a_windows_month_is_people_by_days(client: AsyncTestClient, world: World) -> None:
    day = last_working_day()
    await full_day(client, world, day, person=1)
    page = await client.get(
        f"/attendance/windows/{world.windows[0].id}",
        params={"month": month_text(day)},
        headers=world.cookie(Role.DIRECTOR),
    )
    assert page.status_code == 200
    assert "王芳" in page.text and "李强" in page.text and "张敏" not in page.text
    row = re.search(rf'<tr data-staff-id="{world.staff[1].id}">(.*?)</tr>', page.text, re.S)
    assert row is not None
    cell = re.search(rf'data-day="{day.isoformat()}">(.*?)</td>', row.group(1), re.S)
    assert cell is not None and cell.group(1).count('data-tone="ok"') == 2
    other = await client.get(
        f"/attendance/windows/{world.other_window.id}", headers=world.cookie(Role.DIRECTOR)
    )
    assert other.status_code == 404
