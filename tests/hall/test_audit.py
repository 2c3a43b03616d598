"""The audit trail's record: written with the change or not at all, by whoever the request
names (nobody for a background job), and never changed or deleted, the database refusing."""

from __future__ import annotations

import pytest

from hall import audit, db
from hall.roles import Role
from hall.tables import Account, AuditEntry
from tests.conftest import World

CLERK = audit.Actor(account_id=None, name="考勤员 (clerk)", address="192.0.2.7")


async def an_entry(world: World, actor: audit.Actor | None = None) -> int:
    async with db.transaction():
        if actor is None:
            await audit.record(
                "settings.change", subject_type="setting", subject_id="x", hall_id=world.town.id
            )
        else:
            with audit.acting(actor):
                await audit.record(
                    "settings.change",
                    subject_type="setting",
                    subject_id="x",
                    hall_id=world.town.id,
                    before={"value": 15},
                    after={"value": 5},
                )
    return (await AuditEntry.select(AuditEntry.id).where(AuditEntry.subject_id == "x").first())["id"]


async def test_an_entry_names_who_and_where_from_the_request(world: World) -> None:
    entry_id = await an_entry(world, CLERK)
    row = await AuditEntry.select().where(AuditEntry.id == entry_id).output(load_json=True).first()
    assert (row["actor_name"], row["address"], row["before"], row["after"]) == (
        "考勤员 (clerk)",
        "192.0.2.7",
        {"value": 15},
        {"value": 5},
    )


async def test_a_background_change_is_recorded_without_an_actor(world: World) -> None:
    entry_id = await an_entry(world)
    row = await AuditEntry.select().where(AuditEntry.id == entry_id).first()
    assert (row["action"], row["actor"], row["actor_name"], row["address"]) == (
        "settings.change.system",
        None,
        "",
        "",
    )


async def test_an_entry_is_written_only_inside_the_changes_transaction() -> None:
    with pytest.raises(RuntimeError):
        await audit.record("settings.change", subject_type="setting", subject_id="x", hall_id=None)


async def test_a_change_rolled_back_takes_its_entry_with_it(world: World) -> None:
    with pytest.raises(ValueError):
        async with db.transaction():
            await audit.record(
                "settings.change", subject_type="setting", subject_id="x", hall_id=world.town.id
            )
            raise ValueError("the change failed after its entry")
    assert await AuditEntry.count().where(AuditEntry.subject_id == "x") == 0


async def test_the_database_refuses_to_change_an_entry(world: World) -> None:
    entry_id = await an_entry(world, CLERK)
    with pytest.raises(Exception, match="cannot be changed"):
        await AuditEntry.update({AuditEntry.address: "203.0.113.1"}).where(AuditEntry.id == entry_id)
    with pytest.raises(Exception, match="cannot be changed"):
        await AuditEntry.update({AuditEntry.actor: world.account_ids[Role.ADMIN]}).where(
            AuditEntry.id == entry_id
        )
    assert (await AuditEntry.select(AuditEntry.address).where(AuditEntry.id == entry_id).first()) == {
        "address": "192.0.2.7"
    }


async def test_the_database_refuses_to_delete_an_entry(world: World) -> None:
    entry_id = await an_entry(world, CLERK)
    with pytest.raises(Exception, match="cannot be changed or deleted"):
        await AuditEntry.delete().where(AuditEntry.id == entry_id)
    assert await AuditEntry.exists().where(AuditEntry.id == entry_id)


async def test_an_account_deleted_leaves_its_entries_with_the_name_it_had(world: World) -> None:
    account = Account(username="gone", password_hash="-", role=Role.CLERK, display_name="离职考勤员")
    await account.save()
    entry_id = await an_entry(world, audit.Actor(account_id=account.id, name="离职考勤员 (gone)", address=""))
    await Account.delete().where(Account.id == account.id)
    row = (
        await AuditEntry.select(AuditEntry.actor, AuditEntry.actor_name)
        .where(AuditEntry.id == entry_id)
        .first()
    )
    assert row == {"actor": None, "actor_name": "离职考勤员 (gone)"}
