"""A generated document once per hall, kind, period, format and content; the documents of a
hall listed newest first. Kept apart from the table migration because Piccolo runs a
migration's raw SQL before its table DDL."""

from hall.migration_indexes import index_migration

ID = "2026-11-23T20:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Generated file unique per content"

INDEXES = {
    "generated_file_once": (
        "CREATE UNIQUE INDEX generated_file_once ON generated_file (hall, kind, period, format, fingerprint)"
    ),
    "generated_file_hall_time": "CREATE INDEX generated_file_hall_time ON generated_file (hall, generated_at)",
}


async def forwards():
    return index_migration(migration_id=ID, app_name="hall", description=DESCRIPTION, indexes=INDEXES)
