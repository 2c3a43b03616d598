"""The lookup of a hall's days waiting for a recompute.

Kept apart from the table migration because Piccolo runs a migration's raw SQL before its
table DDL. Plain SQL that SQLite and PostgreSQL both accept.
"""

from hall.migration_indexes import index_migration

ID = "2026-11-23T08:56:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Pending-day lookup index"

INDEXES = {"pending_day_hall": "CREATE INDEX pending_day_hall ON pending_day (hall)"}


async def forwards():
    return index_migration(migration_id=ID, app_name="attendance", description=DESCRIPTION, indexes=INDEXES)
