"""The working-day calendar (RULES.md, Working days and hours).

A working day is a Monday to Friday, minus China's statutory holidays, plus the make-up
working days (调休) the State Council announces with them, minus the hall's own closures.

The national calendar of a year comes from the first of these that knows it:
1. a year an admin entered (`CalendarYear`), copied from the State Council's notice;
2. the `chinesecalendar` library (2004-2026 in its 1.11 release): holidays and make-up days;
3. nobody: the year is *unknown*. The calendar then counts Monday to Friday minus the
   statutory holidays of the `holidays` package (which knows the holidays, not the make-up
   days) and names the year in `HallCalendar.unknown_years`, so that pages say the result
   is provisional rather than guess silently.

The first part is pure (no database); the services below it read and write the tables.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any, NamedTuple

import holidays
from chinese_calendar import constants as chinese_calendar_data

from hall import audit, db
from hall.errors import Conflict, FieldError, InvalidInput, NotFound
from hall.schemas import CalendarDayRead, CalendarYearRead, CalendarYearWrite, ClosureRead, YearSource
from hall.services import HallScope, get_hall
from hall.tables import CalendarDay, CalendarYear, DayKind, HallClosure

# The years the calendar accepts: wide enough for any record, narrow enough to be a date.
FIRST_YEAR, LAST_YEAR = 2000, 2100

# chinesecalendar names its holidays in English (`constants.Holiday`); the halls read Chinese.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
HOLIDAY = "法定节假日"  # a holiday entered without a name
MAKE_UP_DAY = "调休上班"  # a make-up working day entered without a name

# The years chinesecalendar knows, read from its data rather than assumed.
LIBRARY_YEARS = frozenset(
    day.year for day in (*chinese_calendar_data.holidays, *chinese_calendar_data.workdays)
)


class DayEntry(NamedTuple):
    """A holiday or make-up working day of the national calendar."""

    day: dt.date
    kind: DayKind
    name: str


# ---- national data per year ------------------------------------------------------------


@cache
def library_year(year: int) -> tuple[DayEntry, ...] | None:
    """The year's holidays and make-up days from chinesecalendar; None if it does not know it."""
    if year not in LIBRARY_YEARS:
        return None
    entries = [
        DayEntry(day, DayKind.HOLIDAY, HOLIDAY_NAMES.get(name, HOLIDAY))
        for day, name in chinese_calendar_data.holidays.items()
        if day.year == year
    ]
    entries += [
        DayEntry(day, DayKind.WORKDAY, MAKE_UP_DAY)
        for day in chinese_calendar_data.workdays
        if day.year == year
    ]
    return tuple(sorted(entries))


@cache
def statutory_holidays(year: int) -> tuple[DayEntry, ...]:
    """The year's statutory holidays as the `holidays` package computes them (no make-up days)."""
    known = holidays.China(years=year, language="zh_CN")
    return tuple(sorted(DayEntry(day, DayKind.HOLIDAY, name) for day, name in known.items()))


def national_year(
    year: int, entered: Mapping[int, Sequence[DayEntry]]
) -> tuple[YearSource, tuple[DayEntry, ...]]:
    """Where the year's calendar comes from, and its holidays and make-up days."""
    if year in entered:
        return YearSource.ENTERED, tuple(sorted(entered[year]))
    library = library_year(year)
    if library is not None:
        return YearSource.LIBRARY, library
    return YearSource.UNKNOWN, statutory_holidays(year)


# ---- the calendar of one hall over a range of days ------------------------------------------


def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    for offset in range((end - start).days + 1):
        yield start + dt.timedelta(days=offset)


@dataclass(frozen=True)
class HallCalendar:
    """The working days of one hall from `start` to `end` (both inclusive), computed once:
    each question afterwards is a set lookup. Build it with `build_calendar`."""

    start: dt.date
    end: dt.date
    national: Mapping[dt.date, DayEntry]  # the holidays and make-up days in the range
    closures: Mapping[dt.date, str]  # the hall's closures in the range, with their reasons
    unknown_years: frozenset[int]  # years known neither by chinesecalendar nor entered
    _working: frozenset[dt.date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"calendar ends ({self.end}) before it starts ({self.start})")
        working = set()
        for day in _days(self.start, self.end):
            entry = self.national.get(day)
            works = entry.kind == DayKind.WORKDAY if entry is not None else day.weekday() < 5
            if works and day not in self.closures:
                working.add(day)
        object.__setattr__(self, "_working", frozenset(working))

    def _check(self, day: dt.date) -> None:
        if not self.start <= day <= self.end:
            raise ValueError(f"{day} is outside the calendar ({self.start} to {self.end})")

    def is_working_day(self, day: dt.date) -> bool:
        self._check(day)
        return day in self._working

    def describe(self, day: dt.date) -> str | None:
        """Why the day is not an ordinary one: the holiday's name, the closure's reason, or
        the make-up day's name; None for an ordinary weekday or weekend."""
        self._check(day)
        entry = self.national.get(day)
        if entry is not None and entry.kind == DayKind.HOLIDAY:
            return entry.name or HOLIDAY
        if day in self.closures:
            return self.closures[day]
        if entry is not None:
            return entry.name or MAKE_UP_DAY
        return None

    def working_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        self._check(start)
        self._check(end)
        return [day for day in _days(start, end) if day in self._working]

    @property
    def provisional(self) -> bool:
        return bool(self.unknown_years)


def build_calendar(
    *,
    start: dt.date,
    end: dt.date,
    entered: Mapping[int, Sequence[DayEntry]] = MappingProxyType({}),
    closures: Mapping[dt.date, str] = MappingProxyType({}),
) -> HallCalendar:
    """The calendar from the entered years (year -> its days) and the hall's closures."""
    national: dict[dt.date, DayEntry] = {}
    unknown = set()
    for year in range(start.year, end.year + 1):
        source, entries = national_year(year, entered)
        if source == YearSource.UNKNOWN:
            unknown.add(year)
        national.update((entry.day, entry) for entry in entries if start <= entry.day <= end)
    return HallCalendar(
        start=start,
        end=end,
        national=MappingProxyType(national),
        closures=MappingProxyType({day: reason for day, reason in closures.items() if start <= day <= end}),
        unknown_years=frozenset(unknown),
    )


# ---- checking and importing a year's days ----------------------------------------------------

# Each problem told two ways: for a list of days (by date) and for the import text (by line).
_PROBLEMS = {
    "other_year": ("{day} 不在 {year} 年内", "第 {line} 行：{day} 不在 {year} 年内"),
    "duplicate": ("{day} 重复出现", "第 {line} 行：{day} 与第 {first} 行重复"),
    "weekday_workday": (
        "{day} 是周一至周五，本来就是工作日，不能作为调休上班日",
        "第 {line} 行：{day} 是周一至周五，本来就是工作日，不能作为调休上班日",
    ),
}
KIND_WORDS = {
    "休": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "holiday": DayKind.HOLIDAY,
    "班": DayKind.WORKDAY,
    "workday": DayKind.WORKDAY,
}
KIND_SIGNS = {DayKind.HOLIDAY: "休", DayKind.WORKDAY: "班"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A comma, the full-width comma of Chinese input methods, or a tab (pasted from a spreadsheet).
_SEPARATOR = re.compile("[,\t" + unicodedata.lookup("FULLWIDTH COMMA") + "]")
NAME_LENGTH = 50


def _problems(year: int, entries: Sequence[DayEntry]) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(position, problem, parameters) for every entry that cannot stand in the year."""
    first_seen: dict[dt.date, int] = {}
    for position, entry in enumerate(entries):
        params: dict[str, Any] = {"day": entry.day.isoformat(), "year": year}
        if entry.day.year != year:
            yield position, "other_year", params
        elif entry.day in first_seen:
            yield position, "duplicate", {**params, "first": first_seen[entry.day]}
        elif entry.kind == DayKind.WORKDAY and entry.day.weekday() < 5:
            yield position, "weekday_workday", params
        first_seen.setdefault(entry.day, position)


def check_year_days(year: int, days: Sequence[tuple[dt.date, DayKind | str, str]]) -> list[DayEntry]:
    """The days as entries, or InvalidInput naming every one that is wrong. A holiday may
    fall on any day; a make-up working day only on a Saturday or Sunday."""
    check_year(year)
    errors = []
    entries = []
    for position, (day, kind, name) in enumerate(days):
        if kind not in set(DayKind):
            errors.append(FieldError(f"days.{position}.kind", "日期列表", "不是可选的值"))
            continue
        if len(name) > NAME_LENGTH:
            errors.append(
                FieldError(
                    f"days.{position}.name", "日期列表", "不能超过 {max_length} 个字符", {"max_length": 50}
                )
            )
        entries.append(DayEntry(day, DayKind(kind), name.strip()))
    if not errors and not entries:
        errors.append(FieldError("days", "日期列表", "请至少录入一天"))
    for position, problem, params in _problems(year, entries):
        errors.append(FieldError(f"days.{position}", "日期列表", _PROBLEMS[problem][0], params))
    if errors:
        raise InvalidInput(errors)
    return entries


def parse_year_text(year: int, text: str) -> list[DayEntry]:
    """The import format: one day a line, `2027-01-01,休,元旦` or `2027-02-20,班,春节调休`
    (`holiday` / `workday` also do; the name may be left out); `#` starts a comment.
    InvalidInput names each wrong line by its number."""
    check_year(year)
    errors: list[FieldError] = []
    entries: list[DayEntry] = []
    lines: list[int] = []

    def refuse(line: int, message: str, **params: object) -> None:
        errors.append(FieldError(f"text.{line}", "导入文本", message, {"line": line, **params}))

    for line, raw in enumerate(text.splitlines(), start=1):
        content = raw.strip().lstrip("\ufeff")
        if not content or content.startswith("#"):
            continue
        parts = [part.strip() for part in _SEPARATOR.split(content)]
        if len(parts) not in (2, 3):
            refuse(line, "第 {line} 行：应为“日期,休或班,名称”，以逗号分隔")
            continue
        if not _DATE.match(parts[0]):
            refuse(line, "第 {line} 行：日期格式不正确，应为 YYYY-MM-DD")
            continue
        try:
            day = dt.date.fromisoformat(parts[0])
        except ValueError:
            refuse(line, "第 {line} 行：没有 {day} 这一天", day=parts[0])
            continue
        kind = KIND_WORDS.get(parts[1].lower())
        if kind is None:
            refuse(line, "第 {line} 行：类型应为“休”或“班”")
            continue
        name = parts[2] if len(parts) == 3 else ""
        if len(name) > NAME_LENGTH:
            refuse(line, "第 {line} 行：名称不能超过 {max_length} 个字符", max_length=NAME_LENGTH)
            continue
        entries.append(DayEntry(day, kind, name))
        lines.append(line)
    for position, problem, params in _problems(year, entries):
        if "first" in params:
            params["first"] = lines[params["first"]]
        refuse(lines[position], _PROBLEMS[problem][1], **params)
    if not errors and not entries:
        errors.append(FieldError("text", "导入文本", "没有任何日期：每行一天，如 2027-01-01,休,元旦"))
    if errors:
        raise InvalidInput(sorted(errors, key=lambda error: error.params.get("line", 0)))
    return entries


def format_year_text(entries: Sequence[DayEntry]) -> str:
    return "\n".join(f"{e.day.isoformat()},{KIND_SIGNS[e.kind]},{e.name}" for e in sorted(entries))


PREFILL_HEADER = (
    "# {year} 年法定节假日取自 holidays 库，请与国务院办公厅的放假通知核对",
    "# 调休上班日须按通知逐行补充，每行一天：YYYY-MM-DD,班,名称",
)


def prefill_year_text(year: int) -> str:
    """A start for entering an unknown year: the holidays the `holidays` package knows, with
    a reminder that the make-up days must come from the State Council's notice."""
    check_year(year)
    header = "\n".join(line.format(year=year) for line in PREFILL_HEADER)
    return f"{header}\n{format_year_text(statutory_holidays(year))}\n"


def entries_of(year: int, data: CalendarYearWrite) -> list[DayEntry]:
    """The days a write asks for, from its import text or its list of days."""
    if data.text is not None:
        return parse_year_text(year, data.text)
    return check_year_days(year, [(day.day, day.kind, day.name) for day in data.days or []])


def check_year(year: int) -> None:
    if year < FIRST_YEAR:
        raise InvalidInput.single("year", "年份", "不能小于 {ge}", ge=FIRST_YEAR)
    if year > LAST_YEAR:
        raise InvalidInput.single("year", "年份", "不能大于 {le}", le=LAST_YEAR)


# ---- services: the only functions here that touch the database --------------------------


async def _entered_years(
    first: int, last: int
) -> tuple[dict[int, dict[str, Any]], dict[int, list[DayEntry]]]:
    """The entered years from `first` to `last` (year -> row) and their days."""
    rows = await CalendarYear.select().where((CalendarYear.year >= first) & (CalendarYear.year <= last))
    years = {row["year"]: row for row in rows}
    days: dict[int, list[DayEntry]] = {year: [] for year in years}
    if years:
        by_id = {row["id"]: row["year"] for row in rows}
        day_rows = await CalendarDay.select(
            CalendarDay.calendar_year, CalendarDay.day, CalendarDay.kind, CalendarDay.name
        ).where(CalendarDay.calendar_year.is_in(list(by_id)))
        for row in day_rows:
            days[by_id[row["calendar_year"]]].append(DayEntry(row["day"], DayKind(row["kind"]), row["name"]))
    return years, days


async def hall_calendar(*, hall_id: int, start: dt.date, end: dt.date) -> HallCalendar:
    """The hall's working days from `start` to `end`."""
    return (await hall_calendars(hall_ids=[hall_id], start=start, end=end))[hall_id]


async def hall_calendars(*, hall_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, HallCalendar]:
    """The working days from `start` to `end` of each of these halls: the entered years and
    the halls' closures read in two or three queries, the rest computed."""
    hall_ids = list(hall_ids)
    _, entered = await _entered_years(start.year, end.year)
    closures: dict[int, dict[dt.date, str]] = {hall_id: {} for hall_id in hall_ids}
    if hall_ids:
        rows = await HallClosure.select(HallClosure.hall, HallClosure.day, HallClosure.reason).where(
            db.any_of(HallClosure.hall, hall_ids) & (HallClosure.day >= start) & (HallClosure.day <= end)
        )
        for row in rows:
            closures[row["hall"]][row["day"]] = row["reason"]
    return {
        hall_id: build_calendar(start=start, end=end, entered=entered, closures=closures[hall_id])
        for hall_id in hall_ids
    }


def _year_read(
    year: int, row: dict[str, Any] | None, entered: Mapping[int, Sequence[DayEntry]]
) -> CalendarYearRead:
    source, entries = national_year(year, entered)
    return CalendarYearRead(
        year=year,
        source=source,
        note=row["note"] if row else "",
        entered_by_id=row["entered_by"] if row else None,
        entered_at=row["entered_at"] if row else None,
        days=[CalendarDayRead(day=e.day, kind=e.kind, name=e.name) for e in entries],
    )


async def list_years(*, around: int, before: int = 1, after: int = 1) -> list[CalendarYearRead]:
    """The years from `around - before` to `around + after`, each with its source and days."""
    check_year(around)
    first, last = max(FIRST_YEAR, around - before), min(LAST_YEAR, around + after)
    rows, entered = await _entered_years(first, last)
    return [_year_read(year, rows.get(year), entered) for year in range(first, last + 1)]


async def get_year(*, year: int) -> CalendarYearRead:
    return (await list_years(around=year, before=0, after=0))[0]


async def year_text(*, year: int) -> str:
    """The year's calendar in the import format, to start an edit from: what is in force, or
    for an unknown year the holidays the `holidays` package knows."""
    read = await get_year(year=year)
    if read.source == YearSource.UNKNOWN:
        return prefill_year_text(year)
    return format_year_text([DayEntry(d.day, d.kind, d.name) for d in read.days])


async def enter_year(
    *,
    year: int,
    days: Sequence[tuple[dt.date, DayKind | str, str]],
    note: str,
    actor_id: int | None,
) -> CalendarYearRead:
    """Enter or replace the year's holidays and make-up days, all or nothing."""
    entries = check_year_days(year, days)
    async with db.transaction():
        existing = await CalendarYear.select(CalendarYear.id).where(CalendarYear.year == year).first()
        now = dt.datetime.now(dt.UTC)
        before = None
        if existing is None:
            row = CalendarYear(year=year, note=note, entered_by=actor_id, entered_at=now)
            await db.write(row.save())
            year_id = row.id
        else:
            year_id = existing["id"]
            before = {"days": await _entered_days(year_id)}
            await CalendarYear.update(
                {CalendarYear.note: note, CalendarYear.entered_by: actor_id, CalendarYear.entered_at: now}
            ).where(CalendarYear.id == year_id)
            await CalendarDay.delete().where(CalendarDay.calendar_year == year_id)
        await db.write(
            CalendarDay.insert(
                *(CalendarDay(calendar_year=year_id, day=e.day, kind=e.kind, name=e.name) for e in entries)
            )
        )
        await audit.record(
            "calendar.year.enter",
            subject_type="calendar_year",
            subject_id=year,
            hall_id=None,
            before=before,
            after={"days": [[e.day, e.kind, e.name] for e in entries], "note": note},
        )
    return await get_year(year=year)


async def _entered_days(year_id: int) -> list[list[Any]]:
    rows = await CalendarDay.select(CalendarDay.day, CalendarDay.kind, CalendarDay.name).where(
        CalendarDay.calendar_year == year_id
    )
    return [[row["day"], row["kind"], row["name"]] for row in rows]


async def delete_entered_year(*, year: int) -> None:
    """Forget what was entered for the year; the library's data (if any) applies again."""
    check_year(year)
    async with db.transaction():
        row = await CalendarYear.select(CalendarYear.id).where(CalendarYear.year == year).first()
        if row is None:
            if year in LIBRARY_YEARS:
                raise Conflict("{year} 年的日历来自 chinesecalendar 库，不能删除", year=year)
            raise NotFound("{year} 年的日历还没有录入", year=year)
        await audit.record(
            "calendar.year.delete",
            subject_type="calendar_year",
            subject_id=year,
            hall_id=None,
            before={"days": await _entered_days(row["id"])},
        )
        await CalendarDay.delete().where(CalendarDay.calendar_year == row["id"])
        await CalendarYear.delete().where(CalendarYear.id == row["id"])


# ---- hall closures ----------------------------------------------------------------------------


def _closure_read(row: dict[str, Any]) -> ClosureRead:
    return ClosureRead(id=row["id"], hall_id=row["hall"], day=row["day"], reason=row["reason"])


async def list_closures(*, hall_id: int, scope: HallScope, year: int | None = None) -> list[ClosureRead]:
    await get_hall(hall_id=hall_id, scope=scope)
    query = HallClosure.select().where(HallClosure.hall == hall_id).order_by(HallClosure.day)
    if year is not None:
        check_year(year)
        query = query.where(
            (HallClosure.day >= dt.date(year, 1, 1)) & (HallClosure.day <= dt.date(year, 12, 31))
        )
    return [_closure_read(row) for row in await query]


async def add_closure(
    *, hall_id: int, day: dt.date, reason: str, scope: HallScope, actor_id: int | None
) -> ClosureRead:
    reason = reason.strip()
    if not reason:
        raise InvalidInput.single("reason", "闭厅原因", "不能为空")
    if len(reason) > 200:
        raise InvalidInput.single("reason", "闭厅原因", "不能超过 {max_length} 个字符", max_length=200)
    check_year(day.year)
    async with db.transaction():
        await get_hall(hall_id=hall_id, scope=scope)
        if await HallClosure.exists().where((HallClosure.hall == hall_id) & (HallClosure.day == day)):
            raise Conflict("{day} 已是本中心的闭厅日", day=day.isoformat())
        row = HallClosure(hall=hall_id, day=day, reason=reason, created_by=actor_id)
        await db.write(row.save())
        await audit.record(
            "calendar.closure.add",
            subject_type="hall_closure",
            subject_id=row.id,
            hall_id=hall_id,
            after={"day": day, "reason": reason},
        )
    return ClosureRead(id=row.id, hall_id=hall_id, day=day, reason=reason)


async def delete_closure(*, closure_id: int, scope: HallScope, hall_id: int | None = None) -> ClosureRead:
    """Remove a closure (of `hall_id`, when given); returns what was removed."""
    async with db.transaction():
        row = await HallClosure.select().where(HallClosure.id == closure_id).first()
        if (
            row is None
            or (scope is not None and row["hall"] not in scope)
            or (hall_id is not None and row["hall"] != hall_id)
        ):
            raise NotFound("没有找到编号为 {id} 的闭厅安排", id=closure_id)
        await HallClosure.delete().where(HallClosure.id == closure_id)
        await audit.record(
            "calendar.closure.delete",
            subject_type="hall_closure",
            subject_id=closure_id,
            hall_id=row["hall"],
            before={"day": row["day"], "reason": row["reason"]},
        )
    return _closure_read(row)
