"""The database engine, transactions and migrations, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from piccolo.columns import Column
from piccolo.columns.combination import Where, WhereRaw
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from hall.errors import Conflict

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from hall.config import DatabaseConfig

# Any constant will do: it names the lock that keeps two processes from migrating at once.
MIGRATION_LOCK_ID = 7_402_113


def make_engine(database: DatabaseConfig) -> Engine:
    if database.is_postgres:
        return PostgresEngine(config={"dsn": database.url})
    database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    # SQLite has one writer: wait for it rather than fail at once.
    return SQLiteEngine(path=str(database.sqlite_path), timeout=30)


def engine() -> Engine:
    found = engine_finder()
    if found is None:
        raise RuntimeError("piccolo_conf.py defines no engine")
    return found


@asynccontextmanager
async def transaction() -> AsyncIterator[None]:
    """One write transaction; on SQLite it takes the write lock at once (BEGIN IMMEDIATE)
    so that a read-then-write inside it cannot fail half-way with 'database is locked'."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        async with db.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with db.transaction():
            yield


async def insert_many(table: type[Table], columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Many rows in one round trip inside the caller's transaction: COPY on PostgreSQL,
    executemany on SQLite. Piccolo builds an object per row, which for a month of verdicts
    costs more than the rest of the work together."""
    transaction = engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("insert_many runs inside db.transaction()")
    if not rows:
        return
    name = table._meta.tablename
    if isinstance(transaction.engine, PostgresEngine):
        await transaction.connection.copy_records_to_table(name, columns=list(columns), records=rows)
        return
    quoted = ", ".join(f'"{column}"' for column in columns)
    marks = ", ".join("?" for _ in columns)
    await transaction.connection.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})', rows)


async def insert_new(table: type[Table], columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Many rows in one round trip inside the caller's transaction, skipping each row a
    unique index already holds: what a device re-sending a batch needs."""
    transaction = engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("insert_new runs inside db.transaction()")
    if not rows:
        return
    quoted = ", ".join(f'"{column}"' for column in columns)
    if isinstance(transaction.engine, PostgresEngine):
        marks = ", ".join(f"${number}" for number in range(1, len(columns) + 1))
    else:
        marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table._meta.tablename}" ({quoted}) VALUES ({marks}) ON CONFLICT DO NOTHING'
    await transaction.connection.executemany(sql, rows)


async def insert_new_returning(
    table: type[Table], columns: Sequence[str], rows: Sequence[tuple], returning: Sequence[str]
) -> list[tuple]:
    """insert_new, answering the `returning` columns of the rows it stored, not of those a
    unique index already held: what is new is decided by the index, in the same statement.

    PostgreSQL: one INSERT ... SELECT FROM unnest() of an array per column. Its text depends
    on the columns only, so each connection prepares it once, and the database runs one
    statement rather than executemany's one per row, which costs it twice as much. SQLite:
    rows in multi-row VALUES, as many a statement as its 999 variables allow."""
    transaction = engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("insert_new_returning runs inside db.transaction()")
    if not rows:
        return []
    quoted = ", ".join(f'"{column}"' for column in columns)
    answer = ", ".join(f'"{column}"' for column in returning)
    head = f'INSERT INTO "{table._meta.tablename}" ({quoted})'
    tail = f"ON CONFLICT DO NOTHING RETURNING {answer}"
    if isinstance(transaction.engine, PostgresEngine):
        arrays = ", ".join(
            f"${number}::{table._meta.get_column_by_name(column).column_type}[]"
            for number, column in enumerate(columns, start=1)
        )
        by_column = [list(values) for values in zip(*rows, strict=True)]
        sql = f"{head} SELECT * FROM unnest({arrays}) {tail}"
        return [tuple(row) for row in await transaction.connection.fetch(sql, *by_column)]
    row_marks = "(" + ", ".join("?" for _ in columns) + ")"
    per_statement = 999 // len(columns)
    stored = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        cursor = await transaction.connection.execute(
            f"{head} VALUES {', '.join(row_marks for _ in chunk)} {tail}",
            [value for row in chunk for value in row],
        )
        # Piccolo's SQLite connection gives rows as dicts.
        stored += [tuple(row[column] for column in returning) for row in await cursor.fetchall()]
        await cursor.close()
    return stored


def any_of(column: Column, values: Iterable[Any]) -> Where | WhereRaw:
    """`column.is_in(values)` (values not empty). On PostgreSQL the values go as one array
    parameter: the statement's text is then the same however many there are (prepared once
    per connection rather than once per list length), and Piccolo does not convert each value
    on its own, which for a hall's staff costs milliseconds."""
    values = list(values)
    if not values:
        raise ValueError("any_of needs at least one value")
    if isinstance(engine(), PostgresEngine):
        return WhereRaw(f"{column._meta.get_full_name(with_alias=False)} = ANY({{}})", values)
    return column.is_in(values)


async def lock(namespace: int, key: int) -> None:
    """Serialise the writers of one thing (e.g. a hall's verdicts) until the transaction
    ends: a PostgreSQL advisory lock. SQLite's BEGIN IMMEDIATE already serialises writers."""
    transaction = engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("lock runs inside db.transaction()")
    if isinstance(transaction.engine, PostgresEngine):
        await transaction.connection.execute("SELECT pg_advisory_xact_lock($1, $2)", namespace, key)


async def write(query: Any) -> Any:
    """Run a write; a unique constraint the service's checks missed (a race between two
    requests) becomes a 409 rather than a 500."""
    try:
        return await query
    except Exception as error:
        if is_integrity_error(error):
            raise Conflict("数据与已有记录冲突，请刷新后重试") from error
        raise


def is_integrity_error(error: BaseException) -> bool:
    """A unique or foreign-key constraint refused the write, on either engine."""
    import asyncpg

    return isinstance(error, sqlite3.IntegrityError | asyncpg.IntegrityConstraintViolationError)


async def start(database: DatabaseConfig) -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and database.pool:
        await db.start_connection_pool()


async def stop() -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()


async def migrate() -> None:
    """Apply pending migrations; on PostgreSQL under an advisory lock, so that several app
    processes starting together migrate once."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    db = engine()
    if not isinstance(db, PostgresEngine):
        await _forwards(run_forwards)
        return
    import asyncpg

    lock_connection = await asyncpg.connect(db.config["dsn"])
    try:
        await lock_connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        await _forwards(run_forwards)
    finally:
        await lock_connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
        await lock_connection.close()


async def _forwards(run_forwards) -> None:
    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}")
