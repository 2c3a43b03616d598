"""The presses received since a moment: what the ledger's change check asks."""

from hall.migration_indexes import index_migration

ID = "2026-11-23T20:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Evaluation received-at index"

INDEXES = {"evaluation_received_at": "CREATE INDEX evaluation_received_at ON evaluation (received_at)"}


async def forwards():
    return index_migration(migration_id=ID, app_name="assessment", description=DESCRIPTION, indexes=INDEXES)
