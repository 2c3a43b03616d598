"""The audit trail, for the system admin (every hall) and directors (their hall and the
halls below it): read only; no route changes or deletes an entry."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.response import Template

from hall import audit
from hall.accounts import list_accounts
from hall.roles import MANAGERS
from hall.services import list_halls
from web.attendance import OptionalDate, OptionalInt, OptionalText
from web.guards import allow
from web.pages import config, render, scope_of

Page = Annotated[int, QueryParameter(ge=1, le=100_000)]

# What each action code means, for the page; codes not listed are shown as they are.
ACTION_LABELS = {
    "attendance.punch.manual": "手工补录打卡",
    "attendance.request.submit": "提交请假/补卡申请",
    "attendance.request.approve": "批准请假/补卡申请",
    "attendance.request.refuse": "不批准请假/补卡申请",
    "attendance.request.cancel": "撤回请假/补卡申请",
    "attendance.month.close": "考勤月度关账",
    "attendance.month.reopen": "考勤重新开账",
    "assessment.finding.add": "录入考核记录",
    "assessment.finding.reverse": "撤销考核记录",
    "assessment.rule.change": "修改考核规则",
    "assessment.month.signoff": "签发月度考核",
    "assessment.quarter.publish": "公示季度考核",
    "assessment.self.file": "提交窗口自评",
    "complaint.registered": "登记投诉",
    "complaint.filed_online": "群众在线投诉",
    "complaint.assigned": "交办投诉",
    "complaint.reported": "反馈办理情况",
    "complaint.replied": "答复投诉",
    "complaint.extended": "投诉延期",
    "complaint.decided": "认定投诉",
    "complaint.closed": "投诉办结",
    "complaint.reopened": "投诉重新办理",
    "complaint.followed_up": "投诉回访",
    "complaint.attached": "添加投诉附件",
    "settings.change": "修改规则设置",
    "calendar.year.enter": "录入年度节假日",
    "calendar.year.delete": "删除年度节假日",
    "calendar.closure.add": "添加闭厅日",
    "calendar.closure.delete": "删除闭厅日",
    "device.register": "登记设备",
    "device.secret.replace": "更换设备密钥",
    "device.deactivate": "停用设备",
    "account.create": "新建账号",
    "account.create.first_start": "首次启动时建立管理员账号",
    "account.password": "设置密码",
    "account.activate": "启用账号",
    "account.deactivate": "停用账号",
    "account.token.revoke": "注销登录会话或令牌",
    "account.token.revoke_all": "注销全部登录会话和令牌",
}
# The filter's choices: the areas an action code starts with.
AREAS = {
    "attendance.": "考勤",
    "assessment.": "考核",
    "complaint.": "投诉",
    "settings.": "规则设置",
    "calendar.": "工作日历",
    "device.": "设备",
    "account.": "账号",
}


def wanted_entries(
    hall_id: OptionalInt = None,
    actor_id: OptionalInt = None,
    action: OptionalText = None,
    subject_type: OptionalText = None,
    subject_id: OptionalText = None,
    start: OptionalDate = None,
    end: OptionalDate = None,
) -> audit.AuditFilter:
    """The filter from the query, the same for the API and the page."""
    return audit.AuditFilter(hall_id, actor_id, action, subject_type, subject_id, start, end)


FILTER = {"wanted": Provide(wanted_entries, sync_to_thread=False)}


class AuditApi(Controller):
    path = "/api/audit"
    tags = ["audit"]
    dependencies = FILTER

    @get("/", opt=allow(MANAGERS))
    async def list_entries(
        self, request: Request, wanted: NamedDependency[audit.AuditFilter], page: Page = 1
    ) -> audit.AuditPage:
        """Newest first, 50 a page; `action` is a prefix ("complaint." is every complaint step)."""
        return await audit.entries(
            wanted=wanted, scope=await scope_of(request), timezone=config(request).timezone, page=page
        )


class AuditPages(Controller):
    path = "/audit"
    dependencies = FILTER

    @get("/", opt=allow(MANAGERS))
    async def index(
        self, request: Request, wanted: NamedDependency[audit.AuditFilter], page: Page = 1
    ) -> Template:
        scope = await scope_of(request)
        found = await audit.entries(wanted=wanted, scope=scope, timezone=config(request).timezone, page=page)
        halls = await list_halls(scope=scope)
        accounts = await list_accounts(scope=scope)
        return render(
            request,
            "audit/index.html",
            found=found,
            values={key: value for key, value in vars(wanted).items() if value is not None},
            halls=halls,
            hall_names={hall.id: hall.name for hall in halls},
            accounts=accounts,
            labels=ACTION_LABELS,
            system=audit.SYSTEM,
            areas=AREAS,
        )


ROUTES = [AuditApi, AuditPages]
