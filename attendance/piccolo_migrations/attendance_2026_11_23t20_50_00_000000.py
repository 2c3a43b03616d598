"""Lookups for the readers that bring a whole county up to date at once: a hall's final
days read from the index alone, and the verdicts recomputed since a moment (what the
assessment ledger's change check asks). Plain SQL that SQLite and PostgreSQL both accept."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T20:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Verdict final-day and recomputed-since indexes"

INDEXES = {
    "verdict_final_hall_day": "CREATE INDEX verdict_final_hall_day ON verdict (hall, day) WHERE final",
    "verdict_computed_at": "CREATE INDEX verdict_computed_at ON verdict (computed_at)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="attendance", description=DESCRIPTION)

    async def create_indexes():
        for statement in INDEXES.values():
            await Table.raw(statement)

    async def drop_indexes():
        for name in INDEXES:
            await Table.raw(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
