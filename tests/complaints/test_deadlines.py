"""Reply deadlines and working-time arithmetic (RULES.md, Complaints: Deadlines), on the real
2026 calendar (chinesecalendar) and the default timetables, as literal tables. No database."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attendance import rules
from complaints.deadlines import (
    CLASS_LABELS,
    ComplaintClass,
    DayHours,
    DayInfo,
    Line,
    after_in_working_time,
    before_in_working_time,
    in_working_hours,
    next_working_moment,
    reminder_moments,
    reply_deadline,
    working_seconds_between,
)
from hall.calendar import HallCalendar, build_calendar
from hall.i18n import catalog
from hall.settings import DEFINITIONS

DEFAULTS = {definition.key: definition.default for definition in DEFINITIONS}
FIRST, LAST = dt.date(2025, 12, 1), dt.date(2027, 3, 31)
GENERAL, COMPLEX, PETITION = ComplaintClass.GENERAL, ComplaintClass.COMPLEX, ComplaintClass.PETITION
DAYS = {GENERAL: 1, COMPLEX: 5, PETITION: 3}  # the settings' defaults
HOUR = 3600
T = dt.datetime.fromisoformat
D = dt.date.fromisoformat


def _time(seconds: int) -> dt.time:
    return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


def day_info_for(calendar: HallCalendar, hall_settings: Mapping[str, object] = DEFAULTS) -> DayInfo:
    """A DayInfo as the service layer builds it: the hall's calendar and its timetable."""

    def day_info(day: dt.date) -> DayHours:
        schedule = rules.schedule_for(day, hall_settings)
        return DayHours(
            day=day,
            working=calendar.is_working_day(day),
            note=calendar.describe(day),
            sessions=(
                (_time(schedule.morning_start), _time(schedule.morning_end)),
                (_time(schedule.afternoon_start), _time(schedule.afternoon_end)),
            ),
            timetable="夏秋季作息" if rules.is_summer(day, hall_settings) else "冬春季作息",
        )

    return day_info


def with_closure(day: str, reason: str = "停电检修") -> DayInfo:
    return day_info_for(build_calendar(start=FIRST, end=LAST, closures={D(day): reason}))


INFO = day_info_for(build_calendar(start=FIRST, end=LAST))


def deadline(received: str, complaint_class: ComplaintClass = GENERAL, days: int | None = None, info=INFO):
    return reply_deadline(
        received_at=T(received),
        complaint_class=complaint_class,
        working_days=DAYS[complaint_class] if days is None else days,
        day_info=info,
    )


# ---- the rule's own example ---------------------------------------------------------------------


def test_the_rules_example_across_national_day() -> None:
    found = deadline("2026-09-30 16:59:00")
    assert found.due_at == T("2026-10-08 16:30:00")  # day 1 after 1-7 October, winter hours
    assert found.target_at == T("2026-09-30 17:00:00")  # summer hours on the day of receipt
    assert found.counted_days == (D("2026-10-08"),)
    assert found.skipped == tuple((D(f"2026-10-0{day}"), "国庆节") for day in range(1, 8))
    assert found.explanation() == [
        "受理时间：2026-09-30 16:59:00（星期三）",
        "一般投诉：受理次日起第 1 个工作日下班前答复",
        "2026-10-01至2026-10-07：国庆节，不计入",
        "第 1 个工作日：2026-10-08（星期四），冬春季作息，最后一节 16:30 下班",
        "当日答复目标：2026-09-30 17:00:00",
        "答复期限：2026-10-08 16:30:00",
    ]


# ---- general complaints: same-day target and day 1 ----------------------------------------------


@pytest.mark.parametrize(
    ("received", "target", "due"),
    [
        ("2026-09-29 17:00:00", "2026-09-29 17:00:00", "2026-09-30 17:00:00"),  # summer: end included
        ("2026-09-29 17:00:01", None, "2026-09-30 17:00:00"),
        ("2026-11-18 16:30:00", "2026-11-18 16:30:00", "2026-11-19 16:30:00"),  # winter
        ("2026-11-18 16:30:01", None, "2026-11-19 16:30:00"),
        ("2026-11-18 08:00:00", "2026-11-18 16:30:00", "2026-11-19 16:30:00"),  # receipt day never counts
        ("2026-11-18 06:00:00", "2026-11-18 16:30:00", "2026-11-19 16:30:00"),  # before opening
        ("2026-11-18 12:00:00", "2026-11-18 16:30:00", "2026-11-19 16:30:00"),  # at lunch
        ("2026-11-20 10:00:00", "2026-11-20 16:30:00", "2026-11-23 16:30:00"),  # Friday -> Monday
        ("2026-11-21 10:00:00", None, "2026-11-23 16:30:00"),  # Saturday
        ("2026-11-22 10:00:00", None, "2026-11-23 16:30:00"),  # Sunday
        ("2026-10-09 10:00:00", "2026-10-09 16:30:00", "2026-10-10 16:30:00"),  # make-up Saturday is day 1
        ("2026-10-10 10:00:00", "2026-10-10 16:30:00", "2026-10-12 16:30:00"),  # received on it
        ("2026-09-18 10:00:00", "2026-09-18 17:00:00", "2026-09-20 17:00:00"),  # make-up Sunday is day 1
        ("2026-09-19 10:00:00", None, "2026-09-20 17:00:00"),  # plain Saturday before it
        ("2026-09-20 10:00:00", "2026-09-20 17:00:00", "2026-09-21 17:00:00"),  # received on it
        ("2026-10-01 10:00:00", None, "2026-10-08 16:30:00"),  # received on a holiday
        ("2026-09-29 10:00:00", "2026-09-29 17:00:00", "2026-09-30 17:00:00"),  # due in summer hours
        ("2026-04-29 10:00:00", "2026-04-29 16:30:00", "2026-04-30 16:30:00"),  # winter until 30 April
        ("2026-04-30 10:00:00", "2026-04-30 16:30:00", "2026-05-06 17:00:00"),  # Labour Day 1-5 May
        ("2026-12-31 10:00:00", "2026-12-31 16:30:00", "2027-01-04 16:30:00"),  # New Year, 2027
    ],
)
def test_general_complaints(received: str, target: str | None, due: str) -> None:
    found = deadline(received)
    assert (found.target_at, found.due_at) == (target and T(target), T(due))


@pytest.mark.parametrize(
    ("received", "complaint_class", "due", "counted"),
    [
        # The day before National Day, at 16:59: 8, 9, 10 (make-up Saturday), 12, 13 October.
        ("2026-09-30 16:59:00", COMPLEX, "2026-10-13 16:30:00", "10-08 10-09 10-10 10-12 10-13"),
        ("2026-09-30 16:59:00", PETITION, "2026-10-10 16:30:00", "10-08 10-09 10-10"),
        # Received on the Mid-autumn holiday (Friday 25 September): across both holidays.
        ("2026-09-25 10:00:00", COMPLEX, "2026-10-09 16:30:00", "09-28 09-29 09-30 10-08 10-09"),
        ("2026-09-25 10:00:00", PETITION, "2026-09-30 17:00:00", "09-28 09-29 09-30"),
        # The Friday before the make-up Sunday 20 September: Saturday 19 is off.
        ("2026-09-18 10:00:00", COMPLEX, "2026-09-24 17:00:00", "09-20 09-21 09-22 09-23 09-24"),
        # Ordinary weeks.
        ("2026-11-20 10:00:00", COMPLEX, "2026-11-27 16:30:00", "11-23 11-24 11-25 11-26 11-27"),
        ("2026-11-18 10:00:00", PETITION, "2026-11-23 16:30:00", "11-19 11-20 11-23"),
        ("2026-11-21 10:00:00", PETITION, "2026-11-25 16:30:00", "11-23 11-24 11-25"),
        # Labour Day (1-5 May) and its make-up Saturday 9 May.
        ("2026-04-30 16:59:00", COMPLEX, "2026-05-11 17:00:00", "05-06 05-07 05-08 05-09 05-11"),
    ],
)
def test_complex_complaints_and_petitions(
    received: str, complaint_class: ComplaintClass, due: str, counted: str
) -> None:
    found = deadline(received, complaint_class)
    assert found.due_at == T(due)
    assert found.counted_days == tuple(D(f"{received[:4]}-{day}") for day in counted.split())
    assert found.target_at is None  # the same-day target is for general complaints only


def test_complex_across_national_day_explains_each_day() -> None:
    assert deadline("2026-09-30 16:59:00", COMPLEX).explanation() == [
        "受理时间：2026-09-30 16:59:00（星期三）",
        "复杂投诉：受理次日起第 5 个工作日下班前答复",
        "2026-10-01至2026-10-07：国庆节，不计入",
        "2026-10-11：周日休息日，不计入",
        "2026-10-10（星期六）：调休上班，计为工作日",
        "计入的工作日：2026-10-08、2026-10-09、2026-10-10、2026-10-12、2026-10-13",
        "第 5 个工作日：2026-10-13（星期二），冬春季作息，最后一节 16:30 下班",
        "答复期限：2026-10-13 16:30:00",
    ]


def test_a_petition_on_the_mid_autumn_holiday() -> None:
    found = deadline("2026-09-25 10:00:00", PETITION)
    assert found.skipped == ((D("2026-09-26"), "中秋节"), (D("2026-09-27"), "中秋节"))
    lines = found.explanation()
    assert lines[0] == "受理时间：2026-09-25 10:00:00（星期五，中秋节）"
    assert lines[1] == "信访：受理次日起第 3 个工作日下班前答复"
    assert "2026-09-26、2026-09-27：中秋节，不计入" in lines
    assert lines[-2:] == [
        "第 3 个工作日：2026-09-30（星期三），夏秋季作息，最后一节 17:00 下班",
        "答复期限：2026-09-30 17:00:00",
    ]


def test_a_weekend_is_one_line() -> None:
    found = deadline("2026-11-18 10:00:00", PETITION)
    assert found.skipped == ((D("2026-11-21"), "周六休息日"), (D("2026-11-22"), "周日休息日"))
    assert "2026-11-21、2026-11-22：周六、周日休息日，不计入" in found.explanation()


def test_a_make_up_sunday_is_named() -> None:
    lines = deadline("2026-09-18 10:00:00").explanation()
    assert "2026-09-19：周六休息日，不计入" in lines
    assert "2026-09-20（星期日）：调休上班，计为工作日" in lines
    assert lines[-1] == "答复期限：2026-09-20 17:00:00"


def test_across_new_year_the_dates_carry_the_year() -> None:
    lines = deadline("2026-12-31 10:00:00").explanation()
    assert "2027-01-01：元旦，不计入" in lines
    assert "2027-01-02、2027-01-03：周六、周日休息日，不计入" in lines


def test_a_hall_closure_is_skipped_with_its_reason() -> None:
    found = deadline("2026-11-23 10:00:00", info=with_closure("2026-11-24"))  # a Tuesday
    assert found.due_at == T("2026-11-25 16:30:00")
    assert found.skipped == ((D("2026-11-24"), "停电检修"),)
    assert "2026-11-24：停电检修，不计入" in found.explanation()


def test_a_closure_on_the_day_of_receipt_cancels_the_same_day_target() -> None:
    found = deadline("2026-11-24 10:00:00", info=with_closure("2026-11-24"))
    assert (found.target_at, found.due_at) == (None, T("2026-11-25 16:30:00"))
    assert found.explanation()[0] == "受理时间：2026-11-24 10:00:00（星期二，停电检修）"


# ---- a same-day rule (0 working days) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due", "counted"),
    [
        ("2026-11-18 10:00:00", "2026-11-18 16:30:00", ()),
        ("2026-11-18 16:30:00", "2026-11-18 16:30:00", ()),
        ("2026-11-18 16:30:01", "2026-11-19 16:30:00", ("2026-11-19",)),
        ("2026-09-29 16:45:00", "2026-09-29 17:00:00", ()),  # summer hours
        ("2026-11-21 10:00:00", "2026-11-23 16:30:00", ("2026-11-23",)),
        ("2026-10-01 10:00:00", "2026-10-08 16:30:00", ("2026-10-08",)),
    ],
)
def test_same_day_rule(received: str, due: str, counted: tuple[str, ...]) -> None:
    found = deadline(received, days=0)
    assert found.due_at == T(due)
    assert found.counted_days == tuple(D(day) for day in counted)


def test_same_day_rule_explanations() -> None:
    assert deadline("2026-11-18 10:00:00", days=0).explanation() == [
        "受理时间：2026-11-18 10:00:00（星期三）",
        "一般投诉：当日下班前答复",
        "受理当日：2026-11-18（星期三），冬春季作息，最后一节 16:30 下班",
        "答复期限：2026-11-18 16:30:00",
    ]
    assert deadline("2026-09-30 17:30:00", days=0).explanation() == [
        "受理时间：2026-09-30 17:30:00（星期三）",
        "一般投诉：当日下班前答复",
        "受理时已过当日最后一节下班时间（17:00），顺延至下一个工作日",
        "2026-10-01至2026-10-07：国庆节，不计入",
        "第 1 个工作日：2026-10-08（星期四），冬春季作息，最后一节 16:30 下班",
        "答复期限：2026-10-08 16:30:00",
    ]
    assert "受理当日不是工作日（周六休息日），顺延至下一个工作日" in (
        deadline("2026-11-21 10:00:00", days=0).explanation()
    )


# ---- refusals -----------------------------------------------------------------------------------


def _never_working(day: dt.date) -> DayHours:
    return DayHours(day, False, "停业", (), "冬春季作息")


@pytest.mark.parametrize(
    "call",
    [
        lambda: deadline("2026-11-18 10:00:00", days=-1),
        lambda: deadline("2026-11-18 10:00:00", info=_never_working),
        lambda: next_working_moment(T("2026-11-18 10:00:00"), _never_working),
        lambda: before_in_working_time(T("2026-11-18 10:00:00"), HOUR, _never_working),
        lambda: after_in_working_time(T("2026-11-18 10:00:00"), -1, INFO),
        lambda: in_working_hours(dt.datetime(2026, 11, 18, 10, tzinfo=dt.UTC), INFO),
        lambda: DayHours(D("2026-11-18"), True, None, (), "冬春季作息"),
        lambda: DayHours(
            D("2026-11-18"), True, None, ((dt.time(8), dt.time(12)), (dt.time(11), dt.time(17))), ""
        ),
    ],
)
def test_refusals(call) -> None:
    with pytest.raises(ValueError):
        call()


def test_fractions_of_a_second_are_dropped() -> None:
    found = deadline("2026-11-18 16:30:00.999999")
    assert (found.received_at, found.target_at) == (T("2026-11-18 16:30:00"), T("2026-11-18 16:30:00"))


def test_labels() -> None:
    assert [CLASS_LABELS[c] for c in ComplaintClass] == ["一般投诉", "复杂投诉", "信访"]


# ---- the explanation as translatable lines -------------------------------------------------------

# Cases that between them produce every kind of line.
EXPLAINED = [
    deadline("2026-09-30 16:59:00"),  # holiday run, same-day target
    deadline("2026-09-30 16:59:00", COMPLEX),  # make-up day, a list of counted days
    deadline("2026-09-25 10:00:00", PETITION),  # received on a holiday: a note on receipt
    deadline("2026-11-18 10:00:00", PETITION),  # a weekend
    deadline("2026-09-18 10:00:00"),  # a lone Saturday
    deadline("2026-11-18 10:00:00", days=0),  # due on the day of receipt
    deadline("2026-09-30 17:30:00", days=0),  # received after hours
    deadline("2026-11-21 10:00:00", days=0),  # received on a rest day
]
ENGLISH = catalog("en")
CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


def _in_english(line: Line) -> str:
    """As the web layer renders a line: the message and each parameter through the catalog."""
    params = {name: ENGLISH.get(value, value) for name, value in line.params.items()}
    return ENGLISH.get(line.message, line.message).format(**params)


def test_the_explanation_renders_its_lines() -> None:
    for found in EXPLAINED:
        assert found.explanation() == [line.message.format(**line.params) for line in found.lines()]


def test_every_line_kind_is_exercised() -> None:
    messages = {line.message for found in EXPLAINED for line in found.lines()}
    assert len(messages) == 14  # the module's 14 message templates


@pytest.mark.parametrize("found", EXPLAINED, ids=lambda found: f"{found.received_at}-{found.working_days}")
def test_every_line_translates_to_english(found) -> None:
    for line in found.lines():
        assert line.message in ENGLISH, line.message
        english = _in_english(line)
        assert "{" not in english, english
        # Only ISO dates are listed with the Chinese list separator; nothing else stays Chinese.
        assert not CJK.search(english.replace("、", "")), english


def test_a_closure_reason_comes_from_data_and_may_stay_untranslated() -> None:
    found = deadline("2026-11-23 10:00:00", info=with_closure("2026-11-24"))
    line = next(line for line in found.lines() if line.params.get("reason") == "停电检修")
    assert _in_english(line) == "2026-11-24: 停电检修, not counted"


# ---- working time -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        ("2026-11-23 10:00:00", "2026-11-23 14:00:00", 5400),  # across lunch: 1 h + 30 min
        ("2026-11-23 16:00:00", "2026-11-24 09:00:00", 5400),  # across a night
        ("2026-11-20 16:00:00", "2026-11-23 09:00:00", 5400),  # across a weekend
        ("2026-09-30 16:00:00", "2026-10-08 09:00:00", 7200),  # summer 17:00, National Day
        ("2026-10-09 16:00:00", "2026-10-12 09:00:00", 30 * 60 + 6 * HOUR + HOUR),  # make-up Saturday
        ("2026-11-23 00:00:00", "2026-11-24 00:00:00", 6 * HOUR),
        ("2026-11-23 11:30:00", "2026-11-23 13:00:00", 0),  # inside lunch
        ("2026-11-23 14:00:00", "2026-11-23 10:00:00", 0),  # end before start
        ("2026-11-23 10:00:00", "2026-11-23 10:00:00", 0),
    ],
)
def test_working_seconds_between(start: str, end: str, seconds: int) -> None:
    assert working_seconds_between(T(start), T(end), INFO) == seconds


@pytest.mark.parametrize(
    ("moment", "seconds", "before"),
    [
        ("2026-10-08 16:30:00", 2 * HOUR, "2026-10-08 14:30:00"),
        ("2026-11-23 08:30:00", 2 * HOUR, "2026-11-20 15:00:00"),  # Monday -> Friday
        ("2026-11-23 14:00:00", HOUR, "2026-11-23 10:30:00"),  # across lunch
        ("2026-11-23 14:30:00", HOUR, "2026-11-23 13:30:00"),  # the latest of 11:00 and 13:30
        ("2026-10-08 09:00:00", 2 * HOUR, "2026-09-30 16:00:00"),  # back across National Day
        ("2026-11-23 12:00:00", 0, "2026-11-23 11:00:00"),  # outside hours: the session before
        ("2026-11-23 10:00:00", 0, "2026-11-23 10:00:00"),
    ],
)
def test_before_in_working_time(moment: str, seconds: int, before: str) -> None:
    assert before_in_working_time(T(moment), seconds, INFO) == T(before)


@pytest.mark.parametrize(
    ("moment", "seconds", "after"),
    [
        ("2026-11-23 10:30:00", HOUR, "2026-11-23 14:00:00"),  # across lunch
        ("2026-11-23 10:00:00", HOUR, "2026-11-23 11:00:00"),  # the earliest of 11:00 and 13:30
        ("2026-11-23 12:00:00", HOUR, "2026-11-23 14:30:00"),  # from lunch
        ("2026-11-20 20:00:00", HOUR, "2026-11-23 09:00:00"),  # Friday evening -> Monday
        ("2026-09-30 16:30:00", HOUR, "2026-10-08 08:30:00"),  # across National Day
        ("2026-10-10 16:00:00", HOUR, "2026-10-12 08:30:00"),  # make-up Saturday -> Monday
        ("2026-11-23 12:00:00", 0, "2026-11-23 13:30:00"),  # outside hours: the next session
        ("2026-11-23 16:30:00", 0, "2026-11-23 16:30:00"),
    ],
)
def test_after_in_working_time(moment: str, seconds: int, after: str) -> None:
    assert after_in_working_time(T(moment), seconds, INFO) == T(after)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2026-11-23 07:59:59", False),
        ("2026-11-23 08:00:00", True),
        ("2026-11-23 11:00:00", True),
        ("2026-11-23 11:00:01", False),
        ("2026-11-23 12:00:00", False),  # lunch
        ("2026-11-23 13:29:59", False),
        ("2026-11-23 13:30:00", True),
        ("2026-11-23 16:30:00", True),
        ("2026-11-23 16:30:01", False),
        ("2026-11-23 20:00:00", False),  # evening
        ("2026-09-29 13:45:00", False),  # summer lunch lasts until 14:00
        ("2026-09-29 16:45:00", True),
        ("2026-10-01 10:00:00", False),  # holiday
        ("2026-10-10 10:00:00", True),  # make-up Saturday
        ("2026-11-21 10:00:00", False),  # plain Saturday
    ],
)
def test_in_working_hours(moment: str, inside: bool) -> None:
    assert in_working_hours(T(moment), INFO) is inside


@pytest.mark.parametrize(
    ("moment", "next_moment"),
    [
        ("2026-11-23 10:00:00", "2026-11-23 10:00:00"),
        ("2026-11-23 16:30:00", "2026-11-23 16:30:00"),
        ("2026-11-23 06:00:00", "2026-11-23 08:00:00"),
        ("2026-11-23 12:00:00", "2026-11-23 13:30:00"),  # lunch -> afternoon
        ("2026-09-29 12:00:00", "2026-09-29 14:00:00"),  # summer afternoon
        ("2026-11-23 17:00:00", "2026-11-24 08:00:00"),  # evening -> next morning
        ("2026-11-20 17:00:00", "2026-11-23 08:00:00"),  # Friday evening -> Monday
        ("2026-09-30 17:30:00", "2026-10-08 08:00:00"),  # across National Day
        ("2026-10-09 18:00:00", "2026-10-10 08:00:00"),  # make-up Saturday
    ],
)
def test_next_working_moment(moment: str, next_moment: str) -> None:
    assert next_working_moment(T(moment), INFO) == T(next_moment)


@pytest.mark.parametrize(
    ("received", "due", "halfway", "shortly_before"),
    [
        # Mon 09:00 -> Tue 16:30: 2 h + 3 h + 6 h = 11 h; half is 5.5 h, i.e. Tuesday 08:30.
        ("2026-11-23 09:00:00", "2026-11-24 16:30:00", "2026-11-24 08:30:00", "2026-11-24 14:30:00"),
        # Friday evening -> Monday 16:30: 6 h, half of it from Monday 08:00.
        ("2026-11-20 18:00:00", "2026-11-23 16:30:00", "2026-11-23 11:00:00", "2026-11-23 14:30:00"),
        # 1.5 h left: "2 hours before" would be before receipt, so it is at receipt.
        ("2026-11-23 15:00:00", "2026-11-23 16:30:00", "2026-11-23 15:45:00", "2026-11-23 15:00:00"),
        # Received at lunch with 1 h left: at the first working moment after receipt.
        ("2026-11-23 12:00:00", "2026-11-23 14:30:00", "2026-11-23 14:00:00", "2026-11-23 13:30:00"),
        # No working time left: both at receipt.
        ("2026-11-23 16:30:00", "2026-11-23 16:30:00", "2026-11-23 16:30:00", "2026-11-23 16:30:00"),
    ],
)
def test_reminder_moments(received: str, due: str, halfway: str, shortly_before: str) -> None:
    assert reminder_moments(received_at=T(received), due_at=T(due), day_info=INFO) == (
        T(halfway),
        T(shortly_before),
    )


def test_the_rules_example_reminders() -> None:
    found = deadline("2026-09-30 16:59:00")
    # 1 min on 30 September + 6 h on 8 October; half is 3 h 0.5 min: 08:00 + 2 h 59.5 min.
    assert reminder_moments(received_at=found.received_at, due_at=found.due_at, day_info=INFO) == (
        T("2026-10-08 10:59:30"),
        T("2026-10-08 14:30:00"),
    )


# ---- properties ---------------------------------------------------------------------------------

RECEIVED = st.builds(
    dt.datetime.combine,
    st.dates(min_value=D("2026-01-01"), max_value=D("2026-12-31")),
    st.times(),
)


@settings(max_examples=200, deadline=None)
@given(received=RECEIVED, complaint_class=st.sampled_from(ComplaintClass), days=st.integers(0, 10))
def test_every_deadline_is_a_session_end_after_n_working_days(
    received: dt.datetime, complaint_class: ComplaintClass, days: int
) -> None:
    found = deadline(received.isoformat(sep=" "), complaint_class, days)
    due_day = INFO(found.due_at.date())
    assert due_day.working and found.due_at == due_day.end
    between = [
        found.received_at.date() + dt.timedelta(n) for n in range(1, (due_day.day - received.date()).days + 1)
    ]
    working = [day for day in between if INFO(day).working]
    assert tuple(working) == found.counted_days
    assert sorted([*working, *(day for day, _ in found.skipped)]) == between
    if days:
        assert found.due_at > found.received_at and len(working) == days
    else:
        assert found.due_at >= found.received_at and len(working) <= 1
    lines = found.explanation()
    assert lines[-1] == f"答复期限：{found.due_at:%Y-%m-%d %H:%M:%S}"
    for day, _ in found.skipped:  # each skipped day is covered: named, or inside a range
        assert any(day.isoformat() in line or "至" in line for line in lines if "不计入" in line)
    halfway, shortly_before = reminder_moments(
        received_at=found.received_at, due_at=found.due_at, day_info=INFO
    )
    for reminder in (halfway, shortly_before):
        assert found.received_at <= reminder <= found.due_at
        assert in_working_hours(reminder, INFO)


@st.composite
def in_session(draw: st.DrawFn, *, end_included: bool) -> dt.datetime:
    """A moment inside a session, its end included or its start included."""
    day = next_working_moment(dt.datetime.combine(draw(RECEIVED).date(), dt.time()), INFO).date()
    start, end = draw(st.sampled_from(INFO(day).spans()))
    length = int((end - start).total_seconds())
    offset = draw(st.integers(1, length) if end_included else st.integers(0, length - 1))
    return start + dt.timedelta(seconds=offset)


@settings(max_examples=200, deadline=None)
@given(moment=in_session(end_included=True), seconds=st.integers(0, 40 * HOUR))
def test_before_then_after_comes_back(moment: dt.datetime, seconds: int) -> None:
    earlier = before_in_working_time(moment, seconds, INFO)
    assert in_working_hours(earlier, INFO)
    assert working_seconds_between(earlier, moment, INFO) == seconds
    assert after_in_working_time(earlier, seconds, INFO) == moment


@settings(max_examples=200, deadline=None)
@given(moment=in_session(end_included=False), seconds=st.integers(0, 40 * HOUR))
def test_after_then_before_comes_back(moment: dt.datetime, seconds: int) -> None:
    later = after_in_working_time(moment, seconds, INFO)
    assert in_working_hours(later, INFO)
    assert working_seconds_between(moment, later, INFO) == seconds
    assert before_in_working_time(later, seconds, INFO) == moment
