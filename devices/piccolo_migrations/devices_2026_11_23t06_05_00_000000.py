"""A device's name once per hall: it is what punch records show."""

from hall.migration_indexes import index_migration

ID = "2026-11-23T06:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Device name unique per hall"

INDEXES = {"device_hall_name": "CREATE UNIQUE INDEX device_hall_name ON device (hall, name)"}


async def forwards():
    return index_migration(migration_id=ID, app_name="devices", description=DESCRIPTION, indexes=INDEXES)
