"""Face indexes: a terminal's idempotency key once per device account, and the lookups of a
person's enrolment and of a hall's attempts of a day. Plain SQL that SQLite and PostgreSQL
both accept (a partial index: terminals that send no key do not collide)."""

from hall.migration_indexes import index_migration

ID = "2026-11-23T06:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Face enrolment and attempt indexes"

INDEXES = {
    "face_attempt_key": (
        "CREATE UNIQUE INDEX face_attempt_key ON face_attempt (device_account, idempotency_key) "
        "WHERE idempotency_key <> ''"
    ),
    "face_attempt_hall_time": "CREATE INDEX face_attempt_hall_time ON face_attempt (hall, attempted_at)",
    "face_photo_staff": "CREATE INDEX face_photo_staff ON face_photo (staff)",
    "face_photo_hall": "CREATE INDEX face_photo_hall ON face_photo (hall)",
}


async def forwards():
    return index_migration(migration_id=ID, app_name="attendance", description=DESCRIPTION, indexes=INDEXES)
