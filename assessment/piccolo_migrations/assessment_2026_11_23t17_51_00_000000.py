"""One ledger sync mark per hall and month. Kept apart from the table migration because
Piccolo runs a migration's raw SQL before its table DDL."""

from hall.migration_indexes import index_migration

ID = "2026-11-23T17:51:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Ledger sync mark unique per hall and month"

INDEXES = {"ledger_sync_once": "CREATE UNIQUE INDEX ledger_sync_once ON ledger_sync (hall, month)"}


async def forwards():
    return index_migration(migration_id=ID, app_name="assessment", description=DESCRIPTION, indexes=INDEXES)
