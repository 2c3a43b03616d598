"""The organisation rules of RULES.md, "Halls and people", on the real database."""

from __future__ import annotations

import datetime as dt

import pytest

from hall import services
from hall.errors import Conflict, InvalidInput, NotAllowed, NotFound
from hall.schemas import CoverCreate, HallCreate, StaffCreate, StaffUpdate, WindowCreate, WindowUpdate
from hall.tables import HallLevel, Staff, StaffStatus
from tests.conftest import World

TODAY = dt.date(2026, 11, 23)


async def test_a_staff_number_is_unique_within_a_hall(world: World) -> None:
    with pytest.raises(Conflict, match="QS001"):
        await services.create_staff(
            data=StaffCreate(hall_id=world.town.id, name="重名", staff_number="QS001"), scope=None
        )
    assert await Staff.count().where(Staff.staff_number == "QS001") == 1


async def test_the_same_staff_number_may_exist_in_another_hall(world: World) -> None:
    person = await services.create_staff(
        data=StaffCreate(hall_id=world.other_town.id, name="同号", staff_number="QS001"), scope=None
    )
    assert person.hall_id == world.other_town.id


async def test_a_window_number_is_unique_within_a_hall(world: World) -> None:
    with pytest.raises(Conflict, match="1 号窗口"):
        await services.create_window(
            data=WindowCreate(
                hall_id=world.town.id, department_id=world.windows[0].department_id, number="1", name="重复"
            ),
            scope=None,
        )


async def test_a_person_cannot_be_put_at_another_halls_window(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await services.update_staff(
            staff_id=world.staff[0].id,
            data=StaffUpdate(window_id=world.other_window.id),
            scope=None,
            today=TODAY,
        )
    assert refused.value.errors[0].field == "window_id"
    assert refused.value.errors[0].message == "本中心没有这个窗口"


async def test_moving_a_person_changes_their_one_window(world: World) -> None:
    moved = await services.update_staff(
        staff_id=world.staff[0].id, data=StaffUpdate(window_id=world.windows[1].id), scope=None, today=TODAY
    )
    assert moved.window_id == world.windows[1].id
    assert [p.id for p in await services.list_staff(scope=None, window_id=world.windows[0].id)] == [
        world.staff[1].id
    ]


async def test_a_partial_update_leaves_unsent_fields_alone(world: World) -> None:
    updated = await services.update_staff(
        staff_id=world.staff[0].id, data=StaffUpdate(phone="13900000000"), scope=None, today=TODAY
    )
    assert (updated.phone, updated.window_id, updated.name) == ("13900000000", world.windows[0].id, "王芳")


async def test_a_person_who_leaves_frees_the_window_and_drops_off_the_list(world: World) -> None:
    left = await services.update_staff(
        staff_id=world.staff[0].id, data=StaffUpdate(status=StaffStatus.LEFT), scope=None, today=TODAY
    )
    assert (left.status, left.left_on, left.window_id) == (StaffStatus.LEFT, TODAY, None)
    assert world.staff[0].id not in [p.id for p in await services.list_staff(scope=None)]
    assert world.staff[0].id in [p.id for p in await services.list_staff(scope=None, include_left=True)]


async def test_a_window_with_staff_cannot_be_switched_off(world: World) -> None:
    with pytest.raises(Conflict, match="2 名在岗人员"):
        await services.update_window(
            window_id=world.windows[0].id, data=WindowUpdate(active=False), scope=None
        )


async def test_a_director_reaches_only_their_hall_and_the_halls_below(world: World) -> None:
    town_scope = await services.hall_scope(hall_id=world.town.id)
    county_scope = await services.hall_scope(hall_id=world.county.id)
    assert town_scope == {world.town.id}
    assert county_scope == {world.county.id, world.town.id, world.other_town.id}
    assert await services.hall_scope(hall_id=None) is None
    with pytest.raises(NotFound):
        await services.get_staff(staff_id=world.other_staff.id, scope=town_scope)
    assert world.other_staff.id in [p.id for p in await services.list_staff(scope=county_scope)]


@pytest.mark.parametrize(
    ("level", "parent", "refusal"),
    [
        (HallLevel.VILLAGE, "town", None),
        (HallLevel.TOWNSHIP, "town", InvalidInput),  # a township under a township
        (HallLevel.CENTRE, "county", InvalidInput),  # a centre under a centre
        (HallLevel.TOWNSHIP, None, InvalidInput),  # a township with no centre above it
    ],
)
async def test_the_hall_tree_has_centres_over_townships_over_villages(
    world: World, level: HallLevel, parent: str | None, refusal: type[Exception] | None
) -> None:
    parent_id = {"town": world.town.id, "county": world.county.id, None: None}[parent]
    data = HallCreate(code="new", name="新中心", level=level, parent_id=parent_id)
    if refusal is None:
        assert (await services.create_hall(data=data, scope=None)).parent_id == parent_id
    else:
        with pytest.raises(refusal):
            await services.create_hall(data=data, scope=None)


async def test_only_the_admin_creates_a_top_centre(world: World) -> None:
    with pytest.raises(NotAllowed):
        await services.create_hall(
            data=HallCreate(code="top", name="市中心", level=HallLevel.CENTRE),
            scope=await services.hall_scope(hall_id=world.county.id),
        )


def _cover(world: World, starts: str, ends: str, window: int = 1) -> CoverCreate:
    return CoverCreate(
        staff_id=world.staff[0].id,
        window_id=world.windows[window].id,
        starts_on=dt.date.fromisoformat(starts),
        ends_on=dt.date.fromisoformat(ends),
        reason="病假顶岗",
    )


async def test_cover_places_a_person_at_another_window_for_a_date_range(world: World) -> None:
    cover = await services.create_cover(
        data=_cover(world, "2026-12-01", "2026-12-05"), scope=None, actor_id=None
    )
    assert (cover.staff_name, cover.window_name) == ("王芳", "社保窗口")


@pytest.mark.parametrize(("starts", "ends"), [("2026-12-05", "2026-12-09"), ("2026-11-28", "2026-12-01")])
async def test_a_person_covers_one_window_at_a_time(world: World, starts: str, ends: str) -> None:
    await services.create_cover(data=_cover(world, "2026-12-01", "2026-12-05"), scope=None, actor_id=None)
    with pytest.raises(Conflict, match="2026-12-01 至 2026-12-05"):
        await services.create_cover(data=_cover(world, starts, ends), scope=None, actor_id=None)


async def test_back_to_back_cover_periods_do_not_overlap(world: World) -> None:
    await services.create_cover(data=_cover(world, "2026-12-01", "2026-12-05"), scope=None, actor_id=None)
    later = await services.create_cover(
        data=_cover(world, "2026-12-06", "2026-12-10"), scope=None, actor_id=None
    )
    assert later.starts_on == dt.date(2026, 12, 6)


async def test_cover_at_ones_own_window_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="提交的内容有误"):
        await services.create_cover(
            data=_cover(world, "2026-12-01", "2026-12-02", window=0), scope=None, actor_id=None
        )


def test_cover_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        CoverCreate(staff_id=1, window_id=2, starts_on=dt.date(2026, 12, 2), ends_on=dt.date(2026, 12, 1))
    assert (refused.value.errors[0].field, refused.value.errors[0].message) == ("ends_on", "不能早于开始日期")
