"""The unique index (hall, day) of hall closures: a hall is closed on a day at most once.

Kept apart from the table migration because Piccolo runs a migration's raw SQL before its
table DDL. Plain SQL that SQLite and PostgreSQL both accept.
"""

from hall.migration_indexes import index_migration

ID = "2026-11-23T04:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique index of hall closures by hall and day"

INDEXES = {"hall_closure_hall_day": "CREATE UNIQUE INDEX hall_closure_hall_day ON hall_closure (hall, day)"}


async def forwards():
    return index_migration(migration_id=ID, app_name="hall", description=DESCRIPTION, indexes=INDEXES)
