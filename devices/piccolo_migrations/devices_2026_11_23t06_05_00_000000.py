"""A device's name once per hall: it is what punch records show."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T06:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Device name unique per hall"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="devices", description=DESCRIPTION)

    async def create_index():
        await Table.raw("CREATE UNIQUE INDEX device_hall_name ON device (hall, name)")

    async def drop_index():
        await Table.raw("DROP INDEX device_hall_name")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
