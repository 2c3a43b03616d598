"""Per-hall rule settings: their definitions, defaults and resolution (pure, no database).

Every number in RULES.md is a default a hall can change from a date on. A change is stored
as a dated row (`HallSetting`); a hall inherits the settings of the halls above it unless it
has its own. Resolution: the nearest hall in the chain that has a row in force on the day
wins; within it, the latest `effective_from` (then the latest row).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from hall import audit, db
from hall.errors import InvalidInput
from hall.services import HallScope, get_hall, hall_chain, hall_chains
from hall.tables import HallSetting

Kind = Literal["minutes", "count", "time", "month_day", "choice"]


@dataclass(frozen=True)
class SettingDefinition:
    key: str
    label: str
    group: str
    kind: Kind
    default: Any
    source: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[Any, ...] = ()


def _minutes(
    key: str, label: str, group: str, default: int, source: str, lo: int, hi: int
) -> SettingDefinition:
    return SettingDefinition(key, label, group, "minutes", default, source, lo, hi)


def _time(key: str, label: str, default: str, source: str) -> SettingDefinition:
    return SettingDefinition(key, label, "作息时间", "time", default, source)


HOURS = "RULES.md, Working days and hours"
VERDICTS = "RULES.md, Attendance verdicts"
GRADES = "RULES.md, Scores: Quarterly grades"
SCORES = "RULES.md, Scores"
DEADLINES = "RULES.md, Complaints: Deadlines"
FACES = "Issue 4, Face clock-in"
EVALUATORS = "RULES.md, Scores: Evaluators"

DEFINITIONS: tuple[SettingDefinition, ...] = (
    SettingDefinition("summer_starts_on", "夏秋季作息开始日", "作息时间", "month_day", "05-01", HOURS),
    SettingDefinition("winter_starts_on", "冬春季作息开始日", "作息时间", "month_day", "10-01", HOURS),
    _time("winter_morning_start", "冬春季上午上班", "08:00", HOURS),
    _time("winter_morning_end", "冬春季上午下班", "11:00", HOURS),
    _time("winter_afternoon_start", "冬春季下午上班", "13:30", HOURS),
    _time("winter_afternoon_end", "冬春季下午下班", "16:30", HOURS),
    _time("summer_morning_start", "夏秋季上午上班", "08:00", HOURS),
    _time("summer_morning_end", "夏秋季上午下班", "11:00", HOURS),
    _time("summer_afternoon_start", "夏秋季下午上班", "14:00", HOURS),
    _time("summer_afternoon_end", "夏秋季下午下班", "17:00", HOURS),
    SettingDefinition("punches_per_day", "每日打卡次数", "考勤", "choice", 4, HOURS, choices=(4, 2)),
    _minutes("late_after_minutes", "迟到阈值（分钟）", "考勤", 15, VERDICTS, 0, 60),
    _minutes("early_leave_before_minutes", "早退阈值（分钟）", "考勤", 15, VERDICTS, 0, 60),
    # The seed says 30-60 minutes; the hall picks within that range.
    _minutes("off_post_after_minutes", "脱岗阈值（分钟）", "考勤", 30, VERDICTS, 30, 60),
    _minutes(
        "punch_window_before_morning_minutes", "上午上班前有效打卡（分钟）", "考勤", 60, VERDICTS, 0, 180
    ),
    _minutes(
        "punch_window_after_afternoon_minutes", "下午下班后有效打卡（分钟）", "考勤", 120, VERDICTS, 0, 360
    ),
    SettingDefinition("makeup_punches_per_month", "每月补卡上限（次）", "考勤", "count", 3, VERDICTS, 0, 31),
    SettingDefinition("excellent_min_score", "优胜窗口最低分", "考核", "count", 95, GRADES, 0, 100),
    SettingDefinition("standard_min_score", "达标窗口最低分", "考核", "count", 85, GRADES, 0, 100),
    # 100 minus the deductions of each category, each capped at its cap (篇7 考核暂行办法).
    SettingDefinition("cap_attendance", "考勤类扣分上限", "考核", "count", 30, SCORES, 0, 100),
    SettingDefinition("cap_discipline", "纪律类扣分上限", "考核", "count", 30, SCORES, 0, 100),
    SettingDefinition("cap_hygiene", "卫生类扣分上限", "考核", "count", 10, SCORES, 0, 100),
    SettingDefinition("cap_service", "服务业务类扣分上限", "考核", "count", 30, SCORES, 0, 100),
    # 加分 rules are off unless a hall turns them on; their total a month is capped.
    SettingDefinition("bonus_cap", "每月加分上限（0 为不加分）", "考核", "count", 0, SCORES, 0, 20),
    SettingDefinition(
        "self_assessment_due_day", "自查自评截止日（次月几日）", "考核", "count", 5, SCORES, 1, 28
    ),
    # The buttons the tablet page shows: 满意 / 不满意, or the five levels of the larger models.
    SettingDefinition(
        "evaluator_buttons", "网页评价器按键数", "考核", "choice", 2, EVALUATORS, choices=(2, 5)
    ),
    # Distances in hundredths: 50 is face_recognition's distance 0.50 (the library's own
    # default is 0.60; a wrong clock-in costs more than a second try).
    SettingDefinition(
        "face_tolerance", "人脸比对阈值（百分之，越小越严）", "人脸考勤", "count", 50, FACES, 30, 60
    ),
    SettingDefinition("face_margin", "与次相似者的最小差距（百分之）", "人脸考勤", "count", 10, FACES, 0, 30),
    SettingDefinition(
        "face_repeat_seconds", "同一人重复打卡间隔（秒）", "人脸考勤", "count", 60, FACES, 0, 600
    ),
    SettingDefinition(
        "face_self_enrolment",
        "本人自助采集人脸（一次）",
        "人脸考勤",
        "choice",
        "不允许",
        FACES,
        choices=("不允许", "允许"),
    ),
    SettingDefinition(
        "general_reply_working_days", "一般投诉答复时限（工作日）", "投诉", "count", 1, DEADLINES, 0, 5
    ),
    SettingDefinition(
        "complex_reply_working_days", "复杂投诉答复时限（工作日）", "投诉", "count", 5, DEADLINES, 1, 30
    ),
    SettingDefinition(
        "petition_reply_working_days", "信访答复时限（工作日）", "投诉", "count", 3, DEADLINES, 1, 30
    ),
)

BY_KEY = {definition.key: definition for definition in DEFINITIONS}

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


@dataclass(frozen=True)
class SettingRow:
    hall_id: int
    key: str
    value: Any
    effective_from: dt.date
    row_id: int


@dataclass(frozen=True)
class ResolvedSetting:
    definition: SettingDefinition
    value: Any
    effective_from: dt.date | None
    hall_id: int | None  # the hall whose row applies; None when the default does


def check_value(definition: SettingDefinition, value: Any) -> Any:
    """The value in its stored form; InvalidInput naming the setting if it is refused."""

    def refuse(message: str, **params: object) -> InvalidInput:
        return InvalidInput.single("value", definition.label, message, **params)

    if definition.kind in {"minutes", "count"}:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise refuse("必须是整数")
        try:
            number = int(value)
        except ValueError:
            raise refuse("必须是整数") from None
        if definition.minimum is not None and number < definition.minimum:
            raise refuse("不能小于 {ge}", ge=definition.minimum)
        if definition.maximum is not None and number > definition.maximum:
            raise refuse("不能大于 {le}", le=definition.maximum)
        return number
    if definition.kind == "choice":
        for choice in definition.choices:
            if str(choice) == str(value):
                return choice
        raise refuse("只能是 {choices}", choices=" / ".join(str(c) for c in definition.choices))
    text = str(value).strip()
    if definition.kind == "time" and not _TIME.match(text):
        raise refuse("时间格式不正确，应为 HH:MM")
    if definition.kind == "month_day":
        if not _MONTH_DAY.match(text):
            raise refuse("日期格式不正确，应为 MM-DD")
        try:
            dt.date(2024, int(text[:2]), int(text[3:]))  # a leap year admits 02-29
        except ValueError:
            raise refuse("没有这一天") from None
    return text


def resolve(rows: Iterable[SettingRow], hall_chain: Sequence[int], on: dt.date) -> dict[str, ResolvedSetting]:
    """Every setting's value in force on `on` for the first hall of `hall_chain`, whose
    following entries are its parent, grandparent and so on."""
    rank = {hall_id: position for position, hall_id in enumerate(hall_chain)}
    best: dict[str, SettingRow] = {}
    for row in rows:
        if row.hall_id not in rank or row.effective_from > on or row.key not in BY_KEY:
            continue
        current = best.get(row.key)
        candidate_order = (-rank[row.hall_id], row.effective_from, row.row_id)
        if current is None or candidate_order > (
            -rank[current.hall_id],
            current.effective_from,
            current.row_id,
        ):
            best[row.key] = row
    resolved = {}
    for definition in DEFINITIONS:
        row = best.get(definition.key)
        resolved[definition.key] = (
            ResolvedSetting(definition, row.value, row.effective_from, row.hall_id)
            if row
            else ResolvedSetting(definition, definition.default, None, None)
        )
    return resolved


# ---- services: the only functions here that touch the database ----------------------


async def _rows(hall_ids: list[int]) -> list[SettingRow]:
    rows = await HallSetting.select().where(HallSetting.hall.is_in(hall_ids)).output(load_json=True)
    return [SettingRow(r["hall"], r["key"], r["value"]["value"], r["effective_from"], r["id"]) for r in rows]


async def settings_for_hall(*, hall_id: int, on: dt.date, scope: HallScope) -> dict[str, ResolvedSetting]:
    await get_hall(hall_id=hall_id, scope=scope)
    chain = await hall_chain(hall_id=hall_id)
    return resolve(await _rows(chain), chain, on)


async def setting_values_by_day(*, hall_id: int) -> Callable[[dt.date], dict[str, Any]]:
    """The hall's setting values (key -> value) as a function of the day, read from the
    database once: for computing a month, whose days may fall either side of a change."""
    return (await setting_values_by_hall(hall_ids=[hall_id]))[hall_id]


async def setting_values_by_hall(
    *, hall_ids: Iterable[int]
) -> dict[int, Callable[[dt.date], dict[str, Any]]]:
    """`setting_values_by_day` of each of these halls, read in two queries."""
    chains = await hall_chains(hall_ids=hall_ids)
    rows = await _rows(sorted({hall for chain in chains.values() for hall in chain}))

    def values_of(chain: list[int]) -> Callable[[dt.date], dict[str, Any]]:
        @cache
        def on(day: dt.date) -> dict[str, Any]:
            return {key: setting.value for key, setting in resolve(rows, chain, day).items()}

        return on

    return {hall_id: values_of(chain) for hall_id, chain in chains.items()}


async def change_setting(
    *,
    hall_id: int,
    key: str,
    value: Any,
    effective_from: dt.date,
    reason: str,
    scope: HallScope,
    actor_id: int,
    today: dt.date,
) -> ResolvedSetting:
    """Record a dated change. It applies from `effective_from` on and never to the past,
    so that closed periods keep the rules they were judged by."""

    definition = BY_KEY.get(key)
    if definition is None:
        raise InvalidInput.single("key", "设置项", "没有这个设置项")
    stored = check_value(definition, value)
    if effective_from < today:
        raise InvalidInput.single("effective_from", "生效日期", "不能早于今天：设置只对今后生效")
    async with db.transaction():
        await get_hall(hall_id=hall_id, scope=scope)
        previous = (await settings_for_hall(hall_id=hall_id, on=effective_from, scope=scope))[key]
        await HallSetting(
            hall=hall_id,
            key=key,
            # Wrapped: SQLite gives a column declared JSON numeric affinity, so a bare "45"
            # would come back as the integer 45, which is no longer JSON text.
            value={"value": stored},
            effective_from=effective_from,
            reason=reason,
            created_by=actor_id,
        ).save()
        await audit.record(
            "settings.change",
            subject_type="setting",
            subject_id=key,
            hall_id=hall_id,
            before={"value": previous.value, "from_hall": previous.hall_id},
            after={"value": stored, "effective_from": effective_from, "reason": reason},
        )
    return (await settings_for_hall(hall_id=hall_id, on=effective_from, scope=scope))[key]
