"""Failed logins, counted by username and by client address for the login throttle."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-24T01:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Login failures"


def _params(**overrides):
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **overrides,
    }


COLUMNS = (
    ("id", Serial, _params(primary_key=True)),
    ("username", Varchar, _params(length=50, default="", index=True)),
    ("address", Varchar, _params(length=64, default="", index=True)),
    ("at", Timestamptz, _params(default=TimestamptzNow())),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hall", description=DESCRIPTION)
    manager.add_table(class_name="LoginFailure", tablename="login_failure", schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="LoginFailure",
            tablename="login_failure",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
