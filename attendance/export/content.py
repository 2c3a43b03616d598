"""What the monthly attendance export (月度考勤汇总) shows, built from the halls' month reports
without the database: each person's line (the summary figures of RULES.md, "Monthly
summary", and one mark per session of every working day), the totals, the corrections and
approved requests, and the legend. The writers (spreadsheet.py, pdf.py) lay it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from attendance.months import month_end
from attendance.rules import LEAVE_LABELS, LeaveType, Mark, Session, Status
from attendance.schemas import DayRead, MonthReportRead, SessionRead, SummaryRead
from hall.schemas import HallRead, WindowRead

PERIOD = "{year}年{month}月"
TITLE = "{period}考勤汇总"
DRAFT = "草稿"
NO_WINDOW = "未分配窗口"
TOTAL = "合计"

Figure = int | float


@dataclass(frozen=True)
class SummaryColumn:
    heading: str
    value: Callable[[SummaryRead], Figure]


def _leave_column(leave_type: LeaveType) -> SummaryColumn:
    return SummaryColumn(f"{LEAVE_LABELS[leave_type]}（天）", lambda s: s.leave_days.get(leave_type, 0.0))


# The columns of the monthly summary page (web/templates/attendance/summary.html), in its order.
SUMMARY_COLUMNS = (
    SummaryColumn("应出勤天数", lambda s: s.days_due),
    SummaryColumn("出勤天数", lambda s: s.days_present),
    SummaryColumn("迟到", lambda s: s.late),
    SummaryColumn("早退", lambda s: s.early_leave),
    SummaryColumn("脱岗", lambda s: s.off_post),
    SummaryColumn("缺卡", lambda s: s.missing),
    SummaryColumn("已补卡", lambda s: s.cleared),
    SummaryColumn("旷工（半天）", lambda s: s.absent_half_days),
    *(_leave_column(leave_type) for leave_type in LeaveType),
    SummaryColumn("出差次数", lambda s: s.trips),
)
SUMMARY_HEADINGS = tuple(column.heading for column in SUMMARY_COLUMNS)

# ---- the day grid's marks: one character a session, so that the PDF's grid lines align --------

ON_TIME = "・"
OFF_POST, LATE, EARLY_LEAVE, MISSING, CLEARED = "脱", "迟", "早", "缺", "补"
FAULTS = (OFF_POST, LATE, EARLY_LEAVE, MISSING)
ABSENT = "旷"
PENDING = "待"
DAY_OFF = "休"
NO_VERDICT = "－"
LEAVE_MARKS = {
    LeaveType.OFFICIAL: "公",
    LeaveType.TRIP: "差",
    LeaveType.SICK: "病",
    LeaveType.PERSONAL: "事",
    LeaveType.ANNUAL: "年",
}
# Worst first: a session with two faults shows the worse one; the summary counts both.
SLOT_MARKS = (
    (Mark.OFF_POST, OFF_POST),
    (Mark.LATE, LATE),
    (Mark.EARLY_LEAVE, EARLY_LEAVE),
    (Mark.MISSING, MISSING),
    (Mark.CLEARED, CLEARED),
    (Mark.PENDING, PENDING),
)
LEGEND = (
    (ON_TIME, "正常"),
    (LATE, "迟到"),
    (EARLY_LEAVE, "早退"),
    (OFF_POST, "脱岗"),
    (MISSING, "缺卡"),
    (CLEARED, "缺卡已补卡"),
    (ABSENT, "旷工（半天）"),
    *((LEAVE_MARKS[leave_type], LEAVE_LABELS[leave_type]) for leave_type in LeaveType),
    (PENDING, "尚未打卡（当天未结束）"),
    (DAY_OFF, "本中心非工作日"),
    (NO_VERDICT, "无考勤结果（日期未到，或已离岗）"),
)
LEGEND_NOTE = (
    "每天两格：上午、下午。一个时段有几项时只标最重的一项（脱岗、迟到、早退、缺卡依次），"
    "各项次数以汇总表为准。"
)


def session_mark(session: SessionRead) -> str:
    if session.status is Status.ABSENT:
        return ABSENT
    if session.status is Status.LEAVE:
        return LEAVE_MARKS[LeaveType(session.leave_type)]
    if session.status is Status.PENDING:
        return PENDING
    marks = {session.start, session.end}
    return next((text for mark, text in SLOT_MARKS if mark in marks), ON_TIME)


def day_marks(day: DayRead) -> tuple[str, str]:
    """The morning's and the afternoon's mark."""
    if not day.working:
        return DAY_OFF, DAY_OFF
    marks = {session.session: session_mark(session) for session in day.sessions}
    return marks.get(Session.MORNING, NO_VERDICT), marks.get(Session.AFTERNOON, NO_VERDICT)


# ---- what is shown ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    staff_number: str
    staff_name: str
    figures: tuple[Figure, ...]  # in SUMMARY_COLUMNS order
    marks: tuple[str, ...]  # two a day (morning, afternoon) over MonthExport.days


@dataclass(frozen=True)
class Group:
    window: str  # "1 · 民政窗口"
    lines: list[Line]


@dataclass(frozen=True)
class Correction:
    """A punch entered by hand (补录打卡) or an approved request (补卡, leave) of the month."""

    kind: str  # 补录打卡, 补卡, or the leave's type
    staff_number: str
    staff_name: str
    start: dt.datetime | dt.date
    end: dt.date | None
    sessions: str  # 上午上班, 全天, 下午起至上午止...
    reason: str
    substitute: str
    by: str  # who entered the punch or approved the request
    at: dt.datetime | None  # when, hall-local


@dataclass(frozen=True)
class HallMonth:
    hall_id: int
    hall_name: str
    closed: bool
    groups: list[Group]
    corrections: list[Correction]

    @property
    def lines(self) -> list[Line]:
        return [line for group in self.groups for line in group.lines]

    @property
    def totals(self) -> tuple[Figure, ...]:
        return totals(self.lines)


@dataclass(frozen=True)
class MonthExport:
    hall_id: int  # the hall asked for: a county's export holds its township halls
    hall_name: str
    month: dt.date
    counted_to: dt.date  # days due are counted up to this day
    days: list[dt.date]  # the working days of any hall shown: the grid's columns
    halls: list[HallMonth]
    unknown_years: list[int]  # the month's holidays are not entered yet: working days guessed
    # Until every hall shown has closed the month (关账), its figures may still change.
    draft: bool

    @property
    def period(self) -> str:
        return PERIOD.format(year=self.month.year, month=self.month.month)

    @property
    def title(self) -> str:
        return TITLE.format(period=self.period)

    @property
    def lines(self) -> list[Line]:
        return [line for hall in self.halls for line in hall.lines]

    @property
    def totals(self) -> tuple[Figure, ...]:
        return totals(self.lines)

    def heading(self) -> str:
        """青山镇便民服务中心 2026年10月考勤汇总（草稿）"""
        return f"{self.hall_name} {self.title}" + (f"（{DRAFT}）" if self.draft else "")

    def notes(self) -> list[str]:
        notes = [f"应出勤天数算至 {self.counted_to:%Y-%m-%d}；请假、因公外出和出差另计，不算出勤。"]
        if self.unknown_years:
            years = "、".join(f"{year}年" for year in self.unknown_years)
            notes.append(f"{years}的法定节假日和调休安排尚未录入，工作日为推算，数字可能变动。")
        return notes

    def shown(self) -> dict[str, Any]:
        """What the documents show, JSON-able, for their fingerprint (not when made)."""
        return {
            "hall": [self.hall_id, self.hall_name],
            "month": self.month.isoformat(),
            "counted_to": self.counted_to.isoformat(),
            "days": [day.isoformat() for day in self.days],
            "unknown_years": self.unknown_years,
            "draft": self.draft,
            "halls": [
                {
                    "hall": hall.hall_name,
                    "closed": hall.closed,
                    "groups": [
                        [group.window, [[*vars(line).values()] for line in group.lines]]
                        for group in hall.groups
                    ],
                    "corrections": [[*vars(item).values()] for item in hall.corrections],
                }
                for hall in self.halls
            ],
        }


def totals(lines: Iterable[Line]) -> tuple[Figure, ...]:
    sums: list[Figure] = [0] * len(SUMMARY_COLUMNS)
    for line in lines:
        for index, figure in enumerate(line.figures):
            sums[index] += figure
    return tuple(sums)


def window_label(window: WindowRead) -> str:
    return f"{window.number} · {window.name}" if window.number else window.name


def build(
    *,
    hall: HallRead,
    month: dt.date,
    now: dt.datetime,
    halls: Sequence[HallRead],
    reports: dict[int, MonthReportRead],
    windows: Sequence[WindowRead],
    corrections: dict[int, list[Correction]],
    closed: bool,
) -> MonthExport:
    """The export of the halls' reports (from `verdicts.month_sessions`, with their days),
    in the order of `halls`, people grouped by window in the order of `windows`; halls
    without people are left out. `closed`: whether the hall asked for has closed the month,
    which decides for a document without people."""
    working = sorted(
        {
            day.day
            for report in reports.values()
            for person in report.people
            for day in person.days
            if day.working
        }
    )
    order = {window.id: index for index, window in enumerate(windows)}
    labels = {window.id: window_label(window) for window in windows}
    parts = []
    for shown in halls:
        report = reports.get(shown.id)
        if report is None or not report.people:
            continue
        by_window: dict[int | None, list[Line]] = {}
        for person in sorted(
            report.people, key=lambda p: (order.get(p.window_id, len(order)), p.staff_number)
        ):
            days = {day.day: day for day in person.days}
            by_window.setdefault(person.window_id, []).append(
                Line(
                    person.staff_number,
                    person.staff_name,
                    tuple(column.value(person.summary) for column in SUMMARY_COLUMNS),
                    tuple(mark for day in working for mark in day_marks(days[day])),
                )
            )
        groups = [Group(labels.get(window_id, NO_WINDOW), lines) for window_id, lines in by_window.items()]
        parts.append(HallMonth(shown.id, shown.name, report.closed, groups, corrections.get(shown.id, [])))
    return MonthExport(
        hall_id=hall.id,
        hall_name=hall.name,
        month=month,
        counted_to=min(month_end(month), now.date()),
        days=working,
        halls=parts,
        unknown_years=sorted({year for report in reports.values() for year in report.unknown_years}),
        draft=not all(part.closed for part in parts) if parts else not closed,
    )


# ---- the tables' headings and rows, as the formats lay them out ------------------------------

IDENTITY_HEADINGS = ("中心", "窗口", "工号", "姓名")
CORRECTION_HEADINGS = (
    "中心",
    "类别",
    "工号",
    "姓名",
    "开始",
    "结束",
    "时段",
    "事由",
    "顶岗人员",
    "录入人/审批人",
    "录入/审批时间",
)
NO_CORRECTIONS = "本月没有补录的打卡，也没有审批通过的补卡和请假。"


def summary_rows(export: MonthExport) -> list[list[Any]]:
    """One row a person (中心, 窗口, 工号, 姓名, then the figures), by hall and window."""
    return [
        [hall.hall_name, group.window, line.staff_number, line.staff_name, *line.figures]
        for hall in export.halls
        for group in hall.groups
        for line in group.lines
    ]


def totals_row(export: MonthExport) -> list[Any]:
    return [TOTAL, "", "", f"{len(export.lines)}人", *export.totals]
