"""The Litestar application factory: `uvicorn --factory web.app:create_app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

import worker
from assessment import demo as assessment_demo
from attendance import demo as attendance_demo
from attendance import face_engine
from complaints import demo as complaints_demo
from devices import demo as devices_demo
from hall import db, demo
from hall.accounts import ensure_admin
from hall.background import InProcessJobQueue, JobQueue, RedisJobQueue
from hall.config import Config, get_config
from hall.errors import InvalidInput, describe
from web import (
    accounts,
    assessment,
    assessment_pages,
    attendance,
    attendance_pages,
    audit,
    calendar,
    complaints,
    complaints_pages,
    complaints_public,
    devices,
    documents,
    evaluations,
    evaluator,
    faces,
    faces_pages,
    hall,
    iclock,
    kiosk,
    ranking_board,
    settings,
    templating,
)
from web.audit_context import AuditContextMiddleware
from web.auth import AuthenticationMiddleware
from web.errors import EXCEPTION_HANDLERS
from web.guards import PUBLIC, check_every_route_declares, role_guard
from web.security import csrf_middleware, security_headers

log = logging.getLogger("hall")
WEB_DIR = Path(__file__).parent


def _announce(lines: list[str]) -> None:
    # Printed, not logged: the first-start credentials must reach the operator's terminal.
    print("\n".join(["", "=" * 60, *lines, "=" * 60, ""]), flush=True)


async def _first_start(config: Config) -> None:
    try:
        admin_password = await ensure_admin(password=config.auth.admin_password)
    except InvalidInput as error:
        # The operator's mistake, said plainly rather than as a traceback.
        raise SystemExit(f"ADMIN_PASSWORD: {describe(error)}") from None
    if admin_password:
        _announce(
            [
                "已创建系统管理员账号 / admin account created:",
                f"  用户名 username: admin    密码 password: {admin_password}",
                "  此密码只显示这一次 / shown only this once",
            ]
        )
    if config.demo_data:
        loaded = await demo.load_demo()
        await attendance_demo.load_demo_attendance(now=config.local_now())
        await complaints_demo.load_demo_complaints(now=config.local_now())
        await assessment_demo.load_demo_assessment(now=config.local_now())
        secrets = await devices_demo.load_demo_devices()
        if loaded:
            _announce(
                [
                    "已载入演示数据 / demo data loaded. 演示账号 / demo accounts:",
                    *(f"  {a.username:<16} {a.role.label:<8} 密码 {demo.DEMO_PASSWORD}" for a in loaded),
                    *(
                        f"  终端 / terminal: 打开 {page} 输入密钥 {secret}"
                        for page, secret in secrets.items()
                    ),
                ]
            )


async def _job_queue(config: Config) -> JobQueue:
    if config.redis_url:
        return await RedisJobQueue.connect(config.redis_url, config.queue_name)
    queue = InProcessJobQueue(worker.FUNCTIONS, worker.CRON_JOBS, config.timezone)
    queue.start_scheduler()
    return queue


def _lifespan(config: Config, *, push_only: bool):
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.start(config.database)
        if config.migrate_on_start:
            await db.migrate()
        if not push_only:
            await _first_start(config)
            face_engine.warm_up()
        app.state.jobs = await _job_queue(config)
        try:
            yield
        finally:
            await iclock.SETTLER.drain()
            await app.state.jobs.close()
            await db.stop()

    return lifespan


def create_push_app(config: Config | None = None) -> Litestar:
    """/iclock/ alone, for push terminals on a port of their own:
    `uvicorn --factory web.app:create_push_app --port 8081` (with PUSH_ON_MAIN_APP=0 for the
    main app). Its jobs run as the main app's do."""
    config = config or get_config()
    app = Litestar(
        route_handlers=iclock.ROUTES,
        guards=[role_guard],
        lifespan=[_lifespan(config, push_only=True)],
        state=State({"config": config}),
        request_max_body_size=config.max_upload_bytes,
        openapi_config=None,
        before_send=[security_headers(config)],
    )
    check_every_route_declares(app)
    return app


def create_app(config: Config | None = None) -> Litestar:
    config = config or get_config()
    app = Litestar(
        route_handlers=[
            *accounts.ROUTES,
            *hall.ROUTES,
            *settings.ROUTES,
            *calendar.ROUTES,
            *attendance.ROUTES,
            *attendance_pages.ROUTES,
            *faces.ROUTES,
            *faces_pages.ROUTES,
            *devices.ROUTES,
            *kiosk.ROUTES,
            *evaluations.ROUTES,
            *evaluator.ROUTES,
            *assessment.ROUTES,
            *assessment_pages.ROUTES,
            *complaints.ROUTES,
            *complaints_pages.ROUTES,
            *complaints_public.ROUTES,
            *documents.ROUTES,
            *ranking_board.ROUTES,
            *audit.ROUTES,
            *(iclock.ROUTES if config.push_on_main_app else []),
            create_static_files_router(path="/static", directories=[WEB_DIR / "static"], opt=PUBLIC),
        ],
        guards=[role_guard],
        middleware=[AuthenticationMiddleware(), AuditContextMiddleware(), csrf_middleware(config)],
        before_send=[security_headers(config)],
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=TemplateConfig(
            directory=WEB_DIR / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=templating.configure,
        ),
        openapi_config=OpenAPIConfig(
            title="便民服务中心管理系统 API",
            version="0.1.0",
            render_plugins=[SwaggerRenderPlugin()],
            openapi_router=Router(path="/schema", route_handlers=[], opt=PUBLIC),
        ),
        lifespan=[_lifespan(config, push_only=False)],
        state=State({"config": config}),
        request_max_body_size=config.max_upload_bytes,
    )
    check_every_route_declares(app)
    return app
