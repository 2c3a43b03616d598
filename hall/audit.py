"""The audit trail: who changed what, when, from where, with the fields before and after.

Services call `record(...)` inside their own `db.transaction()`, so that a change and its
entry are stored together or not at all. Who and where come from `CURRENT`, set for each
request by web/audit_context.py; background jobs and the command line run without it and
are recorded with no actor, their action codes ending in SYSTEM (".system").

Not audited row by row: what machines write in volume (device punch pushes, kiosk
clock-ins, evaluator presses, the nightly recomputation of verdicts and synced findings).
Those rows are themselves the record of what happened, with their device and time.

Entries are never changed or deleted: no route does it, and the database refuses it
(triggers made by the migration, `guard`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from hall import db
from hall.errors import InvalidInput
from hall.tables import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who is changing things in this request, and from which address."""

    account_id: int | None
    name: str
    address: str


CURRENT: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)
# Appended to the action of a change made outside a request: a job, the command line, the first start.
SYSTEM = ".system"
PAGE_SIZE = 50


@contextmanager
def acting(actor: Actor) -> Iterator[None]:
    token = CURRENT.set(actor)
    try:
        yield
    finally:
        CURRENT.reset(token)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"not recordable: {value!r}")


def _json(fields: Mapping[str, Any] | None) -> str | None:
    return None if fields is None else json.dumps(dict(fields), default=_plain, ensure_ascii=False)


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that differ, before and after: what an update entry keeps."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


async def record(
    action: str,
    *,
    subject_type: str,
    subject_id: int | str | None,
    hall_id: int | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """An entry for a change made in the caller's transaction."""
    if db.engine().current_transaction.get() is None:
        raise RuntimeError("audit.record runs inside db.transaction(), with the change it records")
    actor = CURRENT.get()
    await AuditEntry.insert(
        AuditEntry(
            hall=hall_id,
            actor=actor.account_id if actor else None,
            actor_name=actor.name if actor else "",
            address=actor.address if actor else "",
            action=action if actor else action + SYSTEM,
            subject_type=subject_type,
            subject_id="" if subject_id is None else str(subject_id),
            before=_json(before),
            after=_json(after),
            at=dt.datetime.now(dt.UTC),
        )
    )


# ---- reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    hall_id: int | None = None
    actor_id: int | None = None
    action: str | None = None  # a prefix: "complaint." is every complaint action
    subject_type: str | None = None
    subject_id: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None  # inclusive


@dataclass(frozen=True)
class AuditEntryRead:
    id: int
    at: dt.datetime  # in the halls' time zone
    hall_id: int | None
    actor_id: int | None
    actor_name: str  # "" for a background job or the command line
    address: str
    action: str
    subject_type: str
    subject_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntryRead]
    page: int
    has_next: bool


async def entries(
    *, wanted: AuditFilter, scope: frozenset[int] | None, timezone: dt.tzinfo, page: int = 1
) -> AuditPage:
    """Entries newest first, PAGE_SIZE a page; a scoped reader sees the entries of their halls."""
    if wanted.start is not None and wanted.end is not None and wanted.end < wanted.start:
        raise InvalidInput.single("end", "结束日期", "不能早于开始日期")
    query = (
        AuditEntry.select(*AuditEntry.all_columns())
        .order_by(AuditEntry.at, ascending=False)
        .order_by(AuditEntry.id, ascending=False)
        .output(load_json=True)
    )
    if scope is not None:
        query = query.where(AuditEntry.hall.is_in(list(scope) or [-1]))
    if wanted.hall_id is not None:
        query = query.where(AuditEntry.hall == wanted.hall_id)
    if wanted.actor_id is not None:
        query = query.where(AuditEntry.actor == wanted.actor_id)
    if wanted.action:
        query = query.where(AuditEntry.action.like(_prefix(wanted.action)))
    if wanted.subject_type:
        query = query.where(AuditEntry.subject_type == wanted.subject_type)
    if wanted.subject_id:
        query = query.where(AuditEntry.subject_id == wanted.subject_id)
    if wanted.start is not None:
        query = query.where(AuditEntry.at >= _midnight(wanted.start, timezone))
    if wanted.end is not None:
        query = query.where(AuditEntry.at < _midnight(wanted.end + dt.timedelta(days=1), timezone))
    page = max(page, 1)
    rows = await query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    return AuditPage(
        entries=[_entry(row, timezone) for row in rows[:PAGE_SIZE]], page=page, has_next=len(rows) > PAGE_SIZE
    )


def _prefix(text: str) -> str:
    # "_" stays a one-character wildcard: matching a little more than the prefix is harmless.
    return text.replace("%", "") + "%"


def _midnight(day: dt.date, timezone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone)


def _entry(row: dict[str, Any], timezone: dt.tzinfo) -> AuditEntryRead:
    return AuditEntryRead(
        id=row["id"],
        at=row["at"].astimezone(timezone),
        hall_id=row["hall"],
        actor_id=row["actor"],
        actor_name=row["actor_name"],
        address=row["address"],
        action=row["action"],
        subject_type=row["subject_type"],
        subject_id=row["subject_id"],
        before=row["before"],
        after=row["after"],
    )


# ---- the database's refusal ----------------------------------------------------------

_COLUMNS = ("id", "actor_name", "address", "action", "subject_type", "subject_id", "before", "after", "at")
_MESSAGE = "audit entries cannot be changed or deleted"
# An account or hall deleted sets its foreign key to NULL: the one change allowed.
_SQLITE_GUARD = (
    f"""CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
    WHEN NOT ({" AND ".join(f'NEW."{column}" IS OLD."{column}"' for column in _COLUMNS)}
        AND (NEW.actor IS OLD.actor OR NEW.actor IS NULL) AND (NEW.hall IS OLD.hall OR NEW.hall IS NULL))
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""",
)
_POSTGRES_GUARD = (
    f"""CREATE FUNCTION audit_entry_unchangeable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
            AND to_jsonb(NEW) - 'actor' - 'hall' = to_jsonb(OLD) - 'actor' - 'hall'
            AND (NEW.actor IS NOT DISTINCT FROM OLD.actor OR NEW.actor IS NULL)
            AND (NEW.hall IS NOT DISTINCT FROM OLD.hall OR NEW.hall IS NULL) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{_MESSAGE}';
    END $$""",
    """CREATE TRIGGER audit_entry_unchangeable BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_unchangeable()""",
)


async def guard() -> None:
    """Make the database refuse to change or delete entries."""
    for statement in _POSTGRES_GUARD if _is_postgres() else _SQLITE_GUARD:
        await Table.raw(statement)


async def unguard() -> None:
    """Undo `guard`: for migrating backwards, and for tests that empty every table."""
    if _is_postgres():
        await Table.raw("DROP FUNCTION audit_entry_unchangeable() CASCADE")
    else:
        await Table.raw("DROP TRIGGER audit_entry_no_update")
        await Table.raw("DROP TRIGGER audit_entry_no_delete")


def _is_postgres() -> bool:
    return isinstance(db.engine(), PostgresEngine)
