"""The lookup of a hall's days waiting for a recompute.

Kept apart from the table migration because Piccolo runs a migration's raw SQL before its
table DDL. Plain SQL that SQLite and PostgreSQL both accept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T08:56:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Pending-day lookup index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="attendance", description=DESCRIPTION)

    async def create_index():
        await Table.raw("CREATE INDEX pending_day_hall ON pending_day (hall)")

    async def drop_index():
        await Table.raw("DROP INDEX pending_day_hall")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
