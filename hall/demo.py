"""Demo data shaped like a real hall: a county centre above a town centre with the seven
windows a township hall typically has (seed 003) and 25 staff, plus an account per role
(devices are registered by devices/demo.py).

Loading is idempotent: a second load finds the town centre and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from hall import db
from hall.accounts import hash_password
from hall.roles import Role
from hall.tables import Account, Department, Hall, HallLevel, Staff, Window

DEMO_PASSWORD = "demo-hall-2026"
COUNTY_CODE = "demo-county"
TOWN_CODE = "demo-town"

# (department, window name, staff count): 25 staff in all.
WINDOWS = (
    ("镇民政办", "民政窗口", 4),
    ("镇社保所", "社保窗口", 4),
    ("镇医保站", "医保窗口", 4),
    ("镇计生办", "计生窗口", 3),
    ("镇村镇建设办", "村镇建设窗口", 3),
    ("镇司法所", "司法调解窗口", 3),
    ("镇便民服务中心", "综合受理窗口", 4),
)

NAMES = (
    "王芳",
    "李强",
    "张敏",
    "刘洋",
    "陈静",
    "杨磊",
    "赵丽",
    "黄勇",
    "周婷",
    "吴斌",
    "徐娟",
    "孙涛",
    "胡燕",
    "朱军",
    "高霞",
    "林峰",
    "何琳",
    "郭亮",
    "马倩",
    "罗杰",
    "梁红",
    "宋伟",
    "郑丹",
    "谢鹏",
    "韩雪",
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    display_name: str


ACCOUNTS = (
    DemoAccount("county_director", Role.DIRECTOR, "县中心主任"),
    DemoAccount("director", Role.DIRECTOR, "镇中心主任"),
    DemoAccount("clerk", Role.CLERK, "考勤员"),
    DemoAccount("complaints", Role.COMPLAINT_OFFICER, "投诉受理员"),
    DemoAccount("inspector", Role.INSPECTOR, "督查员"),
    DemoAccount("staff", Role.STAFF, NAMES[0]),
)


async def load_demo() -> list[DemoAccount]:
    """Load the demo halls, windows, staff and accounts unless present; returns the demo
    accounts when it loaded them, else an empty list."""
    async with db.transaction():
        if await Hall.exists().where(Hall.code == TOWN_CODE):
            return []
        county = Hall(code=COUNTY_CODE, name="示范县政务服务中心", level=HallLevel.CENTRE)
        await county.save()
        town = Hall(
            code=TOWN_CODE,
            name="青山镇便民服务中心",
            level=HallLevel.TOWNSHIP,
            parent=county.id,
            address="青山镇人民路 1 号",
        )
        await town.save()
        people = enumerate(NAMES, start=1)
        first_staff_id = None
        for number, (department_name, window_name, staff_count) in enumerate(WINDOWS, start=1):
            department = await Department.objects().get_or_create(
                Department.name == department_name, defaults={Department.name: department_name}
            )
            window = Window(hall=town.id, department=department.id, number=str(number), name=window_name)
            await window.save()
            for _ in range(staff_count):
                serial, name = next(people)
                person = Staff(
                    hall=town.id,
                    window=window.id,
                    name=name,
                    staff_number=f"QS{serial:03d}",
                    phone=f"1390000{serial:04d}",
                )
                await person.save()
                first_staff_id = first_staff_id or person.id
        password_hash = hash_password(DEMO_PASSWORD)
        for account in ACCOUNTS:
            await Account(
                username=account.username,
                password_hash=password_hash,
                role=account.role,
                display_name=account.display_name,
                hall=county.id if account.username == "county_director" else town.id,
                staff=first_staff_id if account.role == Role.STAFF else None,
            ).save()
    return list(ACCOUNTS)
