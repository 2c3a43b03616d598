"""Complaint indexes: one ticket per number, one reminder per (complaint, target, kind,
deadline), and the lookups of the board, the units, the public page's checks and the
findings the assessment reads.

Kept apart from the table migration because Piccolo runs a migration's raw SQL before its
table DDL. Plain SQL that SQLite and PostgreSQL both accept.
"""

from hall.migration_indexes import index_migration

ID = "2026-11-23T12:37:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Complaint unique keys and lookup indexes"

INDEXES = {
    "complaint_number": "CREATE UNIQUE INDEX complaint_number ON complaint (number)",
    "complaint_hall_state": "CREATE INDEX complaint_hall_state ON complaint (hall, state)",
    "complaint_hall_received": "CREATE INDEX complaint_hall_received ON complaint (hall, received_at)",
    "complaint_unit_complaint": "CREATE INDEX complaint_unit_complaint ON complaint_unit (complaint)",
    "complaint_unit_window": 'CREATE INDEX complaint_unit_window ON complaint_unit ("window")',
    "complaint_reminder_once": (
        "CREATE UNIQUE INDEX complaint_reminder_once ON complaint_reminder (complaint, target, kind, deadline)"
    ),
    "complaint_reminder_hall": "CREATE INDEX complaint_reminder_hall ON complaint_reminder (hall, audience)",
    "complaint_finding_hall_day": "CREATE INDEX complaint_finding_hall_day ON complaint_finding (hall, day)",
    "complaint_event_complaint": "CREATE INDEX complaint_event_complaint ON complaint_event (complaint)",
    "identity_view_complaint": "CREATE INDEX identity_view_complaint ON identity_view (complaint)",
    "public_challenge_token": "CREATE UNIQUE INDEX public_challenge_token ON public_challenge (token_hash)",
    "public_attempt_client": "CREATE INDEX public_attempt_client ON public_attempt (kind, client_hash, at)",
}


async def forwards():
    return index_migration(migration_id=ID, app_name="complaints", description=DESCRIPTION, indexes=INDEXES)
