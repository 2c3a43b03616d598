"""The attendance rules of RULES.md, as tables: each threshold on both sides of its second,
both seasons and their change dates, which punch belongs to which session, leave, 补卡, two
punches a day, the monthly summary. No database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attendance import rules
from attendance.rules import LeaveType, Mark, Session, Slot, Status
from hall.settings import DEFINITIONS

DEFAULTS = {definition.key: definition.default for definition in DEFINITIONS}
WINTER_DAY = dt.date(2026, 11, 18)  # a Wednesday under winter/spring hours
SUMMER_DAY = dt.date(2026, 6, 17)
WINTER = rules.schedule_for(WINTER_DAY, DEFAULTS)
SUMMER = rules.schedule_for(SUMMER_DAY, DEFAULTS)


def t(text: str) -> int:
    return rules.seconds(text)


def day(*punches: str, schedule=WINTER, **options):
    return rules.judge_day(schedule=schedule, punches=[t(p) for p in punches], **options)


@pytest.mark.parametrize(
    ("date", "season"),
    [
        (dt.date(2026, 4, 30), "winter"),
        (dt.date(2026, 5, 1), "summer"),  # summer/autumn from 1 May
        (dt.date(2026, 9, 30), "summer"),
        (dt.date(2026, 10, 1), "winter"),  # winter/spring from 1 October
        (dt.date(2026, 1, 15), "winter"),
    ],
)
def test_the_season_changes_on_its_dates(date: dt.date, season: str) -> None:
    assert rules.is_summer(date, DEFAULTS) is (season == "summer")


@pytest.mark.parametrize(
    ("schedule", "hours"),
    [
        (WINTER, ("08:00", "11:00", "13:30", "16:30")),
        (SUMMER, ("08:00", "11:00", "14:00", "17:00")),
    ],
)
def test_the_two_sessions_of_each_season(schedule: rules.Schedule, hours: tuple[str, ...]) -> None:
    assert (
        schedule.morning_start,
        schedule.morning_end,
        schedule.afternoon_start,
        schedule.afternoon_end,
    ) == tuple(t(hour) for hour in hours)


def test_a_hall_may_move_the_season_change() -> None:
    moved = {**DEFAULTS, "summer_starts_on": "06-01"}
    assert rules.schedule_for(dt.date(2026, 5, 15), moved).afternoon_start == t("13:30")


@pytest.mark.parametrize(
    ("first", "mark"),
    [
        ("07:00:00", Mark.ON_TIME),  # 60 minutes before: still counts
        ("08:00:00", Mark.ON_TIME),
        ("08:15:00", Mark.ON_TIME),
        ("08:15:01", Mark.LATE),  # 迟到: more than 15 minutes
        ("08:30:00", Mark.LATE),
        ("08:30:01", Mark.OFF_POST),  # 脱岗: more than 30 minutes
    ],
)
def test_arrival_thresholds(first: str, mark: Mark) -> None:
    morning, _ = day(first, "11:00", "13:30", "16:30")
    assert morning.start is mark


@pytest.mark.parametrize(
    ("last", "mark"),
    [
        ("16:30:00", Mark.ON_TIME),
        ("16:15:00", Mark.ON_TIME),
        ("16:14:59", Mark.EARLY_LEAVE),  # 早退: more than 15 minutes before the end
        ("16:00:00", Mark.EARLY_LEAVE),
        ("15:59:59", Mark.OFF_POST),  # 脱岗: more than 30 minutes before
        ("18:30:00", Mark.ON_TIME),  # 120 minutes after: still counts
    ],
)
def test_departure_thresholds_in_winter(last: str, mark: Mark) -> None:
    _, afternoon = day("08:00", "11:00", "13:30", last)
    assert afternoon.end is mark


@pytest.mark.parametrize(
    ("last", "mark"),
    [("16:45:00", Mark.ON_TIME), ("16:44:59", Mark.EARLY_LEAVE), ("16:29:59", Mark.OFF_POST)],
)
def test_departure_thresholds_in_summer(last: str, mark: Mark) -> None:
    _, afternoon = day("08:00", "11:00", "14:00", last, schedule=SUMMER)
    assert afternoon.end is mark


def test_the_off_post_threshold_is_a_setting() -> None:
    strict = rules.schedule_for(WINTER_DAY, {**DEFAULTS, "off_post_after_minutes": 60})
    morning, _ = day("08:59:00", "11:00", "13:30", "16:30", schedule=strict)
    assert morning.start is Mark.LATE


@pytest.mark.parametrize(
    ("punch", "session"),
    [
        ("06:59:59", None),  # more than 60 minutes before the morning: counts for nothing
        ("07:00:00", Session.MORNING),
        ("10:00:00", Session.MORNING),
        ("12:14:59", Session.MORNING),  # nearer the morning's end (11:00) than 13:30
        ("12:15:00", Session.AFTERNOON),  # a tie goes to the afternoon
        ("12:15:01", Session.AFTERNOON),
        ("18:30:00", Session.AFTERNOON),
        ("18:30:01", None),  # more than 120 minutes after the afternoon
    ],
)
def test_which_session_a_punch_belongs_to(punch: str, session: Session | None) -> None:
    assert rules.assign(t(punch), WINTER) is session


def test_a_punch_outside_every_window_counts_for_nothing() -> None:
    morning, afternoon = day("06:00", "08:00", "11:00", "13:30", "16:30", "21:00")
    assert (morning.start_at, afternoon.end_at) == (t("08:00"), t("16:30"))
    assert {morning.start, morning.end, afternoon.start, afternoon.end} == {Mark.ON_TIME}


def test_first_punch_is_the_start_and_last_the_end() -> None:
    morning, _ = day("08:01", "08:05", "09:00", "10:50", "13:30", "16:30")
    assert (morning.start_at, morning.end_at) == (t("08:01"), t("10:50"))


@pytest.mark.parametrize(
    ("punch", "start", "end"),
    [
        ("08:05", Mark.ON_TIME, Mark.MISSING),  # before the midpoint (09:30): the start
        ("09:29:59", Mark.OFF_POST, Mark.MISSING),
        ("09:30", Mark.MISSING, Mark.OFF_POST),  # from the midpoint on: the end
        ("10:55", Mark.MISSING, Mark.ON_TIME),
    ],
)
def test_a_lone_punch_is_the_start_before_the_midpoint_else_the_end(
    punch: str, start: Mark, end: Mark
) -> None:
    morning, _ = day(punch, "13:30", "16:30")
    assert (morning.status, morning.start, morning.end) == (Status.ATTENDED, start, end)


def test_no_punch_in_a_session_is_absent_for_half_a_day() -> None:
    morning, afternoon = day("13:30", "16:30")
    assert morning.status is Status.ABSENT
    assert afternoon.status is Status.ATTENDED


def test_a_person_on_leave_for_one_session() -> None:
    morning, afternoon = day("13:30", "16:30", leave={Session.MORNING: LeaveType.SICK})
    assert (morning.status, morning.leave_type) == (Status.LEAVE, LeaveType.SICK)
    assert morning.start is Mark.NOT_REQUIRED
    assert (afternoon.status, afternoon.start, afternoon.end) == (Status.ATTENDED, Mark.ON_TIME, Mark.ON_TIME)


def test_leave_exempts_a_session_even_with_odd_punches() -> None:
    morning, _ = day("09:50", "13:30", "16:30", leave={Session.MORNING: LeaveType.OFFICIAL})
    assert morning.status is Status.LEAVE


def test_a_makeup_punch_clears_a_missing_punch() -> None:
    morning, _ = day("08:00", "13:30", "16:30", cleared={(Session.MORNING, Slot.END)})
    assert (morning.start, morning.end) == (Mark.ON_TIME, Mark.CLEARED)


def test_makeup_punches_for_both_slots_clear_an_absence() -> None:
    morning, _ = day("13:30", "16:30", cleared={(Session.MORNING, Slot.START), (Session.MORNING, Slot.END)})
    assert (morning.status, morning.start, morning.end) == (Status.ATTENDED, Mark.CLEARED, Mark.CLEARED)


def test_a_real_punch_outranks_a_makeup() -> None:
    morning, _ = day("08:00", "10:59", "13:30", "16:30", cleared={(Session.MORNING, Slot.END)})
    assert morning.end is Mark.ON_TIME


class TestTwoPunchesADay:
    SCHEDULE = rules.schedule_for(WINTER_DAY, {**DEFAULTS, "punches_per_day": 2})

    def test_first_in_last_out(self) -> None:
        morning, afternoon = day("08:10", "16:20", schedule=self.SCHEDULE)
        assert (morning.start, morning.end) == (Mark.ON_TIME, Mark.NOT_REQUIRED)
        assert (afternoon.start, afternoon.end) == (Mark.NOT_REQUIRED, Mark.ON_TIME)

    def test_late_in_and_early_out(self) -> None:
        morning, afternoon = day("08:15:01", "16:14:59", schedule=self.SCHEDULE)
        assert (morning.start, afternoon.end) == (Mark.LATE, Mark.EARLY_LEAVE)

    def test_a_lone_punch_leaves_the_other_missing(self) -> None:
        morning, afternoon = day("08:00", schedule=self.SCHEDULE)
        assert (morning.start, afternoon.end) == (Mark.ON_TIME, Mark.MISSING)

    def test_no_punch_is_a_whole_day_absent(self) -> None:
        assert [v.status for v in day(schedule=self.SCHEDULE)] == [Status.ABSENT, Status.ABSENT]

    def test_a_session_on_leave_leaves_the_other_as_its_own_span(self) -> None:
        morning, afternoon = day(
            "13:30", "16:30", schedule=self.SCHEDULE, leave={Session.MORNING: LeaveType.TRIP}
        )
        assert morning.status is Status.LEAVE
        assert (afternoon.start, afternoon.end) == (Mark.ON_TIME, Mark.ON_TIME)


class TestToday:
    def test_a_missing_punch_is_pending_while_its_window_is_open(self) -> None:
        morning, afternoon = day("08:00", now=t("10:00"))
        assert morning.end is Mark.PENDING
        assert afternoon.status is Status.PENDING

    def test_the_morning_is_judged_once_its_window_closes(self) -> None:
        morning, afternoon = day("08:00", now=t("12:15"))
        assert morning.end is Mark.MISSING
        assert afternoon.status is Status.PENDING

    def test_a_punch_already_made_is_judged_at_once(self) -> None:
        morning, _ = day("08:20", now=t("08:21"))
        assert morning.start is Mark.LATE


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ((dt.date(2026, 3, 2), Session.MORNING), (dt.date(2026, 3, 2), Session.MORNING), 1),
        ((dt.date(2026, 3, 2), Session.MORNING), (dt.date(2026, 3, 2), Session.AFTERNOON), 2),
        ((dt.date(2026, 3, 2), Session.AFTERNOON), (dt.date(2026, 3, 4), Session.MORNING), 4),
    ],
)
def test_the_sessions_a_request_covers(first, last, expected: int) -> None:
    assert len(rules.sessions_between(*first, *last)) == expected


def _row(date: dt.date, session: Session, status: Status, start=Mark.ON_TIME, end=Mark.ON_TIME, leave=None):
    return rules.VerdictRow(date, status, start, end, leave)


def test_the_monthly_summary_counts_each_verdict() -> None:
    d1, d2, d3 = dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)
    rows = [
        _row(d1, Session.MORNING, Status.ATTENDED, start=Mark.LATE),
        _row(d1, Session.AFTERNOON, Status.ATTENDED, end=Mark.OFF_POST),
        _row(d2, Session.MORNING, Status.ABSENT, Mark.MISSING, Mark.MISSING),
        _row(d2, Session.AFTERNOON, Status.ATTENDED, end=Mark.MISSING),
        _row(d3, Session.MORNING, Status.LEAVE, Mark.NOT_REQUIRED, Mark.NOT_REQUIRED, LeaveType.TRIP),
        _row(d3, Session.AFTERNOON, Status.LEAVE, Mark.NOT_REQUIRED, Mark.NOT_REQUIRED, LeaveType.TRIP),
    ]
    summary = rules.summarize(rows, days_due=3, trips=1)
    assert (summary.days_due, summary.days_present) == (3, 2)  # d3 is a trip, not presence
    assert (summary.late, summary.early_leave, summary.off_post) == (1, 0, 1)
    assert (summary.missing, summary.absent_half_days, summary.absent_days) == (1, 1, 0.5)
    assert summary.leave_days[LeaveType.TRIP] == 1.0
    assert summary.trips == 1


# ---- properties ---------------------------------------------------------------------

punch_times = st.lists(st.integers(min_value=t("06:00"), max_value=t("20:00")), max_size=8)


@settings(max_examples=300, deadline=None)
@given(punches=punch_times, order=st.randoms(use_true_random=False), two_a_day=st.booleans())
def test_the_order_punches_arrive_in_never_changes_the_verdicts(punches, order, two_a_day) -> None:
    schedule = rules.schedule_for(WINTER_DAY, {**DEFAULTS, "punches_per_day": 2 if two_a_day else 4})
    shuffled = list(punches)
    order.shuffle(shuffled)
    assert rules.judge_day(schedule=schedule, punches=punches) == rules.judge_day(
        schedule=schedule, punches=shuffled
    )


@settings(max_examples=300, deadline=None)
@given(punches=punch_times.filter(bool), pick=st.integers(min_value=0), two_a_day=st.booleans())
def test_a_duplicate_punch_never_changes_the_verdicts(punches, pick, two_a_day) -> None:
    schedule = rules.schedule_for(WINTER_DAY, {**DEFAULTS, "punches_per_day": 2 if two_a_day else 4})
    duplicated = [*punches, punches[pick % len(punches)]]
    assert rules.judge_day(schedule=schedule, punches=punches) == rules.judge_day(
        schedule=schedule, punches=duplicated
    )


def test_the_summary_reads_stored_text_as_the_enums() -> None:
    stored = [rules.VerdictRow(dt.date(2026, 3, 2), "attended", "late", "on_time", None)]
    typed = [rules.VerdictRow(dt.date(2026, 3, 2), Status.ATTENDED, Mark.LATE, Mark.ON_TIME, None)]
    assert rules.summarize(stored, days_due=1, trips=0) == rules.summarize(typed, days_due=1, trips=0)
    assert rules.summarize(stored, days_due=1, trips=0).late == 1


# ---- what a punch counted as, shown on the clock-in terminal ---------------------------


def meaning(*punches: str, schedule=WINTER) -> str:
    """The label of the last punch given, as the terminal shows it right after."""
    return rules.punch_meaning(t(punches[-1]), day(*punches, schedule=schedule), schedule).label


@pytest.mark.parametrize(
    ("punches", "label"),
    [
        (("08:15:00",), "上午上班签到 · 正常"),
        (("08:15:01",), "上午上班签到 · 迟到 16 分钟"),  # started minutes from 08:00
        (("08:30:01",), "上午上班签到 · 脱岗 31 分钟"),
        (("08:00:00", "10:44:59"), "上午下班签退 · 早退 16 分钟"),
        (("08:00:00", "11:02:00"), "上午下班签退 · 正常"),
        (("13:29:00",), "下午上班签到 · 正常"),
        (("08:00:00", "16:10:00"), "下午下班签退 · 早退 20 分钟"),  # a lone punch after the midpoint
        (("05:00:00",), "已记录（不在打卡时段，不计入考勤）"),
    ],
)
def test_what_a_punch_counted_as(punches: tuple[str, ...], label: str) -> None:
    assert meaning(*punches) == label


def test_a_punch_between_the_first_and_the_last_counts_as_neither() -> None:
    verdicts = day("08:00:00", "09:00:00", "10:59:00")
    assert rules.punch_meaning(t("09:00:00"), verdicts, WINTER).label == "已记录"


def test_punching_twice_a_day_names_the_day_not_the_session() -> None:
    twice = rules.schedule_for(WINTER_DAY, {**DEFAULTS, "punches_per_day": 2})
    assert meaning("08:20:00", schedule=twice) == "上班签到 · 迟到 20 分钟"
    assert meaning("08:00:00", "16:31:00", schedule=twice) == "下班签退 · 正常"
