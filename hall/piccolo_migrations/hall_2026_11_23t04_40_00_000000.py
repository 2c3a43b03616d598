"""The unique index (hall, day) of hall closures: a hall is closed on a day at most once.

Kept apart from the table migration because Piccolo runs a migration's raw SQL before its
table DDL. Plain SQL that SQLite and PostgreSQL both accept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T04:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique index of hall closures by hall and day"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hall", description=DESCRIPTION)

    async def create_index():
        await Table.raw("CREATE UNIQUE INDEX hall_closure_hall_day ON hall_closure (hall, day)")

    async def drop_index():
        await Table.raw("DROP INDEX hall_closure_hall_day")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
