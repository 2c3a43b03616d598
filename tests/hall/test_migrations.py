"""The migrations build the schema from nothing, on the engine of this run (SQLite, or
PostgreSQL when DATABASE_URL points at a server), and a second run changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from hall.config import PROJECT_ROOT
from tests.conftest import RUN_DIR, SERVER_URL
from tests.databases import create_database, drop_database

PROBE = """
import asyncio, json
from hall import db
from hall.tables import Hall

CATALOGUE = {
    "sqlite": ("SELECT name FROM sqlite_master WHERE type = 'index'",
               "SELECT name FROM sqlite_master WHERE type = 'table'"),
    "postgres": ("SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'",
                 "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"),
}

async def main():
    await db.migrate()
    await db.migrate()
    indexes, tables = CATALOGUE[db.engine().engine_type]
    print(json.dumps({
        "indexes": sorted(r["name"] for r in await Hall.raw(indexes)),
        "tables": sorted(r["name"] for r in await Hall.raw(tables)),
    }))
    await db.stop()

asyncio.run(main())
"""


def test_migrations_build_the_schema_from_an_empty_database_twice_over() -> None:
    url = create_database(SERVER_URL, RUN_DIR)
    try:
        # A process of its own: the engine is chosen once per process from DATABASE_URL.
        result = subprocess.run(
            [sys.executable, "-c", PROBE],
            env={**os.environ, "DATABASE_URL": url},
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        drop_database(SERVER_URL, url)
    schema = json.loads(result.stdout.strip().splitlines()[-1])
    assert {
        "window_hall_number",
        "staff_hall_staff_number",
        "hall_setting_lookup",
        "hall_closure_hall_day",
        "complaint_number",
        "complaint_reminder_once",
        "month_sign_off_once",
        "quarter_publication_once",
        "self_assessment_once",
        "finding_window_day",
        "ledger_sync_once",
        "verdict_final_hall_day",
        "verdict_computed_at",
        "evaluation_received_at",
        "audit_entry_hall_at",
    } <= set(schema["indexes"])
    assert {
        "hall",
        "department",
        "window",
        "staff",
        "cover_assignment",
        "account",
        "access_token",
        "login_failure",
        "hall_setting",
        "calendar_year",
        "calendar_day",
        "hall_closure",
        "complaint",
        "complaint_unit",
        "complaint_reminder",
        "score_rule",
        "finding",
        "month_sign_off",
        "month_score",
        "self_assessment",
        "quarter_publication",
        "quarter_result",
        "ledger_sync",
        "audit_entry",
    } <= set(schema["tables"])
