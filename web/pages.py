"""Rendering pages: the template context every page shares, and the navigation per role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.response import Redirect, Template

from attendance.months import shift_month as shift_month  # the pages' month navigation
from complaints.access import DESK as COMPLAINT_DESK
from complaints.access import READERS as COMPLAINT_READERS
from hall.accounts import Principal
from hall.errors import DomainError, InvalidInput
from hall.i18n import DEFAULT_LANGUAGE, LANGUAGES, render_message, translator
from hall.roles import ATTENDANCE_OFFICE, BOARD_VIEWERS, MANAGERS, OFFICE, PEOPLE, REQUESTERS, Role
from hall.schemas import HallRead
from hall.services import HallScope, hall_scope, list_halls
from hall.tables import DocumentKind

LANGUAGE_COOKIE = "lang"
KIOSK_PREFIX = "/kiosk"
KIOSK_PAIRING = "/kiosk/pair"
EVALUATOR_PREFIX = "/evaluate"
EVALUATOR_PAIRING = "/evaluate/pair"
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    roles: frozenset[Role]


NAVIGATION = (
    NavItem("/", "首页", PEOPLE),
    NavItem("/halls", "中心", MANAGERS),
    NavItem("/windows", "窗口", OFFICE),
    NavItem("/staff", "人员", OFFICE),
    NavItem("/cover", "顶岗安排", ATTENDANCE_OFFICE),
    NavItem("/departments", "进驻单位", MANAGERS),
    NavItem("/accounts", "账号", MANAGERS),
    NavItem("/devices", "设备", MANAGERS),
    NavItem("/settings", "规则设置", ATTENDANCE_OFFICE),
    NavItem("/calendar", "工作日历", OFFICE),
    NavItem("/attendance", "考勤看板", BOARD_VIEWERS),
    NavItem("/attendance/summary", "月度汇总", ATTENDANCE_OFFICE),
    NavItem("/attendance/requests", "请假补卡", REQUESTERS),
    NavItem("/attendance/months", "月度关账", ATTENDANCE_OFFICE),
    NavItem("/documents", "报表下载", ATTENDANCE_OFFICE),
    NavItem("/attendance/faces", "人脸采集", ATTENDANCE_OFFICE),
    NavItem("/attendance/faces/attempts", "识别记录", ATTENDANCE_OFFICE),
    NavItem("/attendance/me", "我的考勤", frozenset({Role.STAFF})),
    NavItem("/assessment", "考核总览", OFFICE),
    NavItem("/assessment/quarters", "季度评定", OFFICE),
    NavItem("/assessment/inspect", "督查录入", MANAGERS | {Role.INSPECTOR}),
    NavItem("/assessment/rules", "考核规则", MANAGERS | {Role.INSPECTOR}),
    NavItem("/assessment/my-score", "我的考核", frozenset({Role.STAFF})),
    NavItem("/assessment/satisfaction", "满意度", OFFICE),
    NavItem("/assessment/me", "我的满意度", frozenset({Role.STAFF})),
    NavItem("/complaints", "投诉", COMPLAINT_READERS),
    NavItem("/complaints/new", "登记投诉", COMPLAINT_DESK),
    NavItem("/complaints/statistics", "投诉统计", COMPLAINT_DESK | MANAGERS),
    NavItem("/audit", "操作日志", MANAGERS),
    NavItem("/me", "我的信息", PEOPLE),
)


def language(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def principal(request: Request) -> Principal:
    """The signed-in caller; the role guard has already refused anyone else."""
    user = request.scope.get("user")
    assert user is not None, "role_guard lets no anonymous caller reach a non-public route"
    return user


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Template:
    user = request.scope.get("user")
    lang = language(request)
    translate = translator(lang)
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "_": translate,
            "lang": lang,
            "languages": LANGUAGES,
            "user": user,
            "role_labels": {role: role.label for role in Role},
            "nav": [item for item in NAVIGATION if user is not None and user.role in item.roles],
            "current_path": request.url.path,
            "is_manager": user is not None and user.role in MANAGERS,
            **context,
        },
    )


def render_form(
    request: Request, template: str, *, error: DomainError | None, values: dict[str, Any], **context: Any
) -> Template:
    """A page with a form: blank when `error` is None, else shown again with what was
    typed and why it was refused."""
    if error is None:
        return render(request, template, values=values, **context)
    translate = translator(language(request))
    field_errors = {}
    if isinstance(error, InvalidInput):
        field_errors = {e.field: render_message(translate, e.message, e.params) for e in error.errors}
    return render(
        request,
        template,
        status_code=error.status_code,
        form_error=render_message(translate, error.message, error.params),
        field_errors=field_errors,
        values=values,
        **context,
    )


def login_redirect(request: Request) -> Redirect:
    # A kiosk has nobody to type a password: it signs in again by pairing.
    if request.url.path.startswith(KIOSK_PREFIX):
        return Redirect(path=KIOSK_PAIRING, status_code=303)
    if request.url.path.startswith(EVALUATOR_PREFIX):
        return Redirect(path=EVALUATOR_PAIRING, status_code=303)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(path=f"/login?next={quote(target)}", status_code=303)


async def form_values(request: Request) -> dict[str, Any]:
    """A submitted form as a dict; blank fields are left out so that optional ones take
    their defaults and required ones are reported as missing."""
    form = await request.form()
    return {key: value for key, value in form.items() if not (isinstance(value, str) and value.strip() == "")}


def config(request: Request) -> Any:
    return request.app.state.config


def today(request: Request) -> dt.date:
    return dt.datetime.now(config(request).timezone).date()


def local_now(request: Request) -> dt.datetime:
    return config(request).local_now()


async def scope_of(request: Request) -> HallScope:
    return await hall_scope(hall_id=principal(request).hall_id)


async def hall_choice(request: Request, hall_id: int | None) -> tuple[list[HallRead], int]:
    """The halls the caller reaches, and the one shown: asked for, else their own, else the first."""
    halls = await list_halls(scope=await scope_of(request))
    chosen = hall_id or principal(request).hall_id or (halls[0].id if halls else None)
    if chosen is None:
        raise InvalidInput.single("hall_id", "中心", "请选择中心")
    return halls, chosen


async def make_documents(request: Request, hall_id: int, kind: DocumentKind, period: dt.date) -> None:
    """A month closed or a quarter published: its documents made in the background, every
    format, kept for the documents page (made again from the same data, found, not doubled)."""
    await request.app.state.jobs.enqueue(
        "generate_documents", hall_id=hall_id, kind=kind.value, period=period
    )
