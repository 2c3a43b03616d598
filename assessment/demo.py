"""Demo assessment for the demo town: a few of the inspector's findings over the demo weeks
and the first window's self-assessment of last month, so that the overview, a window's month
and "my score" have something beside the automatic findings the demo attendance makes.
Loaded once, with the demo hall."""

from __future__ import annotations

import datetime as dt

from assessment import findings, self_assessments
from assessment.attachments import Limits
from assessment.schemas import FindingCreate, SelfAssessmentWrite
from assessment.tables import Finding
from attendance.months import month_of
from hall.demo import TOWN_CODE
from hall.roles import Role
from hall.tables import Account, Hall, Staff, Window

# (days before now, rule, window index, index of the person at that window or None, what was seen)
INSPECTIONS = (
    (20, "no_badge", 0, 0, "上午巡查，未佩戴工作证"),
    (16, "untidy_desk", 1, 0, "桌面资料堆放凌乱"),
    (9, "not_cleaned", 1, None, "窗口地面未清扫"),
    (4, "off_post", 0, 1, "14:40 巡查时不在窗口，未安排顶岗"),
    (2, "case_not_registered", 0, 0, "当日受理 1 件未录入系统"),
)
SELF_ASSESSMENT = SelfAssessmentWrite(
    attendance=2, discipline=1, text="本月有两次迟到、一次未佩证，已在窗口例会上提醒，下月改正。"
)


async def load_demo_assessment(*, now: dt.datetime) -> int:
    """Returns how many findings were entered; nothing if the town already has manual ones."""
    town = await Hall.select(Hall.id).where(Hall.code == TOWN_CODE).first()
    if town is None or await Finding.exists().where(
        (Finding.hall == town["id"]) & (Finding.source == "manual")
    ):
        return 0
    hall_id, scope = town["id"], frozenset({town["id"]})
    windows = [
        row["id"] for row in await Window.select(Window.id).where(Window.hall == hall_id).order_by(Window.id)
    ]
    accounts = {
        row["role"]: row["id"]
        for row in await Account.select(Account.id, Account.role).where(Account.hall == hall_id)
    }
    if not windows or Role.INSPECTOR not in accounts or Role.STAFF not in accounts:
        return 0
    for days, rule, window, person, evidence in INSPECTIONS:
        people = await Staff.select(Staff.id).where(Staff.window == windows[window]).order_by(Staff.id)
        await findings.record_finding(
            hall_id=hall_id,
            data=FindingCreate(
                day=(now - dt.timedelta(days=days)).date(),
                rule=rule,
                window_id=windows[window],
                staff_id=None if person is None else people[person]["id"],
                evidence=evidence,
            ),
            photo=None,
            limits=Limits(max_bytes=0, max_pixels=0),
            scope=scope,
            actor_id=accounts[Role.INSPECTOR],
            today=now.date(),
        )
    await self_assessments.file_self_assessment(
        window_id=windows[0],
        month=month_of(month_of(now.date()) - dt.timedelta(days=1)),
        data=SELF_ASSESSMENT,
        actor_id=accounts[Role.STAFF],  # the demo staff account works at the first window
        now=now,
        scope=scope,
    )
    return len(INSPECTIONS)
