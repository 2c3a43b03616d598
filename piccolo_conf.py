"""Piccolo's engine and app registry; the engine comes from DATABASE_URL (SQLite by default)."""

from piccolo.conf.apps import AppRegistry

from hall.config import get_config
from hall.db import make_engine

DB = make_engine(get_config().database)

APP_REGISTRY = AppRegistry(
    apps=[
        "hall.piccolo_app",
        "attendance.piccolo_app",
        "devices.piccolo_app",
        "assessment.piccolo_app",
        "complaints.piccolo_app",
    ]
)
