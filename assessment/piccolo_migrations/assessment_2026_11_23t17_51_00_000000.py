"""One ledger sync mark per hall and month. Kept apart from the table migration because
Piccolo runs a migration's raw SQL before its table DDL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T17:51:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Ledger sync mark unique per hall and month"

INDEXES = {"ledger_sync_once": "CREATE UNIQUE INDEX ledger_sync_once ON ledger_sync (hall, month)"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="assessment", description=DESCRIPTION)

    async def create_indexes():
        for statement in INDEXES.values():
            await Table.raw(statement)

    async def drop_indexes():
        for name in INDEXES:
            await Table.raw(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
