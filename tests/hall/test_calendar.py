"""The working-day calendar: national data (chinesecalendar, entered years, the provisional
fallback), hall closures, and the import text. Tables of dates, as in python-holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from hall import calendar
from hall.calendar import DayEntry, build_calendar, parse_year_text
from hall.errors import Conflict, InvalidInput, NotFound
from hall.roles import Role
from hall.schemas import YearSource
from hall.tables import CalendarDay, CalendarYear, DayKind
from tests.conftest import World

D = dt.date.fromisoformat

# ---- the national calendar from chinesecalendar (2026) ------------------------------------

CALENDAR_2026 = build_calendar(start=D("2026-01-01"), end=D("2026-12-31"))


@pytest.mark.parametrize(
    ("day", "working", "described"),
    [
        ("2026-01-01", False, "元旦"),  # Thursday, New Year's Day
        ("2026-09-30", True, None),  # Wednesday before National Day
        ("2026-10-01", False, "国庆节"),
        ("2026-10-02", False, "国庆节"),
        ("2026-10-03", False, "国庆节"),  # Saturday within the holiday
        ("2026-10-04", False, "国庆节"),
        ("2026-10-05", False, "国庆节"),  # Monday, off
        ("2026-10-06", False, "国庆节"),
        ("2026-10-07", False, "国庆节"),
        ("2026-10-08", True, None),  # Thursday, back at work
        ("2026-10-10", True, "调休上班"),  # Saturday, the make-up working day
        ("2026-10-17", False, None),  # a plain Saturday
        ("2026-10-18", False, None),  # a plain Sunday
        ("2026-11-23", True, None),  # a plain Monday
    ],
)
def test_2026_follows_the_state_council(day: str, working: bool, described: str | None) -> None:
    assert CALENDAR_2026.is_working_day(D(day)) is working
    assert CALENDAR_2026.describe(D(day)) == described


def test_a_known_year_is_not_provisional() -> None:
    assert CALENDAR_2026.unknown_years == frozenset()
    assert not CALENDAR_2026.provisional


def test_working_days_of_national_day_week() -> None:
    assert CALENDAR_2026.working_days(D("2026-09-28"), D("2026-10-11")) == [
        D("2026-09-28"),
        D("2026-09-29"),
        D("2026-09-30"),
        D("2026-10-08"),
        D("2026-10-09"),
        D("2026-10-10"),
    ]


def test_a_day_outside_the_calendar_is_a_mistake_of_the_caller() -> None:
    with pytest.raises(ValueError, match="outside"):
        CALENDAR_2026.is_working_day(D("2027-01-04"))


# ---- a year nobody knows yet (2027): the provisional fallback ------------------------------

CALENDAR_2027 = build_calendar(start=D("2027-01-01"), end=D("2027-12-31"))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2027-01-01", False),  # Friday, New Year's Day (the holidays package knows it)
        ("2027-10-01", False),  # Friday, National Day
        ("2027-09-30", True),  # Thursday: a weekday stays a working day
        ("2027-10-11", True),  # Monday
        ("2027-02-20", False),  # Saturday: make-up days are not known, so not guessed
        ("2027-03-06", False),  # a plain Saturday
    ],
)
def test_2027_falls_back_to_weekdays_minus_statutory_holidays(day: str, working: bool) -> None:
    assert CALENDAR_2027.is_working_day(D(day)) is working


def test_2027_is_reported_unknown() -> None:
    assert CALENDAR_2027.unknown_years == frozenset({2027})
    assert CALENDAR_2027.provisional
    across = build_calendar(start=D("2026-12-01"), end=D("2027-01-31"))
    assert across.unknown_years == frozenset({2027})


def test_an_entered_year_overrides_the_fallback_and_the_library() -> None:
    entered = {
        2026: [DayEntry(D("2026-10-01"), DayKind.HOLIDAY, "国庆节")],  # nothing else that year
        2027: [DayEntry(D("2027-02-20"), DayKind.WORKDAY, "春节调休")],
    }
    cal = build_calendar(start=D("2026-10-01"), end=D("2027-12-31"), entered=entered)
    assert cal.unknown_years == frozenset()
    assert cal.is_working_day(D("2026-10-01")) is False
    assert cal.is_working_day(D("2026-10-05")) is True  # the entered 2026 replaces the library's
    assert cal.is_working_day(D("2026-10-10")) is False
    assert (cal.is_working_day(D("2027-02-20")), cal.describe(D("2027-02-20"))) == (True, "春节调休")
    assert cal.is_working_day(D("2027-10-01")) is True  # not in the entered year


def test_a_closure_takes_a_working_day_away() -> None:
    cal = build_calendar(
        start=D("2026-10-01"),
        end=D("2026-10-31"),
        closures={D("2026-10-10"): "停电检修", D("2026-10-12"): "停电检修", D("2026-10-01"): "国庆"},
    )
    assert (cal.is_working_day(D("2026-10-12")), cal.describe(D("2026-10-12"))) == (False, "停电检修")
    assert (cal.is_working_day(D("2026-10-10")), cal.describe(D("2026-10-10"))) == (False, "停电检修")
    assert cal.describe(D("2026-10-01")) == "国庆节"  # a holiday stays named as such
    assert cal.is_working_day(D("2026-10-13")) is True


# ---- the import text ---------------------------------------------------------------------

TEXT_2027 = """
# 2027 年（示例）
2027-01-01,休,元旦
2027-02-06，休，春节
2027-02-20,班,春节调休
2027-02-21\tworkday
2027-10-01,holiday,国庆节
"""


def test_the_import_text_is_read_line_by_line() -> None:
    assert parse_year_text(2027, TEXT_2027) == [
        (D("2027-01-01"), DayKind.HOLIDAY, "元旦"),
        (D("2027-02-06"), DayKind.HOLIDAY, "春节"),
        (D("2027-02-20"), DayKind.WORKDAY, "春节调休"),
        (D("2027-02-21"), DayKind.WORKDAY, ""),
        (D("2027-10-01"), DayKind.HOLIDAY, "国庆节"),
    ]


@pytest.mark.parametrize(
    ("text", "field", "message", "params"),
    [
        ("2027-01-01", "text.1", "第 {line} 行：应为“日期,休或班,名称”，以逗号分隔", {"line": 1}),
        ("\n2027/01/01,休,元旦", "text.2", "第 {line} 行：日期格式不正确，应为 YYYY-MM-DD", {"line": 2}),
        ("2027-02-30,休,元旦", "text.1", "第 {line} 行：没有 {day} 这一天", {"line": 1, "day": "2027-02-30"}),
        ("2027-01-01,放,元旦", "text.1", "第 {line} 行：类型应为“休”或“班”", {"line": 1}),
        (
            "2027-01-01,休,元旦\n2026-12-31,休,元旦",
            "text.2",
            "第 {line} 行：{day} 不在 {year} 年内",
            {"line": 2, "day": "2026-12-31", "year": 2027},
        ),
        (
            "2027-01-01,休,元旦\n# 注释\n2027-01-01,休,元旦",
            "text.3",
            "第 {line} 行：{day} 与第 {first} 行重复",
            {"line": 3, "day": "2027-01-01", "year": 2027, "first": 1},
        ),
        (
            "2027-02-22,班,春节调休",  # a Monday
            "text.1",
            "第 {line} 行：{day} 是周一至周五，本来就是工作日，不能作为调休上班日",
            {"line": 1, "day": "2027-02-22", "year": 2027},
        ),
        ("# 只有注释\n\n", "text", "没有任何日期：每行一天，如 2027-01-01,休,元旦", {}),
    ],
)
def test_a_wrong_line_is_named_by_its_number(text: str, field: str, message: str, params: dict) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_year_text(2027, text)
    error = refused.value.errors[0]
    assert (error.field, error.message, error.params) == (field, message, params)


def test_every_wrong_line_is_reported_in_order() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_year_text(2027, "2027-01-04,班\n2027-01-01,休,元旦\nxx\n2027-13-01,休")
    assert [error.field for error in refused.value.errors] == ["text.1", "text.3", "text.4"]


def test_the_prefilled_text_holds_the_known_holidays_and_says_what_is_missing() -> None:
    text = calendar.prefill_year_text(2027)
    assert text.startswith("# 2027 年法定节假日取自 holidays 库")
    assert "班,名称" in text.splitlines()[1]  # the reminder: make-up days come from the notice
    assert "2027-10-01,休,国庆节" in text
    days = parse_year_text(2027, text)  # it reads back
    assert all(entry.kind == DayKind.HOLIDAY for entry in days)


# ---- services on the database ------------------------------------------------------------


async def test_2027_is_unknown_until_an_admin_enters_it(world: World) -> None:
    before = await calendar.hall_calendar(hall_id=world.town.id, start=D("2027-02-01"), end=D("2027-02-28"))
    assert before.unknown_years == frozenset({2027})
    assert before.is_working_day(D("2027-02-20")) is False
    assert (await calendar.get_year(year=2027)).source == YearSource.UNKNOWN

    entered = await calendar.enter_year(
        year=2027,
        days=parse_year_text(2027, TEXT_2027),
        note="国办发明电〔2026〕X号",
        actor_id=world.account_ids[Role.ADMIN],
    )
    assert (entered.source, entered.note, len(entered.days)) == (
        YearSource.ENTERED,
        "国办发明电〔2026〕X号",
        5,
    )

    after = await calendar.hall_calendar(hall_id=world.town.id, start=D("2027-02-01"), end=D("2027-02-28"))
    assert after.unknown_years == frozenset()
    assert after.is_working_day(D("2027-02-20")) is True
    assert after.is_working_day(D("2027-02-08")) is True  # not in the entered text: a Monday
    statuses = {item.year: item.source for item in await calendar.list_years(around=2026)}
    assert statuses == {2025: YearSource.LIBRARY, 2026: YearSource.LIBRARY, 2027: YearSource.ENTERED}


async def test_entering_again_replaces_the_year(world: World) -> None:
    await calendar.enter_year(year=2027, days=parse_year_text(2027, TEXT_2027), note="", actor_id=None)
    replaced = await calendar.enter_year(
        year=2027, days=[(D("2027-10-01"), "holiday", "国庆节")], note="更正", actor_id=None
    )
    assert [(d.day, d.kind) for d in replaced.days] == [(D("2027-10-01"), DayKind.HOLIDAY)]
    assert (await CalendarYear.count(), await CalendarDay.count()) == (1, 1)


async def test_a_weekday_cannot_be_a_make_up_day(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await calendar.enter_year(
            year=2027, days=[(D("2027-02-22"), DayKind.WORKDAY, "春节调休")], note="", actor_id=None
        )
    assert refused.value.errors[0].message == "{day} 是周一至周五，本来就是工作日，不能作为调休上班日"
    assert await CalendarYear.count() == 0


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ([(D("2027-01-01"), "holiday", "元旦"), (D("2027-01-01"), "holiday", "元旦")], "{day} 重复出现"),
        ([(D("2028-01-01"), "holiday", "元旦")], "{day} 不在 {year} 年内"),
        ([(D("2027-01-01"), "调休", "元旦")], "不是可选的值"),
        ([], "请至少录入一天"),
    ],
)
async def test_refused_input_leaves_the_entered_year_intact(world: World, days: list, message: str) -> None:
    await calendar.enter_year(year=2027, days=parse_year_text(2027, TEXT_2027), note="原样", actor_id=None)
    with pytest.raises(InvalidInput) as refused:
        await calendar.enter_year(year=2027, days=days, note="被拒绝", actor_id=None)
    assert refused.value.errors[0].message == message
    kept = await calendar.get_year(year=2027)
    assert (kept.note, len(kept.days)) == ("原样", 5)


async def test_only_an_entered_year_can_be_deleted(world: World) -> None:
    await calendar.enter_year(
        year=2026, days=[(D("2026-10-01"), "holiday", "国庆节")], note="", actor_id=None
    )
    assert (await calendar.get_year(year=2026)).source == YearSource.ENTERED
    await calendar.delete_entered_year(year=2026)
    assert (await calendar.get_year(year=2026)).source == YearSource.LIBRARY  # the library again
    with pytest.raises(Conflict):
        await calendar.delete_entered_year(year=2026)
    with pytest.raises(NotFound):
        await calendar.delete_entered_year(year=2027)


async def test_a_closure_is_per_hall(world: World) -> None:
    closure = await calendar.add_closure(
        hall_id=world.town.id, day=D("2026-12-01"), reason="停电检修", scope=None, actor_id=None
    )
    town = await calendar.hall_calendar(hall_id=world.town.id, start=D("2026-12-01"), end=D("2026-12-31"))
    other = await calendar.hall_calendar(
        hall_id=world.other_town.id, start=D("2026-12-01"), end=D("2026-12-31")
    )
    assert (town.is_working_day(D("2026-12-01")), town.describe(D("2026-12-01"))) == (False, "停电检修")
    assert other.is_working_day(D("2026-12-01")) is True
    assert len(town.working_days(D("2026-12-01"), D("2026-12-31"))) == 22  # 23 weekdays, one closed

    with pytest.raises(Conflict) as clash:
        await calendar.add_closure(
            hall_id=world.town.id, day=D("2026-12-01"), reason="重复", scope=None, actor_id=None
        )
    assert clash.value.message == "{day} 已是本中心的闭厅日"
    with pytest.raises(InvalidInput):
        await calendar.add_closure(
            hall_id=world.town.id, day=D("2026-12-02"), reason=" ", scope=None, actor_id=None
        )

    town_scope = frozenset({world.town.id})
    with pytest.raises(NotFound):
        await calendar.list_closures(hall_id=world.other_town.id, scope=town_scope)
    with pytest.raises(NotFound):
        await calendar.delete_closure(closure_id=closure.id, scope=frozenset({world.other_town.id}))
    assert [
        c.day for c in await calendar.list_closures(hall_id=world.town.id, scope=town_scope, year=2026)
    ] == [D("2026-12-01")]
    await calendar.delete_closure(closure_id=closure.id, scope=town_scope)
    assert await calendar.list_closures(hall_id=world.town.id, scope=town_scope) == []
