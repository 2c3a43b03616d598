"""Demo complaints for the demo town: one of each kind of situation the desk meets (overdue,
due today, passed to two windows, answered on the spot, upheld and closed), so that the board,
a ticket's page and the statistics have something to show. Loaded once, with the demo hall."""

from __future__ import annotations

import datetime as dt

from complaints.deadlines import ComplaintClass
from complaints.services import insert_complaint
from complaints.tables import Action, Channel, Complaint
from hall.demo import TOWN_CODE
from hall.tables import Hall, Window

# (days before now, hour, channel, class, window index, what happened, answered on the spot)
DEMO = (
    (
        6,
        10,
        Channel.PHONE,
        ComplaintClass.GENERAL,
        0,
        "电话咨询低保办理进度，窗口人员称不归其管，未告知应找哪个部门",
        "",
    ),
    (
        1,
        15,
        Channel.IN_PERSON,
        ComplaintClass.GENERAL,
        1,
        "社保卡补办排队一小时，窗口人员中途离岗二十分钟",
        "",
    ),
    (2, 9, Channel.WRITTEN, ComplaintClass.COMPLEX, 0, "同一事项在民政、社保两个窗口之间来回跑了三次", ""),
    (0, 9, Channel.SUGGESTION_BOX, ComplaintClass.GENERAL, None, "大厅饮水机没有水，等候区座位不够", ""),
    (
        3,
        11,
        Channel.IN_PERSON,
        ComplaintClass.GENERAL,
        1,
        "窗口人员未佩戴工作证，投诉人不知其姓名",
        "当场说明并要求窗口人员佩证上岗，投诉人表示满意",
    ),
)


async def load_demo_complaints(*, now: dt.datetime) -> int:
    """The demo complaints, received in the days before `now` (hall-local); returns how many
    were stored. Does nothing if the town already has complaints."""
    town = await Hall.select(Hall.id).where(Hall.code == TOWN_CODE).first()
    if town is None or await Complaint.exists().where(Complaint.hall == town["id"]):
        return 0
    windows = [
        row["id"]
        for row in await Window.select(Window.id).where(Window.hall == town["id"]).order_by(Window.id)
    ]
    for days, hour, channel, complaint_class, window, content, answer in DEMO:
        received_at = (now - dt.timedelta(days=days)).replace(hour=hour, minute=12, second=0, microsecond=0)
        await insert_complaint(
            values={
                "hall": town["id"],
                "channel": channel,
                "window": windows[window] if window is not None and window < len(windows) else None,
                "content": content,
                "complainant_name": "群众（演示）",
                "complainant_contact": "138****0000",
                "marked_complex": complaint_class == ComplaintClass.COMPLEX,
            },
            received_at=min(received_at, now),
            complaint_class=complaint_class,
            uploads=[],
            actor_id=None,
            action=Action.REGISTERED,
            on_the_spot_reply=answer,
        )
    return len(DEMO)
