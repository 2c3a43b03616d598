"""Services for the hall tree, departments, windows, staff and cover assignments.

Every function takes the caller's `scope`: the set of hall ids they may reach, or None for
all halls (the system admin). Objects outside the scope are reported as not found, so that
a director cannot learn what another hall holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from piccolo.columns import Column
from piccolo.query.functions.aggregate import Count

from hall import db
from hall.errors import Conflict, InvalidInput, NotAllowed, NotFound
from hall.photos import normalise_photo
from hall.schemas import (
    CoverCreate,
    CoverRead,
    DepartmentCreate,
    DepartmentRead,
    HallCreate,
    HallRead,
    HallUpdate,
    StaffCreate,
    StaffRead,
    StaffUpdate,
    WindowCreate,
    WindowRead,
    WindowUpdate,
)
from hall.tables import CoverAssignment, Department, Hall, HallLevel, Staff, StaffStatus, Window

HallScope = frozenset[int] | None

# A hall's parent sits on a higher level: centre > township > village (seed 003).
LEVEL_RANK = {HallLevel.CENTRE: 0, HallLevel.TOWNSHIP: 1, HallLevel.VILLAGE: 2}


# ---- the hall tree -------------------------------------------------------------------


async def _parents() -> dict[int, int | None]:
    rows = await Hall.select(Hall.id, Hall.parent)
    return {row["id"]: row["parent"] for row in rows}


async def hall_scope(*, hall_id: int | None) -> HallScope:
    """The halls an account of `hall_id` reaches: that hall and every hall below it."""
    if hall_id is None:
        return None
    parents = await _parents()
    reached = {hall_id}
    grew = True
    while grew:
        below = {child for child, parent in parents.items() if parent in reached} - reached
        reached |= below
        grew = bool(below)
    return frozenset(reached)


async def hall_chain(*, hall_id: int) -> list[int]:
    """The hall, its parent, its grandparent... up to the root."""
    return (await hall_chains(hall_ids=[hall_id]))[hall_id]


async def hall_chains(*, hall_ids: Iterable[int]) -> dict[int, list[int]]:
    """`hall_chain` of each of these halls, read in one query."""
    parents = await _parents()
    chains = {}
    for hall_id in hall_ids:
        chain = [hall_id]
        while (parent := parents.get(chain[-1])) is not None and parent not in chain:
            chain.append(parent)
        chains[hall_id] = chain
    return chains


def _within(column: Column, scope: HallScope) -> Any:
    # An empty scope must match nothing; Piccolo refuses an empty IN list.
    return column.is_in(list(scope) or [-1]) if scope is not None else None


def _check_hall(hall_id: int, scope: HallScope) -> None:
    if scope is not None and hall_id not in scope:
        raise NotFound("没有找到编号为 {id} 的中心", id=hall_id)


def _hall_read(row: dict[str, Any]) -> HallRead:
    return HallRead(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        level=row["level"],
        parent_id=row["parent"],
        address=row["address"],
    )


async def list_halls(*, scope: HallScope) -> list[HallRead]:
    query = Hall.select().order_by(Hall.id)
    if scope is not None:
        query = query.where(_within(Hall.id, scope))
    return [_hall_read(row) for row in await query]


async def get_hall(*, hall_id: int, scope: HallScope) -> HallRead:
    _check_hall(hall_id, scope)
    row = await Hall.select().where(Hall.id == hall_id).first()
    if row is None:
        raise NotFound("没有找到编号为 {id} 的中心", id=hall_id)
    return _hall_read(row)


async def create_hall(*, data: HallCreate, scope: HallScope) -> HallRead:
    async with db.transaction():
        if data.parent_id is None:
            if scope is not None:
                raise NotAllowed("只有系统管理员可以建立最上级中心")
            if data.level != HallLevel.CENTRE:
                raise InvalidInput.single("parent_id", "上级中心", "镇（街道）中心和村服务点必须有上级中心")
        else:
            parent = await get_hall(hall_id=data.parent_id, scope=scope)
            if LEVEL_RANK[data.level] <= LEVEL_RANK[parent.level]:
                raise InvalidInput.single("level", "层级", "必须低于上级中心的层级")
        if await Hall.exists().where(Hall.code == data.code):
            raise Conflict("编码 {code} 已被使用", code=data.code)
        row = await _insert(
            Hall(
                code=data.code,
                name=data.name,
                level=data.level,
                parent=data.parent_id,
                address=data.address,
            )
        )
    return await get_hall(hall_id=row.id, scope=None)


async def update_hall(*, hall_id: int, data: HallUpdate, scope: HallScope) -> HallRead:
    async with db.transaction():
        await get_hall(hall_id=hall_id, scope=scope)
        changes = _changes(data, {"name": Hall.name, "address": Hall.address})
        if changes:
            await Hall.update(changes).where(Hall.id == hall_id)
    return await get_hall(hall_id=hall_id, scope=scope)


# ---- departments ---------------------------------------------------------------------


async def list_departments() -> list[DepartmentRead]:
    rows = await Department.select(Department.id, Department.name).order_by(Department.id)
    return [DepartmentRead(**row) for row in rows]


async def create_department(*, data: DepartmentCreate) -> DepartmentRead:
    async with db.transaction():
        if await Department.exists().where(Department.name == data.name):
            raise Conflict("进驻单位“{name}”已存在", name=data.name)
        row = await _insert(Department(name=data.name))
    return DepartmentRead(id=row.id, name=data.name)


# ---- windows -------------------------------------------------------------------------


async def list_windows(*, scope: HallScope, hall_id: int | None = None) -> list[WindowRead]:
    query = (
        Window.select(*Window.all_columns(), Window.department.name.as_alias("department_name"))
        .order_by(Window.hall)
        .order_by(Window.number)
    )
    if scope is not None:
        query = query.where(_within(Window.hall, scope))
    if hall_id is not None:
        query = query.where(Window.hall == hall_id)
    rows = await query
    counts = Staff.select(Staff.window, Count(Staff.id, alias="n")).where(Staff.status == StaffStatus.ACTIVE)
    # Counted over the halls listed only: a hall's page need not count a county's staff.
    if scope is not None:
        counts = counts.where(_within(Staff.hall, scope))
    if hall_id is not None:
        counts = counts.where(Staff.hall == hall_id)
    staff_counts = {row["window"]: row["n"] for row in await counts.group_by(Staff.window)}
    return [_window_read(row, staff_counts.get(row["id"], 0)) for row in rows]


def _window_read(row: dict[str, Any], staff_count: int) -> WindowRead:
    return WindowRead(
        id=row["id"],
        hall_id=row["hall"],
        department_id=row["department"],
        department_name=row["department_name"],
        number=row["number"],
        name=row["name"],
        active=row["active"],
        staff_count=staff_count,
    )


async def get_window(*, window_id: int, scope: HallScope) -> WindowRead:
    row = (
        await Window.select(*Window.all_columns(), Window.department.name.as_alias("department_name"))
        .where(Window.id == window_id)
        .first()
    )
    if row is None or (scope is not None and row["hall"] not in scope):
        raise NotFound("没有找到编号为 {id} 的窗口", id=window_id)
    staff_count = await Staff.count().where(
        (Staff.window == window_id) & (Staff.status == StaffStatus.ACTIVE)
    )
    return _window_read(row, staff_count)


async def _check_department(department_id: int) -> None:
    if not await Department.exists().where(Department.id == department_id):
        raise InvalidInput.single("department_id", "进驻单位", "没有这个进驻单位")


async def _check_number_free(*, hall_id: int, number: str, except_id: int | None = None) -> None:
    query = Window.exists().where((Window.hall == hall_id) & (Window.number == number))
    if except_id is not None:
        query = query.where(Window.id != except_id)
    if await query:
        raise Conflict("本中心已有 {number} 号窗口", number=number)


async def create_window(*, data: WindowCreate, scope: HallScope) -> WindowRead:
    async with db.transaction():
        await get_hall(hall_id=data.hall_id, scope=scope)
        await _check_department(data.department_id)
        await _check_number_free(hall_id=data.hall_id, number=data.number)
        row = await _insert(
            Window(
                hall=data.hall_id,
                department=data.department_id,
                number=data.number,
                name=data.name,
            )
        )
    return await get_window(window_id=row.id, scope=scope)


async def update_window(*, window_id: int, data: WindowUpdate, scope: HallScope) -> WindowRead:
    async with db.transaction():
        window = await get_window(window_id=window_id, scope=scope)
        if data.department_id is not None:
            await _check_department(data.department_id)
        if data.number is not None:
            await _check_number_free(hall_id=window.hall_id, number=data.number, except_id=window_id)
        if data.active is False and window.staff_count:
            raise Conflict("窗口还有 {count} 名在岗人员，请先把他们调到其他窗口", count=window.staff_count)
        changes = _changes(
            data,
            {
                "department_id": Window.department,
                "number": Window.number,
                "name": Window.name,
                "active": Window.active,
            },
        )
        if changes:
            await db.write(Window.update(changes).where(Window.id == window_id))
    return await get_window(window_id=window_id, scope=scope)


# ---- staff ---------------------------------------------------------------------------


def _staff_query():
    return Staff.select(*Staff.all_columns(), Staff.window.name.as_alias("window_name"))


def _staff_read(row: dict[str, Any]) -> StaffRead:
    return StaffRead(
        id=row["id"],
        hall_id=row["hall"],
        window_id=row["window"],
        window_name=row["window_name"],
        name=row["name"],
        staff_number=row["staff_number"],
        phone=row["phone"],
        status=row["status"],
        left_on=row["left_on"],
        has_photo=bool(row["photo"]),
    )


async def list_staff(
    *,
    scope: HallScope,
    hall_id: int | None = None,
    window_id: int | None = None,
    include_left: bool = False,
) -> list[StaffRead]:
    query = _staff_query().order_by(Staff.hall).order_by(Staff.staff_number)
    if scope is not None:
        query = query.where(_within(Staff.hall, scope))
    if hall_id is not None:
        query = query.where(Staff.hall == hall_id)
    if window_id is not None:
        query = query.where(Staff.window == window_id)
    if not include_left:
        query = query.where(Staff.status == StaffStatus.ACTIVE)
    return [_staff_read(row) for row in await query]


async def get_staff(*, staff_id: int, scope: HallScope) -> StaffRead:
    row = await _staff_query().where(Staff.id == staff_id).first()
    if row is None or (scope is not None and row["hall"] not in scope):
        raise NotFound("没有找到编号为 {id} 的人员", id=staff_id)
    return _staff_read(row)


async def _check_window_in_hall(*, window_id: int, hall_id: int, field: str, label: str) -> None:
    row = await Window.select(Window.hall, Window.active).where(Window.id == window_id).first()
    if row is None or row["hall"] != hall_id:
        raise InvalidInput.single(field, label, "本中心没有这个窗口")
    if not row["active"]:
        raise InvalidInput.single(field, label, "这个窗口已停用")


async def _check_staff_number_free(*, hall_id: int, staff_number: str) -> None:
    if await Staff.exists().where((Staff.hall == hall_id) & (Staff.staff_number == staff_number)):
        raise Conflict("本中心已有工号为 {number} 的人员", number=staff_number)


async def create_staff(*, data: StaffCreate, scope: HallScope) -> StaffRead:
    async with db.transaction():
        await get_hall(hall_id=data.hall_id, scope=scope)
        if data.window_id is not None:
            await _check_window_in_hall(
                window_id=data.window_id, hall_id=data.hall_id, field="window_id", label="窗口"
            )
        await _check_staff_number_free(hall_id=data.hall_id, staff_number=data.staff_number)
        row = await _insert(
            Staff(
                hall=data.hall_id,
                window=data.window_id,
                name=data.name,
                staff_number=data.staff_number,
                phone=data.phone,
            )
        )
    return await get_staff(staff_id=row.id, scope=scope)


async def update_staff(*, staff_id: int, data: StaffUpdate, scope: HallScope, today: dt.date) -> StaffRead:
    async with db.transaction():
        person = await get_staff(staff_id=staff_id, scope=scope)
        changes = _changes(
            data,
            {
                "name": Staff.name,
                "phone": Staff.phone,
                "window_id": Staff.window,
                "status": Staff.status,
                "left_on": Staff.left_on,
            },
        )
        if data.window_id is not None:
            await _check_window_in_hall(
                window_id=data.window_id, hall_id=person.hall_id, field="window_id", label="窗口"
            )
        if data.status == StaffStatus.LEFT:
            # Whoever leaves frees their window; the history stays with their records.
            changes[Staff.window] = None
            changes[Staff.left_on] = data.left_on or today
        elif data.status == StaffStatus.ACTIVE:
            changes[Staff.left_on] = None
        elif person.status == StaffStatus.LEFT and data.window_id is not None:
            raise Conflict("{name} 已离岗，请先恢复在岗状态", name=person.name)
        if changes:
            await db.write(Staff.update(changes).where(Staff.id == staff_id))
    return await get_staff(staff_id=staff_id, scope=scope)


async def set_staff_photo(
    *, staff_id: int, content: bytes, media_dir: Path, max_pixels: int, scope: HallScope
) -> StaffRead:
    """Store the person's photo (checked and re-encoded); the path kept is relative to
    `media_dir`, so the media folder can move."""
    await get_staff(staff_id=staff_id, scope=scope)
    jpeg = normalise_photo(content, max_pixels=max_pixels)
    relative = Path("staff") / f"{staff_id}.jpg"
    target = media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(jpeg)
    temporary.replace(target)  # atomic: a reader never sees half a photo
    await Staff.update({Staff.photo: str(relative)}).where(Staff.id == staff_id)
    return await get_staff(staff_id=staff_id, scope=scope)


async def staff_photo(*, staff_id: int, media_dir: Path, scope: HallScope) -> Path:
    await get_staff(staff_id=staff_id, scope=scope)
    row = await Staff.select(Staff.photo).where(Staff.id == staff_id).first()
    if not row or not row["photo"] or not (media_dir / row["photo"]).is_file():
        raise NotFound("该人员还没有照片")
    return media_dir / row["photo"]


# ---- cover assignments (临时上岗/顶岗) --------------------------------------------------


def _cover_query():
    return CoverAssignment.select(
        *CoverAssignment.all_columns(),
        CoverAssignment.staff.name.as_alias("staff_name"),
        CoverAssignment.staff.hall.as_alias("hall_id"),
        CoverAssignment.window.name.as_alias("window_name"),
    )


def _cover_read(row: dict[str, Any]) -> CoverRead:
    return CoverRead(
        id=row["id"],
        staff_id=row["staff"],
        staff_name=row["staff_name"],
        window_id=row["window"],
        window_name=row["window_name"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        reason=row["reason"],
    )


async def list_cover(
    *, scope: HallScope, hall_id: int | None = None, current_on: dt.date | None = None
) -> list[CoverRead]:
    query = _cover_query().order_by(CoverAssignment.starts_on, ascending=False)
    if scope is not None:
        query = query.where(_within(CoverAssignment.staff.hall, scope))
    if hall_id is not None:
        query = query.where(CoverAssignment.staff.hall == hall_id)
    if current_on is not None:
        query = query.where(CoverAssignment.ends_on >= current_on)
    return [_cover_read(row) for row in await query]


async def create_cover(*, data: CoverCreate, scope: HallScope, actor_id: int) -> CoverRead:
    async with db.transaction():
        person = await get_staff(staff_id=data.staff_id, scope=scope)
        if person.status != StaffStatus.ACTIVE:
            raise Conflict("{name} 已离岗，不能安排顶岗", name=person.name)
        await _check_window_in_hall(
            window_id=data.window_id, hall_id=person.hall_id, field="window_id", label="顶岗窗口"
        )
        if data.window_id == person.window_id:
            raise InvalidInput.single("window_id", "顶岗窗口", "这是该人员自己的窗口")
        # A person works at most one window at a time: cover periods may not overlap.
        clash = (
            await CoverAssignment.select(CoverAssignment.starts_on, CoverAssignment.ends_on)
            .where(
                (CoverAssignment.staff == data.staff_id)
                & (CoverAssignment.starts_on <= data.ends_on)
                & (CoverAssignment.ends_on >= data.starts_on)
            )
            .first()
        )
        if clash:
            raise Conflict(
                "{name} 在 {start} 至 {end} 已有顶岗安排",
                name=person.name,
                start=clash["starts_on"].isoformat(),
                end=clash["ends_on"].isoformat(),
            )
        row = await _insert(
            CoverAssignment(
                staff=data.staff_id,
                window=data.window_id,
                starts_on=data.starts_on,
                ends_on=data.ends_on,
                reason=data.reason,
                created_by=actor_id,
            )
        )
    return await get_cover(cover_id=row.id, scope=scope)


async def get_cover(*, cover_id: int, scope: HallScope) -> CoverRead:
    row = await _cover_query().where(CoverAssignment.id == cover_id).first()
    if row is None or (scope is not None and row["hall_id"] not in scope):
        raise NotFound("没有找到编号为 {id} 的顶岗安排", id=cover_id)
    return _cover_read(row)


async def delete_cover(*, cover_id: int, scope: HallScope) -> None:
    async with db.transaction():
        await get_cover(cover_id=cover_id, scope=scope)
        await CoverAssignment.delete().where(CoverAssignment.id == cover_id)


# ---- helpers -------------------------------------------------------------------------


def _changes(data: Any, columns: dict[str, Column]) -> dict[Column, Any]:
    """The columns a partial update sets: only the fields the caller actually sent."""
    return {
        column: getattr(data, name)
        for name, column in columns.items()
        if name in data.model_fields_set and (getattr(data, name) is not None or columns[name]._meta.null)
    }


async def _insert(row: Any) -> Any:
    await db.write(row.save())
    return row
