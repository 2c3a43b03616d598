"""Composite unique indexes, which Piccolo's column options cannot express.

Kept apart from the table migration because Piccolo runs a migration's raw SQL before its
table DDL. Plain SQL that SQLite and PostgreSQL both accept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T03:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Composite unique indexes for windows, staff and settings"

STATEMENTS = (
    'CREATE UNIQUE INDEX window_hall_number ON "window" (hall, number)',
    "CREATE UNIQUE INDEX staff_hall_staff_number ON staff (hall, staff_number)",
    "CREATE INDEX hall_setting_lookup ON hall_setting (hall, key, effective_from)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hall", description=DESCRIPTION)

    async def create_indexes():
        for statement in STATEMENTS:
            await Table.raw(statement)

    async def drop_indexes():
        for name in ("window_hall_number", "staff_hall_staff_number", "hall_setting_lookup"):
            await Table.raw(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
