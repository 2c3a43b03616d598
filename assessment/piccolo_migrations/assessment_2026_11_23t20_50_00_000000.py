"""The presses received since a moment: what the ledger's change check asks."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T20:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Evaluation received-at index"

INDEXES = {"evaluation_received_at": "CREATE INDEX evaluation_received_at ON evaluation (received_at)"}


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
