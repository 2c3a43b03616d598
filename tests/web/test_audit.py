"""The audit trail (issue 9): a change made through the product leaves one entry saying who,
from where, what was before and after; a refused change leaves none; the admin sees every
hall's entries, a director those of their halls, nobody else the page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from litestar.testing import AsyncTestClient

from hall import accounts
from hall.config import get_config
from hall.roles import Role
from hall.schemas import AccountCreate
from hall.tables import AuditEntry, TokenKind
from tests.conftest import PASSWORD, World

# The address Litestar's test client connects from.
CLIENT_ADDRESS = "testclient"


async def only_entry(action: str) -> dict[str, Any]:
    rows = await AuditEntry.select().where(AuditEntry.action == action).output(load_json=True)
    assert len(rows) == 1, rows
    return rows[0]


def by(world: World, role: Role, entry: dict[str, Any]) -> None:
    assert (entry["actor"], entry["actor_name"], entry["address"]) == (
        world.account_ids[role],
        f"{role.label} (test_{role.value})",
        CLIENT_ADDRESS,
    )


def today() -> dt.date:
    return get_config().local_now().date()


async def test_a_setting_change_records_the_value_before_and_after(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.post(
        f"/api/halls/{world.town.id}/settings",
        json={
            "key": "late_after_minutes",
            "value": 5,
            "effective_from": today().isoformat(),
            "reason": "从严",
        },
        headers=world.auth(Role.DIRECTOR),
    )
    assert response.status_code == 201, response.text
    entry = await only_entry("settings.change")
    by(world, Role.DIRECTOR, entry)
    assert (entry["hall"], entry["subject_type"], entry["subject_id"]) == (
        world.town.id,
        "setting",
        "late_after_minutes",
    )
    assert entry["before"] == {"value": 15, "from_hall": None}
    assert entry["after"] == {"value": 5, "effective_from": today().isoformat(), "reason": "从严"}


async def test_a_refused_change_leaves_no_entry(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        f"/api/halls/{world.town.id}/settings",
        json={"key": "late_after_minutes", "value": 500, "effective_from": today().isoformat()},
        headers=world.auth(Role.DIRECTOR),
    )
    assert response.status_code == 422
    assert await AuditEntry.count().where(AuditEntry.action == "settings.change") == 0


async def test_a_punch_entered_by_hand_is_recorded(client: AsyncTestClient, world: World) -> None:
    at = get_config().local_now() - dt.timedelta(minutes=10)
    response = await client.post(
        "/api/attendance/punches",
        json={"staff_id": world.staff[0].id, "punched_at": at.isoformat(), "reason": "忘记打卡"},
        headers=world.auth(Role.CLERK),
    )
    assert response.status_code == 201, response.text
    entry = await only_entry("attendance.punch.manual")
    by(world, Role.CLERK, entry)
    assert (entry["hall"], entry["subject_id"], entry["before"]) == (
        world.town.id,
        str(response.json()["punch"]["id"]),
        None,
    )
    assert entry["after"] == {
        "staff_id": world.staff[0].id,
        "punched_at": at.isoformat(),
        "source": "manual",
        "reason": "忘记打卡",
    }


async def test_a_punch_without_reason_is_refused_and_not_recorded(
    client: AsyncTestClient, world: World
) -> None:
    at = get_config().local_now() - dt.timedelta(minutes=10)
    response = await client.post(
        "/api/attendance/punches",
        json={"staff_id": world.staff[0].id, "punched_at": at.isoformat(), "reason": ""},
        headers=world.auth(Role.CLERK),
    )
    assert response.status_code == 422
    assert await AuditEntry.count().where(AuditEntry.action.like("attendance.%")) == 0


async def test_a_complaint_is_recorded_without_the_complainants_identity(
    client: AsyncTestClient, world: World
) -> None:
    response = await client.post(
        "/api/complaints",
        json={
            "hall_id": world.town.id,
            "channel": "in_person",
            "window_id": world.windows[0].id,
            "content": "办理低保证明时工作人员态度生硬",
            "complainant_name": "陈建国",
            "complainant_contact": "13800001111",
            "received_at": "2026-11-16T09:00:00",
        },
        headers=world.auth(Role.COMPLAINT_OFFICER),
    )
    assert response.status_code == 201, response.text
    entry = await only_entry("complaint.registered")
    by(world, Role.COMPLAINT_OFFICER, entry)
    assert (entry["subject_type"], entry["subject_id"]) == (
        "complaint",
        str(response.json()["complaint"]["id"]),
    )
    assert entry["after"]["content"] == "办理低保证明时工作人员态度生硬"
    assert entry["after"]["state"] == "registered"
    text = json.dumps(entry, default=str, ensure_ascii=False)
    assert "陈建国" not in text and "13800001111" not in text


async def test_a_finding_is_recorded(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/assessment/findings",
        json={
            "day": "2026-10-14",
            "rule": "no_badge",
            "window_id": world.windows[0].id,
            "staff_id": world.staff[0].id,
            "evidence": "上午10点巡查未佩证",
        },
        headers=world.auth(Role.INSPECTOR),
    )
    assert response.status_code == 201, response.text
    entry = await only_entry("assessment.finding.add")
    by(world, Role.INSPECTOR, entry)
    assert entry["subject_id"] == str(response.json()["id"])
    assert entry["after"]["rule"] == "no_badge"
    assert entry["after"]["day"] == "2026-10-14"
    assert entry["after"]["effect"] < 0


async def test_a_device_is_recorded_without_its_secret(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/devices",
        json={"hall_id": world.town.id, "name": "一号考勤机", "kind": "face_kiosk"},
        headers=world.auth(Role.ADMIN),
    )
    assert response.status_code == 201, response.text
    issued = response.json()
    entry = (
        await AuditEntry.select()
        .where((AuditEntry.action == "device.register") & (AuditEntry.actor.is_not_null()))
        .output(load_json=True)
    )[0]
    by(world, Role.ADMIN, entry)
    assert entry["after"] == {
        "name": "一号考勤机",
        "kind": "face_kiosk",
        "serial_number": None,
        "window_id": None,
    }
    assert issued["secret"] not in json.dumps(entry, default=str)


async def test_a_new_password_is_recorded_as_changed_only(client: AsyncTestClient, world: World) -> None:
    account_id = world.account_ids[Role.INSPECTOR]
    new_password = "another-long-password-1"
    response = await client.post(
        f"/api/accounts/{account_id}/password",
        json={"password": new_password},
        headers=world.auth(Role.DIRECTOR),
    )
    assert response.status_code == 204, response.text
    entry = await only_entry("account.password")
    by(world, Role.DIRECTOR, entry)
    assert (entry["subject_id"], entry["before"], entry["after"]) == (
        str(account_id),
        None,
        {"changed": True},
    )


async def test_an_account_made_and_stopped_is_recorded(client: AsyncTestClient, world: World) -> None:
    created = await client.post(
        "/api/accounts",
        json={
            "username": "new_clerk",
            "password": PASSWORD,
            "role": "clerk",
            "display_name": "新考勤员",
            "hall_id": world.town.id,
        },
        headers=world.auth(Role.DIRECTOR),
    )
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    made = (
        await AuditEntry.select()
        .where((AuditEntry.action == "account.create") & (AuditEntry.subject_id == str(account_id)))
        .output(load_json=True)
    )
    assert len(made) == 1
    by(world, Role.DIRECTOR, made[0])
    assert made[0]["after"]["username"] == "new_clerk"
    assert PASSWORD not in json.dumps(made[0], default=str)

    stopped = await client.post(
        f"/api/accounts/{account_id}/active", json={"active": False}, headers=world.auth(Role.DIRECTOR)
    )
    assert stopped.status_code == 200, stopped.text
    entry = await only_entry("account.deactivate")
    assert (entry["before"], entry["after"]) == ({"active": True}, {"active": False})


async def test_a_closure_is_recorded(client: AsyncTestClient, world: World) -> None:
    day = today() + dt.timedelta(days=7)
    response = await client.post(
        f"/api/halls/{world.town.id}/closures",
        json={"day": day.isoformat(), "reason": "停电检修"},
        headers=world.auth(Role.DIRECTOR),
    )
    assert response.status_code == 201, response.text
    entry = await only_entry("calendar.closure.add")
    by(world, Role.DIRECTOR, entry)
    assert entry["after"] == {"day": day.isoformat(), "reason": "停电检修"}


# ---- reading ---------------------------------------------------------------------------


async def director_of(world: World, hall_id: int) -> dict[str, str]:
    account = await accounts.create_account(
        data=AccountCreate(
            username=f"director_{hall_id}",
            password=PASSWORD,
            role=Role.DIRECTOR,
            display_name="主任",
            hall_id=hall_id,
        ),
        scope=None,
    )
    token, _ = await accounts.issue_token(
        account_id=account.id,
        kind=TokenKind.SESSION,
        now=dt.datetime.now(dt.UTC),
        lifetime=dt.timedelta(hours=1),
    )
    return {"Authorization": f"Bearer {token}"}


async def closure(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        f"/api/halls/{world.town.id}/closures",
        json={"day": (today() + dt.timedelta(days=7)).isoformat(), "reason": "停电检修"},
        headers=world.auth(Role.DIRECTOR),
    )
    assert response.status_code == 201, response.text


async def test_a_director_sees_the_entries_of_their_halls_only(client: AsyncTestClient, world: World) -> None:
    await closure(client, world)
    other = await director_of(world, world.other_town.id)
    query = {"action": "calendar."}
    own = await client.get("/api/audit", params=query, headers=world.auth(Role.DIRECTOR))
    theirs = await client.get("/api/audit", params=query, headers=other)
    admin = await client.get("/api/audit", params=query, headers=world.auth(Role.ADMIN))
    assert [entry["action"] for entry in own.json()["entries"]] == ["calendar.closure.add"]
    assert theirs.json()["entries"] == []
    assert [entry["hall_id"] for entry in admin.json()["entries"]] == [world.town.id]
    asked_for = await client.get("/api/audit", params={**query, "hall_id": world.town.id}, headers=other)
    assert asked_for.json()["entries"] == []


async def test_entries_come_newest_first_and_filter_by_action(client: AsyncTestClient, world: World) -> None:
    await closure(client, world)
    response = await client.post(
        f"/api/halls/{world.town.id}/settings",
        json={"key": "late_after_minutes", "value": 5, "effective_from": today().isoformat()},
        headers=world.auth(Role.DIRECTOR),
    )
    assert response.status_code == 201
    every = (await client.get("/api/audit", headers=world.auth(Role.ADMIN))).json()["entries"]
    assert [entry["action"] for entry in every[:2]] == ["settings.change", "calendar.closure.add"]
    settings = (
        await client.get("/api/audit", params={"action": "settings."}, headers=world.auth(Role.ADMIN))
    ).json()["entries"]
    assert [entry["action"] for entry in settings] == ["settings.change"]


async def test_an_end_before_the_start_is_refused(client: AsyncTestClient, world: World) -> None:
    response = await client.get(
        "/api/audit", params={"start": "2026-11-10", "end": "2026-11-01"}, headers=world.auth(Role.ADMIN)
    )
    assert response.status_code == 422
    assert "不能早于开始日期" in response.json()["detail"]


async def test_the_page_lists_entries_with_their_chinese_names(client: AsyncTestClient, world: World) -> None:
    await closure(client, world)
    page = await client.get("/audit", headers=world.cookie(Role.DIRECTOR))
    assert page.status_code == 200
    assert "添加闭厅日" in page.text and "停电检修" in page.text and CLIENT_ADDRESS in page.text


async def test_only_the_admin_and_directors_read_the_trail(client: AsyncTestClient, world: World) -> None:
    for role in (Role.CLERK, Role.COMPLAINT_OFFICER, Role.INSPECTOR, Role.STAFF):
        assert (await client.get("/audit", headers=world.cookie(role))).status_code == 403
        assert (await client.get("/api/audit", headers=world.auth(role))).status_code == 403
    assert (await client.get("/api/audit", headers=world.auth(Role.ADMIN))).status_code == 200
