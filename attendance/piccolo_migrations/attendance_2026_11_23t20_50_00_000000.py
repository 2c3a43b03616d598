"""Lookups for the readers that bring a whole county up to date at once: a hall's final
days read from the index alone, and the verdicts recomputed since a moment (what the
assessment ledger's change check asks). Plain SQL that SQLite and PostgreSQL both accept."""

from hall.migration_indexes import index_migration

ID = "2026-11-23T20:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Verdict final-day and recomputed-since indexes"

INDEXES = {
    "verdict_final_hall_day": "CREATE INDEX verdict_final_hall_day ON verdict (hall, day) WHERE final",
    "verdict_computed_at": "CREATE INDEX verdict_computed_at ON verdict (computed_at)",
}


async def forwards():
    return index_migration(migration_id=ID, app_name="attendance", description=DESCRIPTION, indexes=INDEXES)
