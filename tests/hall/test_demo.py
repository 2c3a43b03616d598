"""The demo hall: a county centre over a town centre with 7 windows and 25 staff."""

from __future__ import annotations

from hall import demo
from hall.roles import Role
from hall.tables import Account, Department, Hall, Staff, Window


async def _counts() -> dict[str, int]:
    return {
        "halls": await Hall.count(),
        "departments": await Department.count(),
        "windows": await Window.count(),
        "staff": await Staff.count(),
        "accounts": await Account.count(),
    }


async def test_the_demo_hall_is_shaped_like_a_real_town_centre() -> None:
    loaded = await demo.load_demo()
    assert await _counts() == {"halls": 2, "departments": 7, "windows": 7, "staff": 25, "accounts": 6}
    assert {account.role for account in loaded} == set(Role) - {Role.ADMIN, Role.DEVICE}
    names = {row["name"] for row in await Window.select(Window.name)}
    assert {
        "民政窗口",
        "社保窗口",
        "医保窗口",
        "计生窗口",
        "村镇建设窗口",
        "司法调解窗口",
        "综合受理窗口",
    } == names
    town = await Hall.objects().get(Hall.code == demo.TOWN_CODE)
    county = await Hall.objects().get(Hall.code == demo.COUNTY_CODE)
    assert town.parent == county.id


async def test_loading_the_demo_twice_adds_nothing() -> None:
    await demo.load_demo()
    before = await _counts()
    assert await demo.load_demo() == []
    assert await _counts() == before
