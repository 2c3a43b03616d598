"""Indexes Piccolo's column options cannot express (over several columns, unique over
several, partial), made by migrations of their own in plain SQL that SQLite and PostgreSQL
both accept: apart from the table migrations, because Piccolo runs a migration's raw SQL
before its table DDL."""

from __future__ import annotations

from collections.abc import Mapping

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table


def index_migration(
    *, migration_id: str, app_name: str, description: str, indexes: Mapping[str, str]
) -> MigrationManager:
    """A migration creating `indexes` (name -> CREATE statement), dropping them backwards."""
    manager = MigrationManager(migration_id=migration_id, app_name=app_name, description=description)

    async def create_indexes() -> None:
        for statement in indexes.values():
            await Table.raw(statement)

    async def drop_indexes() -> None:
        for name in indexes:
            await Table.raw(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
