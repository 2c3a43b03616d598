"""Push terminals: one SN per device, one traffic row per device and day, one held record, enrolled user and
photo per (device, PIN[, time]), and the lookup of a device's pending commands.

Kept apart from the table migration because Piccolo runs a migration's raw SQL before its
table DDL. Plain SQL that SQLite and PostgreSQL both accept.
"""

from hall.migration_indexes import index_migration

ID = "2026-11-23T08:56:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Push terminal unique keys and lookup indexes"

INDEXES = {
    "device_serial_number": "CREATE UNIQUE INDEX device_serial_number ON device (serial_number)",
    "device_day_once": "CREATE UNIQUE INDEX device_day_once ON device_day (device, day)",
    "held_record_once": "CREATE UNIQUE INDEX held_record_once ON held_record (device, pin, punched_at)",
    "device_user_once": "CREATE UNIQUE INDEX device_user_once ON device_user (device, pin)",
    "device_photo_once": "CREATE UNIQUE INDEX device_photo_once ON device_photo (device, pin, taken_at)",
    "device_command_state": "CREATE INDEX device_command_state ON device_command (device, state)",
}


async def forwards():
    return index_migration(migration_id=ID, app_name="devices", description=DESCRIPTION, indexes=INDEXES)
