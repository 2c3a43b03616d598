from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import Date
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Hall(Table, tablename="hall", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


class Staff(Table, tablename="staff", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


ID = "2026-11-23T08:55:08:856315"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="attendance", description=DESCRIPTION
    )

    manager.add_table(
        class_name="PendingDay",
        tablename="pending_day",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="PendingDay",
        tablename="pending_day",
        column_name="id",
        db_column_name="id",
        column_class_name="Serial",
        column_class=Serial,
        params={
            "null": False,
            "primary_key": True,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PendingDay",
        tablename="pending_day",
        column_name="hall",
        db_column_name="hall",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Hall,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PendingDay",
        tablename="pending_day",
        column_name="staff",
        db_column_name="staff",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Staff,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PendingDay",
        tablename="pending_day",
        column_name="day",
        db_column_name="day",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": DateNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.alter_column(
        table_class_name="Punch",
        tablename="punch",
        column_name="source",
        db_column_name="source",
        params={
            "choices": Enum(
                "PunchSource",
                {
                    "FACE": "face",
                    "FINGERPRINT": "fingerprint",
                    "CARD": "card",
                    "PASSWORD": "password",
                    "WEB": "web",
                    "MANUAL": "manual",
                    "OTHER": "other",
                },
            )
        },
        old_params={
            "choices": Enum(
                "PunchSource",
                {
                    "FACE": "face",
                    "FINGERPRINT": "fingerprint",
                    "CARD": "card",
                    "PASSWORD": "password",
                    "WEB": "web",
                    "MANUAL": "manual",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
