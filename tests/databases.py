"""Throw-away databases for a test run: a SQLite file, or a new PostgreSQL database on the
server DATABASE_URL points at. The server may hold what earlier runs left; we never touch
anything but the database we created."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def is_postgres(url: str | None) -> bool:
    return bool(url) and url.startswith(("postgres://", "postgresql://"))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(server_url: str | None, folder: Path) -> str:
    """A new empty database; returns its URL."""
    if not is_postgres(server_url):
        return f"sqlite:///{folder / f'test-{uuid.uuid4().hex[:8]}.sqlite'}"
    name = f"hall_test_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        connection = await asyncpg.connect(server_url)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    return _with_database(server_url, name)


def drop_database(server_url: str | None, url: str) -> None:
    if not is_postgres(server_url):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    name = urlsplit(url).path.lstrip("/")

    async def drop() -> None:
        connection = await asyncpg.connect(server_url)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(drop())
