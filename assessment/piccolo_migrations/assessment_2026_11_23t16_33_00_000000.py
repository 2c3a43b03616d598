"""Assessment indexes: one sign-off per hall and month, one publication per hall and
quarter, one self-assessment per window and month, and the ledger's lookups.

Kept apart from the table migration because Piccolo runs a migration's raw SQL before its
table DDL. Plain SQL that SQLite and PostgreSQL both accept.
"""

from hall.migration_indexes import index_migration

ID = "2026-11-23T16:33:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Assessment unique keys and ledger lookup indexes"

INDEXES = {
    "month_sign_off_once": "CREATE UNIQUE INDEX month_sign_off_once ON month_sign_off (hall, month)",
    "quarter_publication_once": (
        "CREATE UNIQUE INDEX quarter_publication_once ON quarter_publication (hall, quarter)"
    ),
    "self_assessment_once": 'CREATE UNIQUE INDEX self_assessment_once ON self_assessment ("window", month)',
    "finding_hall_day": "CREATE INDEX finding_hall_day ON finding (hall, day)",
    "finding_window_day": 'CREATE INDEX finding_window_day ON finding ("window", day)',
    "finding_staff_day": "CREATE INDEX finding_staff_day ON finding (staff, day)",
    "finding_reverses": "CREATE INDEX finding_reverses ON finding (reverses)",
    "score_rule_hall_code": "CREATE INDEX score_rule_hall_code ON score_rule (hall, code)",
    "month_score_hall_month": "CREATE INDEX month_score_hall_month ON month_score (hall, month)",
    "quarter_result_publication": "CREATE INDEX quarter_result_publication ON quarter_result (publication)",
}


async def forwards():
    return index_migration(migration_id=ID, app_name="assessment", description=DESCRIPTION, indexes=INDEXES)
