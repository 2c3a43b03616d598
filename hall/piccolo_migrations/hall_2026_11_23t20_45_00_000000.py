"""A generated document once per hall, kind, period, format and content; the documents of a
hall listed newest first. Kept apart from the table migration because Piccolo runs a
migration's raw SQL before its table DDL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

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
    manager = MigrationManager(migration_id=ID, app_name="hall", description=DESCRIPTION)

    async def create_indexes():
        for statement in INDEXES.values():
            await Table.raw(statement)

    async def drop_indexes():
        for name in INDEXES:
            await Table.raw(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
