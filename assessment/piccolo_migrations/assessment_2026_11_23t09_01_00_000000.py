"""Evaluation indexes: one press per (device, second), and the lookups of a hall's, a
window's and a person's month.

Kept apart from the table migration because Piccolo runs a migration's raw SQL before its
table DDL. Plain SQL that SQLite and PostgreSQL both accept.
"""

from hall.migration_indexes import index_migration

ID = "2026-11-23T09:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Evaluation unique key and lookup indexes"

INDEXES = {
    "evaluation_once": "CREATE UNIQUE INDEX evaluation_once ON evaluation (device, pressed_at)",
    "evaluation_hall_time": "CREATE INDEX evaluation_hall_time ON evaluation (hall, pressed_at)",
    "evaluation_staff_time": "CREATE INDEX evaluation_staff_time ON evaluation (staff, pressed_at)",
}


async def forwards():
    return index_migration(migration_id=ID, app_name="assessment", description=DESCRIPTION, indexes=INDEXES)
