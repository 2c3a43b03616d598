"""Composite unique indexes, which Piccolo's column options cannot express.

Kept apart from the table migration because Piccolo runs a migration's raw SQL before its
table DDL. Plain SQL that SQLite and PostgreSQL both accept.
"""

from hall.migration_indexes import index_migration

ID = "2026-11-23T03:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Composite unique indexes for windows, staff and settings"

INDEXES = {
    "window_hall_number": 'CREATE UNIQUE INDEX window_hall_number ON "window" (hall, number)',
    "staff_hall_staff_number": "CREATE UNIQUE INDEX staff_hall_staff_number ON staff (hall, staff_number)",
    "hall_setting_lookup": "CREATE INDEX hall_setting_lookup ON hall_setting (hall, key, effective_from)",
}


async def forwards():
    return index_migration(migration_id=ID, app_name="hall", description=DESCRIPTION, indexes=INDEXES)
