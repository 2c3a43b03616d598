"""Hand-written input and output schemas for halls, windows, staff, cover and accounts.

Every input schema derives from `Schema`, which turns pydantic's errors into `InvalidInput`
with Chinese messages naming the field, for the API and the HTML forms alike.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from hall.errors import FieldError, InvalidInput
from hall.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from hall.roles import Role
from hall.tables import DayKind, HallLevel, StaffStatus, TokenKind

# pydantic error type -> Chinese message; the parameters come from the error's context.
ERROR_MESSAGES = {
    "missing": "必须填写",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "必须是文本",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "int_from_float": "必须是整数",
    "bool_parsing": "必须是“是”或“否”",
    "bool_type": "必须是“是”或“否”",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "greater_than": "必须大于 {gt}",
    "date_parsing": "日期格式不正确，应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式不正确，应为 YYYY-MM-DD",
    "date_type": "日期格式不正确，应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式不正确，应为 YYYY-MM-DD HH:MM:SS",
    "datetime_from_date_parsing": "时间格式不正确，应为 YYYY-MM-DD HH:MM:SS",
    "datetime_type": "时间格式不正确，应为 YYYY-MM-DD HH:MM:SS",
    "time_parsing": "时间格式不正确，应为 HH:MM",
    "time_type": "时间格式不正确，应为 HH:MM",
    "enum": "不是可选的值",
    "literal_error": "不是可选的值",
    "model_type": "应为一个对象",
    "model_attributes_type": "应为一个对象",
    "dict_type": "应为一个对象",
}


def _field_error(model: type[BaseModel], error: dict[str, Any]) -> FieldError:
    location = [str(part) for part in error["loc"]]
    name = location[0] if location else ""
    field_info = model.model_fields.get(name)
    label = (field_info.title if field_info and field_info.title else name) or "请求内容"
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "string_too_short" and context.get("min_length") == 1:
        return FieldError(field=name, label=label, message="不能为空")
    message = ERROR_MESSAGES.get(kind, "格式不正确")
    params = {key: value for key, value in context.items() if f"{{{key}}}" in message}
    return FieldError(field=".".join(location), label=label, message=message, params=params)


class Schema(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    @model_validator(mode="wrap")
    @classmethod
    def _errors_in_chinese(cls, data: Any, handler: Any) -> Any:
        try:
            return handler(data)
        except ValidationError as error:
            raise InvalidInput([_field_error(cls, e) for e in error.errors()]) from None


Name = Annotated[str, StringConstraints(min_length=1, max_length=50)]
LongName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Phone = Annotated[str, StringConstraints(max_length=20, pattern=r"^[0-9+\- ]*$")]


class HallCreate(Schema):
    code: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")] = Field(
        title="编码"
    )
    name: LongName = Field(title="名称")
    level: HallLevel = Field(title="层级")
    parent_id: int | None = Field(default=None, title="上级中心")
    address: Annotated[str, StringConstraints(max_length=200)] = Field(default="", title="地址")


class HallUpdate(Schema):
    name: LongName | None = Field(default=None, title="名称")
    address: Annotated[str, StringConstraints(max_length=200)] | None = Field(default=None, title="地址")


class HallRead(BaseModel):
    id: int
    code: str
    name: str
    level: HallLevel
    parent_id: int | None
    address: str


class DepartmentCreate(Schema):
    name: LongName = Field(title="单位名称")


class DepartmentRead(BaseModel):
    id: int
    name: str


class WindowCreate(Schema):
    hall_id: int = Field(title="所属中心")
    department_id: int = Field(title="进驻单位")
    number: Annotated[str, StringConstraints(min_length=1, max_length=16)] = Field(title="窗口号")
    name: LongName = Field(title="窗口名称")


class WindowUpdate(Schema):
    """A window never changes hall: it belongs to exactly one (RULES.md, Halls and people)."""

    department_id: int | None = Field(default=None, title="进驻单位")
    number: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = Field(
        default=None, title="窗口号"
    )
    name: LongName | None = Field(default=None, title="窗口名称")
    active: bool | None = Field(default=None, title="启用")


class WindowRead(BaseModel):
    id: int
    hall_id: int
    department_id: int
    department_name: str
    number: str
    name: str
    active: bool
    staff_count: int = 0


class StaffCreate(Schema):
    hall_id: int = Field(title="所属中心")
    name: Name = Field(title="姓名")
    staff_number: Annotated[
        str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    ] = Field(title="工号")
    phone: Phone = Field(default="", title="电话")
    window_id: int | None = Field(default=None, title="窗口")


class StaffUpdate(Schema):
    name: Name | None = Field(default=None, title="姓名")
    phone: Phone | None = Field(default=None, title="电话")
    window_id: int | None = Field(default=None, title="窗口")
    status: StaffStatus | None = Field(default=None, title="状态")
    left_on: dt.date | None = Field(default=None, title="离岗日期")


class StaffRead(BaseModel):
    id: int
    hall_id: int
    window_id: int | None
    window_name: str | None
    name: str
    staff_number: str
    phone: str
    status: StaffStatus
    left_on: dt.date | None
    has_photo: bool


class CoverCreate(Schema):
    staff_id: int = Field(title="顶岗人员")
    window_id: int = Field(title="顶岗窗口")
    starts_on: dt.date = Field(title="开始日期")
    ends_on: dt.date = Field(title="结束日期")
    reason: Annotated[str, StringConstraints(max_length=200)] = Field(default="", title="事由")

    @model_validator(mode="after")
    def _dates_in_order(self) -> CoverCreate:
        if self.ends_on < self.starts_on:
            raise InvalidInput.single("ends_on", "结束日期", "不能早于开始日期")
        return self


class CoverRead(BaseModel):
    id: int
    staff_id: int
    staff_name: str
    window_id: int
    window_name: str
    starts_on: dt.date
    ends_on: dt.date
    reason: str


# The length is checked here for the form's message; hall/passwords.py holds the rest.
Password = Annotated[str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=128)]


class AccountCreate(Schema):
    username: Annotated[str, StringConstraints(min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")] = (
        Field(title="用户名")
    )
    password: Password = Field(title="密码")
    role: Role = Field(title="角色")
    display_name: Name = Field(title="显示名称")
    hall_id: int | None = Field(default=None, title="所属中心")
    staff_id: int | None = Field(default=None, title="对应人员")


class AccountRead(BaseModel):
    id: int
    username: str
    role: Role
    display_name: str
    hall_id: int | None
    staff_id: int | None
    active: bool


class PasswordChange(Schema):
    password: Password = Field(title="新密码")


class AccountActiveChange(Schema):
    active: bool = Field(title="启用")


class TokenRequest(Schema):
    label: Annotated[str, StringConstraints(max_length=100)] = Field(default="", title="用途")
    days: Annotated[int, Field(ge=1, le=3650)] | None = Field(default=None, title="有效天数")


class Credentials(Schema):
    username: Annotated[str, StringConstraints(min_length=1, max_length=50)] = Field(title="用户名")
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(title="密码")


class TokenRead(BaseModel):
    token: str
    expires_at: dt.datetime | None


class TokenInfo(BaseModel):
    """A session or API token still in force, for the admin's list: never the token itself."""

    id: int
    account_id: int
    username: str
    display_name: str
    role: Role
    hall_id: int | None
    kind: TokenKind
    label: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None


class SettingChange(Schema):
    key: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(title="设置项")
    value: Any = Field(title="值")
    effective_from: dt.date = Field(title="生效日期")
    reason: Annotated[str, StringConstraints(max_length=500)] = Field(default="", title="原因")


class SettingRead(BaseModel):
    key: str
    label: str
    value: Any
    default: Any
    effective_from: dt.date | None
    inherited_from_hall_id: int | None
    source: str


# ---- the working-day calendar ---------------------------------------------------------


class YearSource(StrEnum):
    """Where a year's national calendar comes from."""

    LIBRARY = "library"  # chinesecalendar knows it
    ENTERED = "entered"  # an admin entered it; overrides the library
    UNKNOWN = "unknown"  # nobody knows it yet: Monday-Friday minus known holidays, provisional


class CalendarDayWrite(BaseModel):
    """One day of a year's calendar. A plain model, not a `Schema`: its errors reach the
    enclosing `CalendarYearWrite`, which names them by position (`days.3.kind`)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    day: dt.date = Field(title="日期")
    kind: DayKind = Field(title="类型")
    name: Annotated[str, StringConstraints(max_length=50)] = Field(default="", title="名称")


class CalendarYearWrite(Schema):
    """A year's holidays and make-up working days: the import text (one line per day,
    `2027-01-01,休,元旦` / `2027-02-20,班,春节调休`) or the list of days, not both."""

    note: Annotated[str, StringConstraints(max_length=500)] = Field(default="", title="说明")
    text: Annotated[str, StringConstraints(max_length=20000)] | None = Field(default=None, title="导入文本")
    days: list[CalendarDayWrite] | None = Field(default=None, title="日期列表")

    @model_validator(mode="after")
    def _text_or_days(self) -> CalendarYearWrite:
        if (self.text is None) == (self.days is None):
            raise InvalidInput.single("text", "导入文本", "请填写导入文本或日期列表（二者选一）")
        return self


class CalendarDayRead(BaseModel):
    day: dt.date
    kind: DayKind
    name: str


class CalendarYearRead(BaseModel):
    year: int
    source: YearSource
    note: str = ""
    entered_by_id: int | None = None
    entered_at: dt.datetime | None = None
    days: list[CalendarDayRead] = Field(default_factory=list)


class ClosureCreate(Schema):
    day: dt.date = Field(title="日期")
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(title="闭厅原因")


class ClosureRead(BaseModel):
    id: int
    hall_id: int
    day: dt.date
    reason: str
