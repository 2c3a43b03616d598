"""Process-wide configuration, read once from the environment at the edges.

Per-hall rule settings (thresholds, timetables) live in `hall.settings`, not here.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DatabaseConfig:
    url: str
    sqlite_path: Path
    # A PostgreSQL connection pool belongs to the event loop that opened it; tests that
    # drive the app from another loop (Litestar's test client) turn it off.
    pool: bool = True

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgres://", "postgresql://"))


@dataclass(frozen=True)
class AuthConfig:
    session_hours: int = 12
    api_token_days: int = 90
    secure_cookies: bool = False
    admin_password: str | None = None


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig
    auth: AuthConfig = field(default_factory=AuthConfig)
    redis_url: str | None = None
    queue_name: str = "hall:jobs"
    # The longest a background job may run. A job whose worker died is redone by another
    # this long (plus arq's 10 s) after it started; every job may run twice, so each is
    # written to be redone.
    job_timeout_seconds: int = 300
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    data_dir: Path = PROJECT_ROOT / "var"
    demo_data: bool = False
    migrate_on_start: bool = True
    max_upload_bytes: int = 5 * 1024 * 1024
    # An image's width x height, read from its header before it is decoded.
    max_image_pixels: int = 40_000_000
    # Push terminals (/iclock/): an unknown SN is refused, or parked for the admin to
    # approve; the app serves /iclock/ itself unless a separate push app does.
    park_unknown_devices: bool = False
    push_on_main_app: bool = True
    push_delay_seconds: int = 10

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    def local_now(self) -> dt.datetime:
        """The halls' wall-clock time to the second, as punches are recorded."""
        return dt.datetime.now(self.timezone).replace(tzinfo=None, microsecond=0)


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(environ: os._Environ[str] | dict[str, str] = os.environ) -> Config:
    data_dir = Path(environ.get("DATA_DIR") or PROJECT_ROOT / "var")
    sqlite_path = data_dir / "hall.sqlite"
    url = environ.get("DATABASE_URL") or f"sqlite:///{sqlite_path}"
    if url.startswith("sqlite:///"):
        sqlite_path = Path(url.removeprefix("sqlite:///"))
    return Config(
        database=DatabaseConfig(url=url, sqlite_path=sqlite_path, pool=_flag("DATABASE_POOL", True)),
        auth=AuthConfig(
            session_hours=int(environ.get("SESSION_HOURS", "12")),
            api_token_days=int(environ.get("API_TOKEN_DAYS", "90")),
            secure_cookies=_flag("SECURE_COOKIES", False),
            admin_password=environ.get("ADMIN_PASSWORD") or None,
        ),
        redis_url=environ.get("REDIS_URL") or None,
        queue_name=environ.get("JOB_QUEUE") or "hall:jobs",
        job_timeout_seconds=int(environ.get("JOB_TIMEOUT_SECONDS") or 300),
        timezone=ZoneInfo(environ.get("HALL_TIMEZONE", "Asia/Shanghai")),
        data_dir=data_dir,
        demo_data=_flag("DEMO_DATA", False),
        migrate_on_start=_flag("MIGRATE_ON_START", True),
        max_upload_bytes=int(environ.get("MAX_UPLOAD_BYTES", str(5 * 1024 * 1024))),
        max_image_pixels=int(environ.get("MAX_IMAGE_PIXELS", "40000000")),
        park_unknown_devices=_choice(environ, "PUSH_UNKNOWN_DEVICES", ("refuse", "park")) == "park",
        push_on_main_app=_flag("PUSH_ON_MAIN_APP", True),
        push_delay_seconds=int(environ.get("PUSH_DELAY_SECONDS", "10")),
    )


def _choice(environ: os._Environ[str] | dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (the first is the default); anything else stops the start."""
    value = (environ.get(name) or choices[0]).strip().lower()
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


@cache
def get_config() -> Config:
    return load_config()
