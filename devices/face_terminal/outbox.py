"""The outbox: punches committed to an SQLite file before they are sent, kept until the
server has stored them; those it refuses set aside in `rejected`."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class QueuedPunch:
    key: str
    payload: dict[str, Any]
    created_at: str
    attempts: int
    last_error: str


@dataclass(frozen=True)
class RejectedPunch:
    key: str
    payload: dict[str, Any]
    created_at: str
    rejected_at: str
    status: int
    message: str


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Outbox:
    """Punches not yet answered by the server, in an SQLite file. A punch is committed here
    before it is sent and deleted only when the server has stored it (or stored it before);
    one the server refuses moves to `rejected`. Safe to share between threads and between
    processes on the same state directory (SQLite locks; the keys make a double send
    harmless)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(path, timeout=30, check_same_thread=False)
        with self._lock, self._connection as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS outbox ("
                " key TEXT PRIMARY KEY,"
                " payload TEXT NOT NULL,"
                " created_at TEXT NOT NULL,"
                " attempts INTEGER NOT NULL DEFAULT 0,"
                " last_error TEXT NOT NULL DEFAULT '')"
            )
            connection.execute(
                "CREATE TABLE IF NOT EXISTS rejected ("
                " key TEXT PRIMARY KEY,"
                " payload TEXT NOT NULL,"
                " created_at TEXT NOT NULL,"
                " rejected_at TEXT NOT NULL,"
                " status INTEGER NOT NULL,"
                " message TEXT NOT NULL)"
            )

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def add(self, payload: dict[str, Any]) -> None:
        """Commit a punch (its key in payload["key"]) before anything tries to send it."""
        with self._lock, self._connection as connection:
            connection.execute(
                "INSERT INTO outbox (key, payload, created_at) VALUES (?, ?, ?)",
                (payload["key"], json.dumps(payload, ensure_ascii=False), utc_now()),
            )

    def pending(self) -> list[QueuedPunch]:
        """Oldest first, but those that failed least first: one punch the server keeps
        failing on does not hold up the others."""
        with self._lock:
            rows = self._connection.execute(
                "SELECT key, payload, created_at, attempts, last_error FROM outbox"
                " ORDER BY attempts, created_at, rowid"
            ).fetchall()
        return [
            QueuedPunch(key, json.loads(payload), created, attempts, error)
            for key, payload, created, attempts, error in rows
        ]

    def count(self) -> int:
        with self._lock:
            return self._connection.execute("SELECT count(*) FROM outbox").fetchone()[0]

    def sent(self, key: str) -> None:
        with self._lock, self._connection as connection:
            connection.execute("DELETE FROM outbox WHERE key = ?", (key,))

    def failed(self, key: str, error: str) -> None:
        with self._lock, self._connection as connection:
            connection.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE key = ?", (error[:500], key)
            )

    def reject(self, key: str, *, status: int, message: str) -> None:
        with self._lock, self._connection as connection:
            connection.execute(
                "INSERT OR REPLACE INTO rejected (key, payload, created_at, rejected_at, status, message)"
                " SELECT key, payload, created_at, ?, ?, ? FROM outbox WHERE key = ?",
                (utc_now(), status, message, key),
            )
            connection.execute("DELETE FROM outbox WHERE key = ?", (key,))

    def rejected(self) -> list[RejectedPunch]:
        with self._lock:
            rows = self._connection.execute(
                "SELECT key, payload, created_at, rejected_at, status, message FROM rejected ORDER BY rowid"
            ).fetchall()
        return [
            RejectedPunch(key, json.loads(payload), created, rejected_at, status, message)
            for key, payload, created, rejected_at, status, message in rows
        ]
