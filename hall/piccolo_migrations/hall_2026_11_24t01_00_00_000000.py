"""The audit trail's table (hall.tables.AuditEntry). Its index and the triggers that keep
entries unchanged come in the next migration: Piccolo runs a migration's raw SQL before its
table DDL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Account(Table, tablename="account", schema=None):
    id = Serial(null=False, primary_key=True)


class Hall(Table, tablename="hall", schema=None):
    id = Serial(null=False, primary_key=True)


ID = "2026-11-24T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Audit trail"

COMMON = {
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


def _reference(table: type[Table]) -> dict:
    return {
        "references": table,
        "on_delete": OnDelete.set_null,
        "on_update": OnUpdate.cascade,
        "target_column": None,
        "null": True,
    }


COLUMNS = (
    ("id", Serial, {**COMMON, "null": False, "primary_key": True}),
    ("hall", ForeignKey, {**COMMON, **_reference(Hall)}),
    ("actor", ForeignKey, {**COMMON, **_reference(Account)}),
    ("actor_name", Varchar, {**COMMON, "length": 120, "default": "", "null": False}),
    ("address", Varchar, {**COMMON, "length": 64, "default": "", "null": False}),
    ("action", Varchar, {**COMMON, "length": 64, "default": "", "null": False}),
    ("subject_type", Varchar, {**COMMON, "length": 32, "default": "", "null": False}),
    ("subject_id", Varchar, {**COMMON, "length": 64, "default": "", "null": False}),
    ("before", JSON, {**COMMON, "default": None, "null": True}),
    ("after", JSON, {**COMMON, "default": None, "null": True}),
    ("at", Timestamptz, {**COMMON, "default": TimestamptzNow(), "null": False}),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hall", description=DESCRIPTION)
    manager.add_table(class_name="AuditEntry", tablename="audit_entry", schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="AuditEntry",
            tablename="audit_entry",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
