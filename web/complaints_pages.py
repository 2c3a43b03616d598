"""The complaint desk's pages under /complaints: the board, intake, a ticket with the actions
its state allows, and the monthly statistics; the same services as the JSON API in
complaints.py, whose caller and form helpers they share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from complaints import reminders, services, workflow
from complaints.access import DESK, READERS, Viewer
from complaints.attachments import MAX_FILES
from complaints.deadlines import CLASS_LABELS, ComplaintClass
from complaints.schemas import (
    AssignRequest,
    DecisionCreate,
    ExplanationLine,
    ExtensionCreate,
    FollowUpCreate,
    NoteCreate,
    ReasonCreate,
    ReplyCreate,
    ReportCreate,
)
from complaints.services import UNANSWERED
from complaints.tables import Action, Channel, ReminderKind, ReplyChannel, Sanction, Satisfaction, State
from complaints.workflow import STATE_LABELS
from hall.errors import DomainError, InvalidInput
from hall.i18n import Translate
from hall.services import get_hall, list_departments, list_halls, list_staff, list_windows
from web.attendance import parse_month
from web.complaints import (
    NO_STORE,
    REPORTERS,
    STATISTICS_READERS,
    OptionalText,
    StateText,
    board_entries,
    limits,
    month_figures,
    now_of,
    register,
    submitted,
    viewer,
)
from web.complaints_public import REPLY_CHANNELS, body_limit
from web.guards import allow
from web.pages import (
    WEEKDAYS,
    config,
    form_values,
    hall_choice,
    render_form,
    scope_of,
    shift_month,
)

Step = Callable[[dict[str, Any], Viewer, dt.datetime], Awaitable[Any]]

ASSIGN_ROWS = 3  # unit rows on the assign form; assign again to add more
REMINDERS_SHOWN = 10

CHANNEL_LABELS = {
    Channel.IN_PERSON: "当面投诉",
    Channel.PHONE: "电话投诉",
    Channel.WRITTEN: "书面投诉",
    Channel.ONLINE: "网上投诉",
    Channel.SUGGESTION_BOX: "意见箱",
}
# What the desk takes itself; online complaints come in through the public page.
DESK_CHANNELS = (Channel.IN_PERSON, Channel.PHONE, Channel.WRITTEN, Channel.SUGGESTION_BOX)
# How the complainant is answered or told afterwards; 当场答复 is given at intake.
LATER_REPLY_CHANNELS = tuple(channel for channel in ReplyChannel if channel != ReplyChannel.ON_THE_SPOT)
SANCTION_LABELS = {
    Sanction.NONE: "无",
    Sanction.WARNING: "警示提醒",
    Sanction.NOTICE: "通报批评",
    Sanction.TRANSFER: "建议调岗",
    Sanction.DISCIPLINE: "移送纪律处分",
}
SATISFACTION_LABELS = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASICALLY: "基本满意",
    Satisfaction.DISSATISFIED: "不满意",
    Satisfaction.UNREACHABLE: "联系不上",
}
ACTION_LABELS = {
    Action.REGISTERED: "登记",
    Action.FILED_ONLINE: "网上提交",
    Action.EDITED: "修改",
    Action.ASSIGNED: "交办",
    Action.REPORTED: "承办单位反馈",
    Action.REPLIED: "答复",
    Action.EXTENDED: "延期",
    Action.DECIDED: "认定",
    Action.CLOSED: "办结",
    Action.REOPENED: "重新办理",
    Action.FOLLOWED_UP: "回访",
    Action.ATTACHED: "添加附件",
    Action.OVERDUE: "逾期",
}
# The board's colours that carry a word; a calm complaint shows its time left alone.
URGENCY_LABELS = {
    "overdue": "已逾期",
    "today": "今日到期",
    "warning": "时限过半",
    "answered": "已答复",
}
REMINDER_LABELS = {
    ReminderKind.HALFWAY: "时限过半",
    ReminderKind.BEFORE_DUE: "即将到期",
    ReminderKind.OVERDUE: "已逾期",
    ReminderKind.ESCALATED: "督办",
}
ANSWERED = (State.REPLIED, State.DECIDED, State.CLOSED)


def hall_time(moment: dt.datetime, timezone: tzinfo) -> dt.datetime:
    """A moment the system recorded (aware, or naive UTC as SQLite hands it back) as the
    halls' wall-clock time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(timezone).replace(tzinfo=None)


def span(translate: Translate, seconds: int) -> str:
    """A stretch of time as a person says it: 1天2小时, 3小时20分, 15分."""
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return translate("{days}天{hours}小时").format(days=days, hours=hours)
    if hours:
        return translate("{hours}小时{minutes}分").format(hours=hours, minutes=minutes)
    if minutes:
        return translate("{minutes}分").format(minutes=minutes)
    return translate("不到1分钟")


def time_left(translate: Translate, seconds: int) -> str:
    """剩余 3小时20分, or 已逾期 1天2小时."""
    if seconds < 0:
        return translate("已逾期 {time}").format(time=span(translate, seconds))
    return translate("剩余 {time}").format(time=span(translate, seconds))


def explain(translate: Translate, line: ExplanationLine) -> str:
    """One line of how a deadline was counted, in the page's language: its message and each
    value that is a word of its own translated (dates and times stay as they are)."""
    return translate(line.message).format(**{key: translate(value) for key, value in line.params.items()})


LABELS: dict[str, Any] = {
    "state_labels": STATE_LABELS,
    "class_labels": CLASS_LABELS,
    "channel_labels": CHANNEL_LABELS,
    "desk_channel_options": [(channel, CHANNEL_LABELS[channel]) for channel in DESK_CHANNELS],
    "reply_channels": REPLY_CHANNELS,
    "later_reply_options": [(channel, REPLY_CHANNELS[channel]) for channel in LATER_REPLY_CHANNELS],
    "sanction_labels": SANCTION_LABELS,
    "satisfaction_labels": SATISFACTION_LABELS,
    "action_labels": ACTION_LABELS,
    "urgency_labels": URGENCY_LABELS,
    "reminder_labels": REMINDER_LABELS,
    "weekdays": WEEKDAYS,
    "time_left": time_left,
    "explain": explain,
    "max_files": MAX_FILES,
}


def _page(
    request: Request,
    template: str,
    *,
    error: DomainError | None = None,
    values: dict[str, Any] | None = None,
    **context: Any,
) -> Template:
    return render_form(request, template, error=error, values=values or {}, **LABELS, **context)


def _saved(complaint_id: int) -> Redirect:
    return Redirect(path=f"/complaints/{complaint_id}", status_code=303)


def _int_or_none(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _choice(kind: type, value: str | None, field: str, label: str) -> Any:
    """A filter's value from the query string: blank is none, an unknown one is refused."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise InvalidInput.single(field, label, "不是可选的值") from None


def assignment(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The assign form's rows (`units.N.target` = `window:ID` or `department:ID`, with the
    part and the optional due time) as an AssignRequest body, and the form's values again
    with the rows chosen moved up front so that a refusal's `units.N` matches row N."""
    rows, shown = [], {}
    for index in range(ASSIGN_ROWS):
        target = str(values.get(f"units.{index}.target", "")).strip()
        if not target:
            continue
        kind, _, number = target.partition(":")
        unit: dict[str, Any] = {"part": values.get(f"units.{index}.part", "")}
        if values.get(f"units.{index}.due_at"):
            unit["due_at"] = values[f"units.{index}.due_at"]
        unit["window_id" if kind == "window" else "department_id"] = number
        position = len(rows)
        rows.append(unit)
        for key in ("target", "part", "due_at"):
            if values.get(f"units.{index}.{key}"):
                shown[f"units.{position}.{key}"] = values[f"units.{index}.{key}"]
    body: dict[str, Any] = {"marked_complex": values.get("marked_complex", False)}
    if rows:
        body["units"] = rows
    if values.get("marked_complex"):
        shown["marked_complex"] = values["marked_complex"]
    return body, shown


class ComplaintPages(Controller):
    path = "/complaints"

    # ---- the board ---------------------------------------------------------------------

    @get("/", opt=allow(READERS))
    async def board(
        self,
        request: Request,
        hall_id: OptionalText = None,
        window_id: OptionalText = None,
        complaint_class: OptionalText = None,
        channel: OptionalText = None,
        state_filter: StateText = None,
    ) -> Template:
        """Open complaints, the least time left first, coloured by urgency; closed ones when
        the state filter asks for them. Window staff see their window's, with its reminders."""
        who, now, scope = await viewer(request), now_of(request), await scope_of(request)
        chosen = {
            "hall_id": _int_or_none(hall_id),
            "window_id": None if who.only_own_window else _int_or_none(window_id),
            "complaint_class": _choice(ComplaintClass, complaint_class, "complaint_class", "投诉类别"),
            "channel": _choice(Channel, channel, "channel", "受理渠道"),
            "state": _choice(State, state_filter, "state", "状态"),
        }
        reads = await services.list_complaints(
            viewer=who, now=now, open_only=chosen["state"] is None, **chosen
        )
        shown_reminders = await reminders.list_reminders(viewer=who, limit=REMINDERS_SHOWN)
        halls = await list_halls(scope=scope)
        windows = [] if who.only_own_window else await list_windows(scope=scope, hall_id=chosen["hall_id"])
        return _page(
            request,
            "complaints/board.html",
            complaints=board_entries(reads, now),
            counts=services.board_counts(reads, now),
            reminders=shown_reminders,
            halls=halls,
            windows=windows,
            chosen=chosen,
            own_window=who.only_own_window,
            is_desk=who.role in DESK,
            many_halls=len(halls) > 1,
        )

    # ---- intake --------------------------------------------------------------------------

    async def _intake(
        self,
        request: Request,
        hall_id: int | None,
        *,
        error: DomainError | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        halls, chosen = await hall_choice(request, hall_id)
        if chosen not in {hall.id for hall in halls}:  # a hall out of reach: the caller's own
            _, chosen = await hall_choice(request, None)
        scope = await scope_of(request)
        now = now_of(request)
        return _page(
            request,
            "complaints/new.html",
            error=error,
            values=values or {"received_at": now.strftime("%Y-%m-%dT%H:%M"), "channel": Channel.IN_PERSON},
            halls=halls,
            hall_id=chosen,
            windows=[w for w in await list_windows(scope=scope, hall_id=chosen) if w.active],
            staff=await list_staff(scope=scope, hall_id=chosen),
            now=now,
        )

    @get("/new", opt=allow(DESK))
    async def new(self, request: Request, hall_id: OptionalText = None) -> Template:
        """登记投诉: a complaint taken in person, by phone, in writing or from the box."""
        return await self._intake(request, _int_or_none(hall_id))

    @post("/new", opt=allow(DESK), request_max_body_size=body_limit(), status_code=200)
    async def file(self, request: Request) -> Template:
        values, uploads = await submitted(request)
        try:
            read, code = await register(request, values, uploads)
        except DomainError as error:
            return await self._intake(
                request, _int_or_none(values.get("hall_id")), error=error, values=values
            )
        hall = await get_hall(hall_id=read.hall_id, scope=await scope_of(request))
        response = _page(request, "complaints/filed.html", complaint=read, code=code, hall=hall)
        response.headers.update(NO_STORE)
        return response

    # ---- statistics ------------------------------------------------------------------------

    @get("/statistics", opt=allow(STATISTICS_READERS))
    async def statistics(
        self, request: Request, hall_id: OptionalText = None, month: OptionalText = None
    ) -> Template:
        """投诉统计: a hall's month per window, with the totals."""
        halls, chosen = await hall_choice(request, _int_or_none(hall_id))
        month_start = parse_month(month, now_of(request).date())
        figures = await month_figures(request, chosen, month_start)
        return _page(
            request,
            "complaints/statistics.html",
            halls=halls,
            hall_id=chosen,
            figures=figures,
            previous=shift_month(month_start, -1).strftime("%Y-%m"),
            following=shift_month(month_start, 1).strftime("%Y-%m"),
        )

    # ---- one complaint -----------------------------------------------------------------------

    async def _detail(
        self,
        request: Request,
        complaint_id: int,
        *,
        error: DomainError | None = None,
        values: dict[str, Any] | None = None,
        failed: str | None = None,
    ) -> Template:
        who, scope = await viewer(request), await scope_of(request)
        read = await services.get_complaint(complaint_id=complaint_id, viewer=who, now=now_of(request))
        desk = who.role in DESK
        context: dict[str, Any] = {"windows": [], "staff": [], "departments": [], "identity_views": []}
        if desk:
            context = {
                "windows": [w for w in await list_windows(scope=scope, hall_id=read.hall_id) if w.active],
                "staff": await list_staff(scope=scope, hall_id=read.hall_id),
                "departments": await list_departments(),
                "identity_views": await services.identity_views(complaint_id=complaint_id, viewer=who),
            }
        closed = read.state == State.CLOSED
        response = _page(
            request,
            "complaints/detail.html",
            error=error,
            values=values,
            failed=failed,
            complaint=read,
            urgency=services.urgency(read, now_of(request)),
            is_desk=desk,
            can_report={
                unit.id
                for unit in read.units
                if not closed
                and unit.reported_at is None
                and (desk or (who.only_own_window and unit.window_id == who.window_id))
            },
            can={
                "assign": desk and read.state in UNANSWERED,
                "reply": desk and read.state in (*UNANSWERED, State.REPLIED),
                "extend": desk and read.state in UNANSWERED,
                "decide": desk and read.state == State.REPLIED,
                "close": desk and read.state == State.DECIDED,
                "follow_up": desk and read.state in ANSWERED,
                "reopen": desk and read.state in ANSWERED,
                "attach": desk,
            },
            assign_rows=range(ASSIGN_ROWS),
            local=lambda moment: hall_time(moment, config(request).timezone),
            **context,
        )
        response.headers.update(NO_STORE)
        return response

    @get("/{complaint_id:int}", opt=allow(READERS))
    async def detail(self, request: Request, complaint_id: FromPath[int]) -> Template:
        """A complaint's every field and step, with the forms its state allows the caller."""
        return await self._detail(request, complaint_id)

    async def _step(self, request: Request, complaint_id: int, form: str, step: Step) -> Response:
        """Do one step with the submitted form: back to the complaint (303), or the page
        again with the form as typed and why it was refused."""
        values = await form_values(request)
        try:
            await step(values, await viewer(request), now_of(request))
        except DomainError as error:
            return await self._detail(request, complaint_id, error=error, values=values, failed=form)
        return _saved(complaint_id)

    @post("/{complaint_id:int}/assign", opt=allow(DESK))
    async def assign(self, request: Request, complaint_id: FromPath[int]) -> Response:
        values = await form_values(request)
        body, shown = assignment(values)
        try:
            await workflow.assign(
                complaint_id=complaint_id,
                data=AssignRequest.model_validate(body),
                viewer=await viewer(request),
                now=now_of(request),
            )
        except DomainError as error:
            return await self._detail(request, complaint_id, error=error, values=shown, failed="assign")
        return _saved(complaint_id)

    @post("/{complaint_id:int}/units/{unit_id:int}/report", opt=allow(REPORTERS))
    async def report(self, request: Request, complaint_id: FromPath[int], unit_id: FromPath[int]) -> Response:
        async def step(values: dict[str, Any], who: Viewer, now: dt.datetime) -> Any:
            data = ReportCreate.model_validate(values)
            return await workflow.report(
                complaint_id=complaint_id, unit_id=unit_id, data=data, viewer=who, now=now
            )

        return await self._step(request, complaint_id, f"report-{unit_id}", step)

    @post("/{complaint_id:int}/reply", opt=allow(DESK))
    async def reply(self, request: Request, complaint_id: FromPath[int]) -> Response:
        async def step(values: dict[str, Any], who: Viewer, now: dt.datetime) -> Any:
            data = ReplyCreate.model_validate(values)
            return await workflow.reply(complaint_id=complaint_id, data=data, viewer=who, now=now)

        return await self._step(request, complaint_id, "reply", step)

    @post("/{complaint_id:int}/extend", opt=allow(DESK))
    async def extend(self, request: Request, complaint_id: FromPath[int]) -> Response:
        async def step(values: dict[str, Any], who: Viewer, now: dt.datetime) -> Any:
            data = ExtensionCreate.model_validate(values)
            return await workflow.extend(complaint_id=complaint_id, data=data, viewer=who, now=now)

        return await self._step(request, complaint_id, "extend", step)

    @post("/{complaint_id:int}/decide", opt=allow(DESK))
    async def decide(self, request: Request, complaint_id: FromPath[int]) -> Response:
        async def step(values: dict[str, Any], who: Viewer, now: dt.datetime) -> Any:
            data = DecisionCreate.model_validate(values)
            return await workflow.decide(complaint_id=complaint_id, data=data, viewer=who, now=now)

        return await self._step(request, complaint_id, "decide", step)

    @post("/{complaint_id:int}/close", opt=allow(DESK))
    async def close(self, request: Request, complaint_id: FromPath[int]) -> Response:
        async def step(values: dict[str, Any], who: Viewer, now: dt.datetime) -> Any:
            note = NoteCreate.model_validate(values).note
            return await workflow.close(complaint_id=complaint_id, note=note, viewer=who, now=now)

        return await self._step(request, complaint_id, "close", step)

    @post("/{complaint_id:int}/follow-up", opt=allow(DESK))
    async def follow_up(self, request: Request, complaint_id: FromPath[int]) -> Response:
        async def step(values: dict[str, Any], who: Viewer, now: dt.datetime) -> Any:
            data = FollowUpCreate.model_validate(values)
            return await workflow.follow_up(complaint_id=complaint_id, data=data, viewer=who, now=now)

        return await self._step(request, complaint_id, "follow_up", step)

    @post("/{complaint_id:int}/reopen", opt=allow(DESK))
    async def reopen(self, request: Request, complaint_id: FromPath[int]) -> Response:
        async def step(values: dict[str, Any], who: Viewer, now: dt.datetime) -> Any:
            reason = ReasonCreate.model_validate(values).reason
            return await workflow.reopen(complaint_id=complaint_id, reason=reason, viewer=who, now=now)

        return await self._step(request, complaint_id, "reopen", step)

    @post("/{complaint_id:int}/attachments", opt=allow(DESK), request_max_body_size=body_limit())
    async def attach(self, request: Request, complaint_id: FromPath[int]) -> Response:
        _, uploads = await submitted(request)
        try:
            await services.add_attachments(
                complaint_id=complaint_id,
                uploads=uploads,
                viewer=await viewer(request),
                limits=limits(request),
            )
        except DomainError as error:
            return await self._detail(request, complaint_id, error=error, values={}, failed="attach")
        return _saved(complaint_id)


ROUTES = [ComplaintPages]
