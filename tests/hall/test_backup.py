"""`make backup` / `make restore` (python -m hall.backup): a database made by the product (the
demo hall) backed up and restored into an empty one holds the same records, on SQLite and
on PostgreSQL; the media folder comes back with it; a database that is not empty is not
overwritten unless told so."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest

from hall.config import PROJECT_ROOT
from tests.conftest import RUN_DIR, SERVER_URL
from tests.databases import create_database, drop_database, is_postgres


def run(command: str, *arguments: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir), "DATABASE_POOL": "1"}
    return subprocess.run(
        [sys.executable, "-m", command, *arguments],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def demo_database(database_url: str, data_dir: Path) -> None:
    made = run("hall.manage", "demo", database_url=database_url, data_dir=data_dir)
    assert made.returncode == 0, made.stderr


def backup_file(database_url: str, data_dir: Path) -> Path:
    made = run("hall.backup", "backup", database_url=database_url, data_dir=data_dir)
    assert made.returncode == 0, made.stderr
    (database,) = [path for path in (data_dir / "backups").iterdir() if not path.name.endswith(".tar.gz")]
    return database


def sqlite_records(path: Path) -> dict[str, list[tuple]]:
    with closing(sqlite3.connect(path)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {table: sorted(connection.execute(f'SELECT * FROM "{table}"'), key=repr) for table in tables}


async def postgres_records(url: str) -> dict[str, list[tuple]]:
    connection = await asyncpg.connect(url)
    try:
        tables = [
            row["tablename"]
            for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        return {
            table: sorted(
                (tuple(row) for row in await connection.fetch(f'SELECT * FROM "{table}"')), key=repr
            )
            for table in tables
        }
    finally:
        await connection.close()


def test_a_sqlite_backup_taken_while_the_app_writes_restores_the_same_records() -> None:
    folder = RUN_DIR / f"backup-{uuid.uuid4().hex[:8]}"
    source = f"sqlite:///{folder / 'hall.sqlite'}"
    demo_database(source, folder)
    (folder / "media" / "photos").mkdir(parents=True)
    (folder / "media" / "photos" / "1.jpg").write_bytes(b"a photo")
    committed = sqlite_records(folder / "hall.sqlite")
    # The app in the middle of a write: the backup holds what was committed, not half of it.
    with closing(sqlite3.connect(folder / "hall.sqlite", isolation_level=None)) as app:
        app.execute("BEGIN IMMEDIATE")
        app.execute("UPDATE staff SET name = '未提交'")
        database = backup_file(source, folder)
        app.execute("ROLLBACK")

    target = RUN_DIR / f"restored-{uuid.uuid4().hex[:8]}"
    restored = run(
        "hall.backup",
        "restore",
        str(database),
        database_url=f"sqlite:///{target / 'hall.sqlite'}",
        data_dir=target,
    )

    assert restored.returncode == 0, restored.stderr
    assert sqlite_records(target / "hall.sqlite") == committed
    assert committed["staff"]
    assert (target / "media" / "photos" / "1.jpg").read_bytes() == b"a photo"


def test_a_restore_refuses_a_database_that_is_not_empty_unless_forced() -> None:
    folder = RUN_DIR / f"backup-{uuid.uuid4().hex[:8]}"
    source = f"sqlite:///{folder / 'hall.sqlite'}"
    demo_database(source, folder)
    database = backup_file(source, folder)
    with closing(sqlite3.connect(folder / "hall.sqlite")) as connection, connection:
        connection.execute("UPDATE staff SET name = '改过'")

    refused = run("hall.backup", "restore", str(database), database_url=source, data_dir=folder)
    assert refused.returncode == 1
    assert "not empty" in refused.stderr
    with closing(sqlite3.connect(folder / "hall.sqlite")) as connection:
        assert connection.execute("SELECT DISTINCT name FROM staff").fetchall() == [("改过",)]

    forced = run("hall.backup", "restore", str(database), "--force", database_url=source, data_dir=folder)
    assert forced.returncode == 0, forced.stderr
    assert sqlite_records(folder / "hall.sqlite") == sqlite_records(database)


@pytest.mark.skipif(not is_postgres(SERVER_URL), reason="no PostgreSQL server configured (DATABASE_URL)")
def test_a_postgres_backup_restores_the_same_records_into_an_empty_database() -> None:
    folder = RUN_DIR / f"backup-{uuid.uuid4().hex[:8]}"
    source = create_database(SERVER_URL, RUN_DIR)
    target = create_database(SERVER_URL, RUN_DIR)
    try:
        demo_database(source, folder)
        database = backup_file(source, folder)
        assert database.suffix == ".dump"

        restored = run("hall.backup", "restore", str(database), database_url=target, data_dir=folder)

        assert restored.returncode == 0, restored.stderr
        made, back = asyncio.run(postgres_records(source)), asyncio.run(postgres_records(target))
        assert made["staff"]
        assert back == made
    finally:
        drop_database(SERVER_URL, source)
        drop_database(SERVER_URL, target)
