"""Per-hall settings: defaults from RULES.md, dated changes, inheritance down the tree."""

from __future__ import annotations

import datetime as dt

import pytest

from hall.errors import InvalidInput
from hall.settings import BY_KEY, SettingRow, change_setting, check_value, resolve, settings_for_hall
from tests.conftest import World

D = dt.date.fromisoformat


def test_the_defaults_are_the_numbers_of_the_rules() -> None:
    defaults = resolve([], [1], D("2026-11-23"))
    assert {
        key: defaults[key].value
        for key in (
            "late_after_minutes",
            "off_post_after_minutes",
            "makeup_punches_per_month",
            "punches_per_day",
            "winter_afternoon_end",
            "summer_afternoon_start",
            "summer_starts_on",
            "winter_starts_on",
            "excellent_min_score",
            "standard_min_score",
            "complex_reply_working_days",
        )
    } == {
        "late_after_minutes": 15,
        "off_post_after_minutes": 30,
        "makeup_punches_per_month": 3,
        "punches_per_day": 4,
        "winter_afternoon_end": "16:30",
        "summer_afternoon_start": "14:00",
        "summer_starts_on": "05-01",
        "winter_starts_on": "10-01",
        "excellent_min_score": 95,
        "standard_min_score": 85,
        "complex_reply_working_days": 5,
    }


TOWN, COUNTY = 2, 1
ROWS = [
    SettingRow(COUNTY, "late_after_minutes", 10, D("2026-12-01"), 1),
    SettingRow(TOWN, "late_after_minutes", 5, D("2027-01-01"), 2),
    SettingRow(TOWN, "late_after_minutes", 6, D("2027-01-01"), 3),
]


@pytest.mark.parametrize(
    ("on", "expected", "from_hall"),
    [
        ("2026-11-30", 15, None),  # before any change: the default
        ("2026-12-01", 10, COUNTY),  # the county's change, from its first day
        ("2026-12-31", 10, COUNTY),
        ("2027-01-01", 6, TOWN),  # the town's own setting wins; the later row of that day
    ],
)
def test_a_change_applies_from_its_date_and_the_nearest_hall_wins(
    on: str, expected: int, from_hall: int | None
) -> None:
    resolved = resolve(ROWS, [TOWN, COUNTY], D(on))["late_after_minutes"]
    assert (resolved.value, resolved.hall_id) == (expected, from_hall)


def test_a_hall_outside_the_chain_does_not_count() -> None:
    assert resolve(ROWS, [3, COUNTY], D("2027-02-01"))["late_after_minutes"].value == 10


@pytest.mark.parametrize(
    ("key", "value", "stored", "message"),
    [
        ("off_post_after_minutes", 30, 30, None),
        ("off_post_after_minutes", "60", 60, None),
        ("off_post_after_minutes", 29, None, "不能小于 {ge}"),  # the seed says 30-60 minutes
        ("off_post_after_minutes", 61, None, "不能大于 {le}"),
        ("off_post_after_minutes", "半小时", None, "必须是整数"),
        ("off_post_after_minutes", True, None, "必须是整数"),
        ("punches_per_day", "2", 2, None),
        ("punches_per_day", 3, None, "只能是 {choices}"),
        ("winter_afternoon_end", "16:30", "16:30", None),
        ("winter_afternoon_end", "24:00", None, "时间格式不正确，应为 HH:MM"),
        ("summer_starts_on", "02-29", "02-29", None),
        ("summer_starts_on", "02-30", None, "没有这一天"),
        ("summer_starts_on", "5-1", None, "日期格式不正确，应为 MM-DD"),
    ],
)
def test_values_are_checked_against_their_definition(
    key: str, value: object, stored: object, message: str | None
) -> None:
    if message is None:
        assert check_value(BY_KEY[key], value) == stored
    else:
        with pytest.raises(InvalidInput) as refused:
            check_value(BY_KEY[key], value)
        assert refused.value.errors[0].message == message
        assert refused.value.errors[0].label == BY_KEY[key].label


async def test_a_county_change_reaches_the_town_from_its_date(world: World) -> None:
    today = D("2026-11-23")
    await change_setting(
        hall_id=world.county.id,
        key="off_post_after_minutes",
        value=45,
        effective_from=D("2026-12-01"),
        reason="县中心统一调整",
        scope=None,
        actor_id=None,
        today=today,
    )
    before = await settings_for_hall(hall_id=world.town.id, on=D("2026-11-30"), scope=None)
    after = await settings_for_hall(hall_id=world.town.id, on=D("2026-12-01"), scope=None)
    assert before["off_post_after_minutes"].value == 30
    assert (after["off_post_after_minutes"].value, after["off_post_after_minutes"].hall_id) == (
        45,
        world.county.id,
    )


async def test_a_change_never_reaches_back_into_the_past(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await change_setting(
            hall_id=world.town.id,
            key="late_after_minutes",
            value=5,
            effective_from=D("2026-11-22"),
            reason="",
            scope=None,
            actor_id=None,
            today=D("2026-11-23"),
        )
    assert refused.value.errors[0].field == "effective_from"
    assert (await settings_for_hall(hall_id=world.town.id, on=D("2026-11-22"), scope=None))[
        "late_after_minutes"
    ].value == 15
