"""Reply deadlines of complaints and working-time arithmetic (RULES.md, Complaints: Deadlines).

Pure: a `DayInfo` (date -> `DayHours`, built by the service layer from the hall's calendar and
timetable, wide enough for the days asked about) and plain values in, verdicts out.

- Deadlines count working days (工作日): day 1 is the first working day after the day of
  receipt (受理次日起); the complaint is due by the end of day N's last session (下班前). A
  general complaint (一般投诉) also has a soft target: the end of the receipt day (当日答复).
- Working time (工作时间) is the time inside the sessions of working days; reminders use it.

Datetimes are naive, hall-local, at second precision (fractions dropped); "by the end of a
day" includes the end itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

# A calendar without a working day for more than a year is wrong: refuse rather than loop.
SEARCH_LIMIT_DAYS = 400
ONE_DAY = dt.timedelta(days=1)

# Words the explanation passes as parameters: each is a whole msgid of its own.
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
SATURDAY_OFF = "周六休息日"
SUNDAY_OFF = "周日休息日"
WEEKEND_OFF = "周六、周日休息日"
WEEKEND_REASONS = {5: SATURDAY_OFF, 6: SUNDAY_OFF}
NOT_WORKING = "非工作日"
LIST_SEPARATOR = "、"  # between ISO dates in a list


class ComplaintClass(StrEnum):
    GENERAL = "general"  # 一般投诉
    COMPLEX = "complex"  # 复杂投诉: two or more units, or marked complex
    PETITION = "petition"  # 信访


CLASS_LABELS = {
    ComplaintClass.GENERAL: "一般投诉",
    ComplaintClass.COMPLEX: "复杂投诉",
    ComplaintClass.PETITION: "信访",
}


class Line(NamedTuple):
    """One sentence of a deadline's explanation: a whole Chinese message (a msgid) with
    `{placeholders}`, and their values. Each value is language-neutral (an ISO date, a time,
    a number, ISO dates joined by LIST_SEPARATOR) or a whole word that is a msgid of its own
    (a weekday, a rest-day reason, a class label, a timetable, a holiday or closure name), so
    a translation renders `_(message).format(**{name: _(value) ...})`."""

    message: str
    params: dict[str, str]

    def render(self) -> str:
        """The line in Chinese."""
        return self.message.format(**self.params)


@dataclass(frozen=True)
class DayHours:
    """What the deadline rules need to know of one calendar day of a hall."""

    day: dt.date
    working: bool
    note: str | None  # holiday name, closure reason or make-up day name; None for a plain day
    sessions: tuple[tuple[dt.time, dt.time], ...]  # used only when working
    timetable: str  # e.g. 冬春季作息, for the explanation

    def __post_init__(self) -> None:
        if self.working and not self.sessions:
            raise ValueError(f"{self.day} is a working day without sessions")
        ends = [dt.time.min, *(end for _, end in self.sessions)]
        if any(start >= end or start < ends[i] for i, (start, end) in enumerate(self.sessions)):
            raise ValueError(f"the sessions of {self.day} overlap or run backwards: {self.sessions}")

    def spans(self) -> list[tuple[dt.datetime, dt.datetime]]:
        """The day's sessions as datetimes; none on a day that is not working."""
        if not self.working:
            return []
        return [
            (dt.datetime.combine(self.day, start), dt.datetime.combine(self.day, end))
            for start, end in self.sessions
        ]

    @property
    def end(self) -> dt.datetime:
        """下班: the end of the day's last session."""
        return dt.datetime.combine(self.day, self.sessions[-1][1])


DayInfo = Callable[[dt.date], DayHours]


@dataclass(frozen=True)
class Deadline:
    """When a complaint must be answered, and the days that decided it."""

    received_at: dt.datetime
    complaint_class: ComplaintClass
    working_days: int
    target_at: dt.datetime | None  # 当日答复, a soft target for general complaints only
    due_at: dt.datetime  # the hard deadline
    skipped: tuple[tuple[dt.date, str], ...]  # non-working days before the due day, with why
    receipt_hours: DayHours
    # The working days counted; for a same-day rule missed on the receipt day, the day it moved to.
    counted_hours: tuple[DayHours, ...]

    @property
    def counted_days(self) -> tuple[dt.date, ...]:
        return tuple(hours.day for hours in self.counted_hours)

    def lines(self) -> list[Line]:
        """Why the complaint is due when it is: one `Line` per sentence, in order."""
        receipt = self.receipt_hours
        received = {"moment": _moment(self.received_at), "weekday": _weekday(receipt.day)}
        if receipt.note:
            lines = [Line("受理时间：{moment}（{weekday}，{note}）", {**received, "note": receipt.note})]
        else:
            lines = [Line("受理时间：{moment}（{weekday}）", received)]
        label = CLASS_LABELS[self.complaint_class]
        if self.working_days:
            lines.append(
                Line(
                    "{label}：受理次日起第 {count} 个工作日下班前答复",
                    {"label": label, "count": str(self.working_days)},
                )
            )
        else:
            lines.append(Line("{label}：当日下班前答复", {"label": label}))
            if self.counted_hours:
                lines.append(_postponed(receipt))
        lines += _skipped_lines(self.skipped)
        lines += [
            Line(
                "{day}（{weekday}）：{note}，计为工作日",
                {"day": hours.day.isoformat(), "weekday": _weekday(hours.day), "note": hours.note},
            )
            for hours in self.counted_hours
            if hours.note
        ]
        if len(self.counted_hours) > 1:
            lines.append(Line("计入的工作日：{days}", {"days": _days(self.counted_days)}))
        due = self.counted_hours[-1] if self.counted_hours else receipt
        day = {
            "day": due.day.isoformat(),
            "weekday": _weekday(due.day),
            "timetable": due.timetable,
            "end": f"{due.end:%H:%M}",
        }
        if self.counted_hours:
            lines.append(
                Line(
                    "第 {count} 个工作日：{day}（{weekday}），{timetable}，最后一节 {end} 下班",
                    {"count": str(len(self.counted_hours)), **day},
                )
            )
        else:
            lines.append(Line("受理当日：{day}（{weekday}），{timetable}，最后一节 {end} 下班", day))
        if self.target_at is not None and self.target_at != self.due_at:
            lines.append(Line("当日答复目标：{moment}", {"moment": _moment(self.target_at)}))
        lines.append(Line("答复期限：{moment}", {"moment": _moment(self.due_at)}))
        return lines

    def explanation(self) -> list[str]:
        """The lines in Chinese, the source language."""
        return [line.render() for line in self.lines()]


# ---- deadlines --------------------------------------------------------------------------------


def reply_deadline(
    *, received_at: dt.datetime, complaint_class: ComplaintClass, working_days: int, day_info: DayInfo
) -> Deadline:
    """The reply deadline (RULES.md, Complaints: Deadlines): the end of the last session of
    the `working_days`-th working day after the day of receipt. With 0 working days (当日),
    the end of the receipt day if it is a working day not yet over, else of the next one."""
    if working_days < 0:
        raise ValueError(f"working_days must not be negative: {working_days}")
    complaint_class = ComplaintClass(complaint_class)
    received_at = _second(received_at)
    receipt = day_info(received_at.date())
    in_time = receipt.working and received_at <= receipt.end
    target = receipt.end if in_time and complaint_class is ComplaintClass.GENERAL else None
    if working_days == 0 and in_time:
        counted: tuple[DayHours, ...] = ()
        skipped: tuple[tuple[dt.date, str], ...] = ()
        due = receipt.end
    else:
        counted, skipped = _count_working_days(receipt.day, max(working_days, 1), day_info)
        due = counted[-1].end
    return Deadline(
        received_at=received_at,
        complaint_class=complaint_class,
        working_days=working_days,
        target_at=target,
        due_at=due,
        skipped=skipped,
        receipt_hours=receipt,
        counted_hours=counted,
    )


def _count_working_days(
    receipt_day: dt.date, count: int, day_info: DayInfo
) -> tuple[tuple[DayHours, ...], tuple[tuple[dt.date, str], ...]]:
    """The first `count` working days after `receipt_day`, and the days passed over."""
    counted: list[DayHours] = []
    skipped: list[tuple[dt.date, str]] = []
    day, idle = receipt_day, 0
    while len(counted) < count:
        day += ONE_DAY
        hours = day_info(day)
        if hours.working:
            counted.append(hours)
            idle = 0
            continue
        skipped.append((day, _reason(hours)))
        idle += 1
        if idle > SEARCH_LIMIT_DAYS:
            raise ValueError(f"no working day within {SEARCH_LIMIT_DAYS} days after {day - idle * ONE_DAY}")
    return tuple(counted), tuple(skipped)


# ---- working time -----------------------------------------------------------------------------


def working_seconds_between(start: dt.datetime, end: dt.datetime, day_info: DayInfo) -> int:
    """The working time from `start` to `end` in seconds; 0 if `end` is not after `start`."""
    start, end = _second(start), _second(end)
    total = 0
    if end <= start:
        return total
    for span_start, span_end in _spans(start, day_info, forward=True):
        if span_start >= end:
            break
        total += int((min(span_end, end) - span_start).total_seconds())
    return total


def after_in_working_time(moment: dt.datetime, seconds: int, day_info: DayInfo) -> dt.datetime:
    """The earliest moment in working hours that lies `seconds` of working time after
    `moment`; from outside working hours the count starts at the next session."""
    moment = _second(moment)
    if seconds == 0:
        return next_working_moment(moment, day_info)
    return _walk(moment, seconds, day_info, forward=True)


def before_in_working_time(moment: dt.datetime, seconds: int, day_info: DayInfo) -> dt.datetime:
    """The latest moment in working hours that lies `seconds` of working time before
    `moment` (2 working hours before 08:30 on a Monday is 15:00 on Friday in winter)."""
    moment = _second(moment)
    if seconds == 0 and in_working_hours(moment, day_info):
        return moment
    return _walk(moment, seconds, day_info, forward=False)


def in_working_hours(moment: dt.datetime, day_info: DayInfo) -> bool:
    """Inside a session of a working day, both its start and its end included."""
    moment = _second(moment)
    return any(start <= moment <= end for start, end in day_info(moment.date()).spans())


def next_working_moment(moment: dt.datetime, day_info: DayInfo) -> dt.datetime:
    """`moment` in working hours, else the start of the next session of a working day."""
    moment = _second(moment)
    if in_working_hours(moment, day_info):
        return moment
    return next(_spans(moment, day_info, forward=True))[0]


def reminder_moments(
    *, received_at: dt.datetime, due_at: dt.datetime, day_info: DayInfo, before_seconds: int = 7200
) -> tuple[dt.datetime, dt.datetime]:
    """(halfway, shortly_before): the reminders at half the working time and `before_seconds`
    of working time before the deadline (RULES.md, Complaints: Deadlines), both in working
    hours. shortly_before is never before receipt: when less working time than that remains,
    it falls at the first working moment from receipt. So with under twice `before_seconds`
    of working time the halfway reminder comes after it, and they coincide on an empty span."""
    received_at, due_at = _second(received_at), _second(due_at)
    span = working_seconds_between(received_at, due_at, day_info)
    halfway = after_in_working_time(received_at, span // 2, day_info)
    shortly_before = before_in_working_time(due_at, before_seconds, day_info)
    if shortly_before < received_at:
        shortly_before = next_working_moment(received_at, day_info)
    return halfway, shortly_before


def _walk(moment: dt.datetime, seconds: int, day_info: DayInfo, *, forward: bool) -> dt.datetime:
    """The moment `seconds` of working time from `moment`, forward or backward; a span that
    ends on a session boundary ends inside the session it was walking through."""
    if seconds < 0:
        raise ValueError(f"seconds must not be negative: {seconds}")
    remaining = dt.timedelta(seconds=seconds)
    for start, end in _spans(moment, day_info, forward=forward):
        if remaining <= end - start:
            return start + remaining if forward else end - remaining
        remaining -= end - start
    raise AssertionError("unreachable: the spans go on or raise")


def _spans(
    moment: dt.datetime, day_info: DayInfo, *, forward: bool
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The sessions from `moment` on, or up to it latest first; the one in progress is cut
    at `moment`, and none is empty."""
    day, idle = moment.date(), 0
    while True:
        spans = day_info(day).spans()
        if forward:
            spans = [(max(start, moment), end) for start, end in spans if end > moment]
        else:
            spans = [(start, min(end, moment)) for start, end in reversed(spans) if start < moment]
        yield from spans
        idle = 0 if spans else idle + 1
        if idle > SEARCH_LIMIT_DAYS:
            raise ValueError(f"no working hours within {SEARCH_LIMIT_DAYS} days of {moment}")
        day += ONE_DAY if forward else -ONE_DAY


# ---- small helpers ----------------------------------------------------------------------------


def _second(moment: dt.datetime) -> dt.datetime:
    # An aware datetime would compare wrongly with the hall's naive session times.
    if moment.tzinfo is not None:
        raise ValueError(f"expected a naive hall-local datetime, got {moment}")
    return moment.replace(microsecond=0)


def _reason(hours: DayHours) -> str:
    return hours.note or WEEKEND_REASONS.get(hours.day.weekday(), NOT_WORKING)


def _weekday(day: dt.date) -> str:
    return WEEKDAYS[day.weekday()]


def _moment(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _days(days: tuple[dt.date, ...] | list[dt.date]) -> str:
    return LIST_SEPARATOR.join(day.isoformat() for day in days)


def _postponed(receipt: DayHours) -> Line:
    if receipt.working:
        return Line(
            "受理时已过当日最后一节下班时间（{end}），顺延至下一个工作日", {"end": f"{receipt.end:%H:%M}"}
        )
    return Line("受理当日不是工作日（{reason}），顺延至下一个工作日", {"reason": _reason(receipt)})


def _skipped_lines(skipped: tuple[tuple[dt.date, str], ...]) -> list[Line]:
    """One line per run of consecutive skipped days with one reason; a weekend is one run."""
    runs: list[list[tuple[dt.date, str]]] = []
    for day, reason in skipped:
        last = runs[-1][-1] if runs else None
        if last and day - last[0] == ONE_DAY and _run_key(reason) == _run_key(last[1]):
            runs[-1].append((day, reason))
        else:
            runs.append([(day, reason)])
    return [_skipped_line(run) for run in runs]


def _run_key(reason: str) -> str:
    return WEEKEND_OFF if reason in WEEKEND_REASONS.values() else reason


def _skipped_line(run: list[tuple[dt.date, str]]) -> Line:
    reasons = list(dict.fromkeys(reason for _, reason in run))
    # A run has one reason, except a Saturday and the Sunday after it.
    reason = reasons[0] if len(reasons) == 1 else WEEKEND_OFF
    days = [day for day, _ in run]
    if len(days) > 2:
        return Line(
            "{start}至{end}：{reason}，不计入",
            {"start": days[0].isoformat(), "end": days[-1].isoformat(), "reason": reason},
        )
    return Line("{days}：{reason}，不计入", {"days": _days(days), "reason": reason})
