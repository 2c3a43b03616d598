"""The audit trail of a hall read newest first; and the database refusing to change or
delete an entry (hall.audit.guard). Kept apart from the table migration because Piccolo
runs a migration's raw SQL before its table DDL."""

from hall import audit
from hall.migration_indexes import index_migration

ID = "2026-11-24T01:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Audit trail index and guard"

INDEXES = {"audit_entry_hall_at": "CREATE INDEX audit_entry_hall_at ON audit_entry (hall, at)"}


async def forwards():
    manager = index_migration(migration_id=ID, app_name="hall", description=DESCRIPTION, indexes=INDEXES)
    manager.add_raw(audit.guard)
    manager.add_raw_backwards(audit.unguard)
    return manager
