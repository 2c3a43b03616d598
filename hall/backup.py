"""Backups of the database and the media folder: `python -m hall.backup backup` (make
backup) and `python -m hall.backup restore FILE [--force]` (make restore FILE=...).

A backup is two files in DATA_DIR/backups/ under one timestamped name: the database
(`.sqlite`, a consistent copy made with SQLite's online backup API while the app may be
writing; or `.dump`, `pg_dump --format=custom`) and the media folder (`.media.tar.gz`:
photos, attachments, generated documents). A restore goes into an empty database only,
unless told `--force`; the media archive beside the database file is unpacked too.
Messages are in English: they are for the operator at the console, not the halls' users."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from hall.config import Config, get_config

MEDIA_SUFFIX = ".media.tar.gz"


class BackupError(Exception):
    """What stops a backup or a restore, said to the operator."""


@dataclass(frozen=True)
class Backup:
    database: Path
    media: Path | None


def backup(config: Config, now: dt.datetime) -> Backup:
    folder = config.data_dir / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"hall-{now:%Y%m%d-%H%M%S}"
    if config.database.is_postgres:
        database = stem.with_suffix(".dump")
        _run(_binary("pg_dump"), "--format=custom", f"--file={database}", config.database.url)
    else:
        database = stem.with_suffix(".sqlite")
        _copy_sqlite(config.database.sqlite_path, database)
    media = None
    if config.media_dir.is_dir():
        media = stem.with_name(stem.name + MEDIA_SUFFIX)
        with tarfile.open(media, "w:gz") as archive:
            archive.add(config.media_dir, arcname="media")
    return Backup(database, media)


def restore(config: Config, database: Path, *, force: bool) -> Backup:
    if not database.is_file():
        raise BackupError(f"no backup file at {database}")
    if not force and not _is_empty(config):
        raise BackupError("the target database is not empty: a restore would overwrite it (add --force)")
    if config.database.is_postgres:
        # --clean --if-exists: with --force, the tables there are replaced by the backup's.
        _run(
            _binary("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            f"--dbname={config.database.url}",
            str(database),
        )
    else:
        config.database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(database, config.database.sqlite_path)
    media = database.with_name(database.name.rsplit(".", 1)[0] + MEDIA_SUFFIX)
    if not media.is_file():
        return Backup(database, None)
    config.media_dir.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(media) as archive:
        archive.extractall(config.media_dir.parent, filter="data")
    return Backup(database, media)


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy, page by page, taking the read lock as it goes: never a raw file
    copy, which can catch a write half-way."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def _is_empty(config: Config) -> bool:
    if config.database.is_postgres:
        return asyncio.run(_postgres_is_empty(config.database.url))
    path = config.database.sqlite_path
    if not path.exists():
        return True
    with closing(sqlite3.connect(path)) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchone()[0]
    return tables == 0


async def _postgres_is_empty(url: str) -> bool:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        )
    finally:
        await connection.close()
    return tables == 0


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return found


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hall.backup")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("backup", help="back up the database and the media folder to DATA_DIR/backups/")
    restoring = commands.add_parser("restore", help="restore a backup into an empty database")
    restoring.add_argument("file", type=Path, help="the backup's .sqlite or .dump file")
    restoring.add_argument("--force", action="store_true", help="overwrite a database that is not empty")
    arguments = parser.parse_args(argv)
    config = get_config()
    try:
        if arguments.command == "backup":
            made = backup(config, dt.datetime.now(config.timezone))
            print(f"database backed up to {made.database}")
            if made.media is not None:
                print(f"media folder backed up to {made.media}")
        else:
            made = restore(config, arguments.file, force=arguments.force)
            print(f"database restored from {made.database}")
            if made.media is not None:
                print(f"media folder restored from {made.media}")
    except BackupError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
