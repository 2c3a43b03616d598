"""Test set-up: a database of our own for the run (SQLite, or PostgreSQL when DATABASE_URL
points at a server), migrated once, emptied before each test; the real app in a test client.

The environment is set here, before any product module reads its configuration.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import httpx
import pytest

from tests.databases import create_database, drop_database

SERVER_URL = os.environ.get("DATABASE_URL")
RUN_DIR = Path(tempfile.mkdtemp(prefix="hall-tests-"))
DATABASE_URL = create_database(SERVER_URL, RUN_DIR)
os.environ.update(
    {
        "DATABASE_URL": DATABASE_URL,
        "DATA_DIR": str(RUN_DIR),
        "JOB_QUEUE": f"hall:test:{uuid.uuid4().hex[:8]}",
        "ADMIN_PASSWORD": "first-admin-password",
        "DEMO_DATA": "0",
        # The test client runs the app on an event loop of its own; a pool opened there
        # would strand the fixtures' queries on this loop. The browser tests' server keeps one.
        "DATABASE_POOL": "0",
    }
)

from litestar.middleware.csrf import generate_csrf_token  # noqa: E402
from litestar.testing import AsyncTestClient  # noqa: E402
from piccolo.conf.apps import Finder  # noqa: E402
from piccolo.table import sort_table_classes  # noqa: E402

from devices import registry  # noqa: E402
from devices.schemas import DeviceCreate  # noqa: E402
from devices.tables import DeviceKind  # noqa: E402
from hall import accounts, audit, db, services  # noqa: E402
from hall.config import get_config  # noqa: E402
from hall.roles import Role  # noqa: E402
from hall.schemas import (  # noqa: E402
    AccountCreate,
    DepartmentCreate,
    HallCreate,
    HallRead,
    StaffCreate,
    StaffRead,
    WindowCreate,
    WindowRead,
)
from hall.tables import HallLevel, TokenKind  # noqa: E402
from web.app import create_app  # noqa: E402
from web.security import CSRF_COOKIE, CSRF_HEADER, csrf_secret  # noqa: E402

PASSWORD = "correct-horse-battery"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    drop_database(SERVER_URL, DATABASE_URL)
    shutil.rmtree(RUN_DIR, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
async def migrated() -> AsyncIterator[None]:
    await db.migrate()
    yield
    await db.stop()


async def empty_tables() -> None:
    tables = sort_table_classes(Finder().get_table_classes())
    # The database refuses to delete audit entries (hall.audit.guard) but for this.
    await audit.unguard()
    try:
        for table in reversed(tables):
            for column in table._meta.foreign_key_columns:
                if column._foreign_key_meta.resolved_references is table:
                    await table.update({column: None}, force=True)
            await table.delete(force=True)
    finally:
        await audit.guard()


@pytest.fixture(autouse=True)
async def clean_database(migrated: None) -> None:
    await empty_tables()


@cache
def browser_csrf_token() -> str:
    """One token for the run, as a browser keeps its cookie's from page to page."""
    return generate_csrf_token(csrf_secret(get_config()))


async def send_csrf_token(request: httpx.Request) -> None:
    """Posts as a browser does from a page the app served: with the CSRF token in its
    cookie and header (web/security.py). tests/web/test_security.py posts without."""
    if request.method in {"GET", "HEAD", "OPTIONS"} or CSRF_HEADER in request.headers:
        return
    token = browser_csrf_token()
    cookies = [part for part in request.headers.get("cookie", "").split("; ") if part]
    cookies = [part for part in cookies if not part.startswith(f"{CSRF_COOKIE}=")]
    request.headers["cookie"] = "; ".join([*cookies, f"{CSRF_COOKIE}={token}"])
    request.headers[CSRF_HEADER] = token


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app()) as test_client:
        test_client.event_hooks = {"request": [send_csrf_token]}
        yield test_client


@dataclass
class World:
    """A county centre with two township centres; the first has two windows and staff,
    and an account of every role (the admin reaches all halls, the others the town)."""

    county: HallRead
    town: HallRead
    other_town: HallRead
    windows: list[WindowRead]
    staff: list[StaffRead]
    other_window: WindowRead
    other_staff: StaffRead
    tokens: dict[Role, str] = field(default_factory=dict)
    account_ids: dict[Role, int] = field(default_factory=dict)

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def cookie(self, role: Role) -> dict[str, str]:
        return {"Cookie": f"hall_session={self.tokens[role]}"}

    async def fresh_auth(self, role: Role) -> dict[str, str]:
        """A new token of its own, for a request that may revoke it (logout)."""
        token, _ = await accounts.issue_token(
            account_id=self.account_ids[role],
            kind=TokenKind.SESSION,
            now=dt.datetime.now(dt.UTC),
            lifetime=dt.timedelta(hours=1),
        )
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def world() -> World:
    county = await services.create_hall(
        data=HallCreate(code="county", name="示范县政务服务中心", level=HallLevel.CENTRE), scope=None
    )
    town = await services.create_hall(
        data=HallCreate(
            code="town", name="青山镇便民服务中心", level=HallLevel.TOWNSHIP, parent_id=county.id
        ),
        scope=None,
    )
    other_town = await services.create_hall(
        data=HallCreate(
            code="other", name="绿水镇便民服务中心", level=HallLevel.TOWNSHIP, parent_id=county.id
        ),
        scope=None,
    )
    civil = await services.create_department(data=DepartmentCreate(name="民政办"))
    social = await services.create_department(data=DepartmentCreate(name="社保所"))
    windows = [
        await services.create_window(
            data=WindowCreate(hall_id=town.id, department_id=civil.id, number="1", name="民政窗口"),
            scope=None,
        ),
        await services.create_window(
            data=WindowCreate(hall_id=town.id, department_id=social.id, number="2", name="社保窗口"),
            scope=None,
        ),
    ]
    other_window = await services.create_window(
        data=WindowCreate(hall_id=other_town.id, department_id=civil.id, number="1", name="民政窗口"),
        scope=None,
    )
    staff = [
        await services.create_staff(
            data=StaffCreate(hall_id=town.id, name=name, staff_number=number, window_id=window.id), scope=None
        )
        for name, number, window in (
            ("王芳", "QS001", windows[0]),
            ("李强", "QS002", windows[0]),
            ("张敏", "QS003", windows[1]),
        )
    ]
    other_staff = await services.create_staff(
        data=StaffCreate(hall_id=other_town.id, name="赵丽", staff_number="LS001", window_id=other_window.id),
        scope=None,
    )
    world = World(county, town, other_town, windows, staff, other_window, other_staff)
    for role in (role for role in Role if role != Role.DEVICE):
        account = await accounts.create_account(
            data=AccountCreate(
                username=f"test_{role.value}",
                password=PASSWORD,
                role=role,
                display_name=role.label,
                hall_id=None if role == Role.ADMIN else town.id,
                staff_id=staff[0].id if role == Role.STAFF else None,
            ),
            scope=None,
        )
        world.account_ids[role] = account.id
        world.tokens[role], _ = await accounts.issue_token(
            account_id=account.id,
            kind=TokenKind.SESSION,
            now=dt.datetime.now(dt.UTC),
            lifetime=dt.timedelta(hours=1),
        )
    # A device is an account made by the registry; this one is a face terminal program,
    # the kind that may call every device endpoint of the face API.
    issued = await registry.register_device(
        data=DeviceCreate(hall_id=town.id, name="测试终端", kind=DeviceKind.FACE_TERMINAL),
        scope=None,
        actor_id=None,
        now=dt.datetime.now(dt.UTC),
    )
    world.account_ids[Role.DEVICE], world.tokens[Role.DEVICE] = issued.device.account_id, issued.secret
    return world
