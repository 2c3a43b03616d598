"""Attendance indexes: one punch per (person, second, device), one verdict per (person,
day, session), and the lookups of a hall's month.

Kept apart from the table migration because Piccolo runs a migration's raw SQL before its
table DDL. Plain SQL that SQLite and PostgreSQL both accept.
"""

from hall.migration_indexes import index_migration

ID = "2026-11-23T04:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Attendance unique keys and lookup indexes"

INDEXES = {
    "punch_once": "CREATE UNIQUE INDEX punch_once ON punch (staff, punched_at, device)",
    "punch_hall_time": "CREATE INDEX punch_hall_time ON punch (hall, punched_at)",
    "verdict_once": "CREATE UNIQUE INDEX verdict_once ON verdict (staff, day, session)",
    "verdict_hall_day": "CREATE INDEX verdict_hall_day ON verdict (hall, day)",
    "request_staff_days": "CREATE INDEX request_staff_days ON attendance_request (staff, first_day, last_day)",
    "month_event_lookup": "CREATE INDEX month_event_lookup ON month_event (hall, month)",
}


async def forwards():
    return index_migration(migration_id=ID, app_name="attendance", description=DESCRIPTION, indexes=INDEXES)
