"""Halls, departments, windows, staff, cover assignments, accounts, tokens, settings and the
working-day calendar (entered national years, hall closures)."""

from enum import StrEnum

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LazyTableReference,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from hall.roles import Role


class HallLevel(StrEnum):
    """市、镇(街道)、村三级 (seed 003): a centre above township centres above village points."""

    CENTRE = "centre"
    TOWNSHIP = "township"
    VILLAGE = "village"


class StaffStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class Hall(Table):
    id = Serial(primary_key=True)
    code = Varchar(length=32, unique=True)
    name = Varchar(length=100)
    level = Varchar(length=16, choices=HallLevel)
    parent = ForeignKey(
        references=LazyTableReference("Hall", module_path="hall.tables"),
        null=True,
        on_delete=OnDelete.restrict,
    )
    address = Varchar(length=200, default="")
    created_at = Timestamptz()


class Department(Table):
    """进驻单位: the home department a window's staff are seconded from."""

    id = Serial(primary_key=True)
    name = Varchar(length=100, unique=True)
    created_at = Timestamptz()


class Window(Table):
    """A counter of the hall. Unique (hall, number) by an index in the migration."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    department = ForeignKey(references=Department, null=False, on_delete=OnDelete.restrict)
    number = Varchar(length=16)
    name = Varchar(length=100)
    active = Boolean(default=True)
    created_at = Timestamptz()


class Staff(Table):
    """A person working in a hall. Unique (hall, staff_number) by an index in the migration.

    A person has at most one regular window; a cover assignment places them at another
    window for a date range (临时上岗/顶岗).
    """

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    window = ForeignKey(references=Window, null=True, on_delete=OnDelete.restrict)
    name = Varchar(length=50)
    staff_number = Varchar(length=32)
    phone = Varchar(length=20, default="")
    status = Varchar(length=8, choices=StaffStatus, default=StaffStatus.ACTIVE)
    left_on = Date(null=True, default=None)
    photo = Varchar(length=200, default="")
    created_at = Timestamptz()


class CoverAssignment(Table):
    """临时上岗/顶岗: a person works a window other than their own from `starts_on` to
    `ends_on`, both inclusive."""

    id = Serial(primary_key=True)
    staff = ForeignKey(references=Staff, null=False, on_delete=OnDelete.restrict)
    window = ForeignKey(references=Window, null=False, on_delete=OnDelete.restrict)
    starts_on = Date()
    ends_on = Date()
    reason = Varchar(length=200, default="")
    created_by = ForeignKey(
        references=LazyTableReference("Account", module_path="hall.tables"),
        null=True,
        on_delete=OnDelete.set_null,
    )
    created_at = Timestamptz()


class Account(Table):
    id = Serial(primary_key=True)
    username = Varchar(length=50, unique=True)
    password_hash = Varchar(length=200)
    role = Varchar(length=24, choices=Role)
    display_name = Varchar(length=50)
    # None only for the system admin, whose reach is every hall.
    hall = ForeignKey(references=Hall, null=True, on_delete=OnDelete.restrict)
    staff = ForeignKey(references=Staff, null=True, on_delete=OnDelete.restrict)
    active = Boolean(default=True)
    last_login_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class TokenKind(StrEnum):
    SESSION = "session"  # a browser's login cookie
    API = "api"  # a bearer token for the API or a device


class AccessToken(Table):
    """A login session or API token; only its SHA-256 is stored."""

    id = Serial(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=8, choices=TokenKind)
    token_hash = Varchar(length=64, unique=True)
    label = Varchar(length=100, default="")
    expires_at = Timestamptz(null=True, default=None)
    revoked = Boolean(default=False)
    last_used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class LoginFailure(Table):
    """A refused password, by the username typed (known or not) and the client's address:
    what the login throttle counts, in the database so that every app process agrees. Rows
    older than the throttle looks back are deleted as new ones come."""

    id = Serial(primary_key=True)
    username = Varchar(length=50, index=True)
    address = Varchar(length=64, index=True)
    at = Timestamptz()


class HallSetting(Table):
    """A dated change of one rule setting for a hall (and the halls below it)."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    key = Varchar(length=64)
    value = JSON()
    effective_from = Date()
    reason = Text(default="")
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class DayKind(StrEnum):
    """How the national calendar marks a day (RULES.md, Working days and hours)."""

    HOLIDAY = "holiday"  # 法定节假日: off, even on a weekday
    WORKDAY = "workday"  # 调休上班: a make-up working day, on a weekend


class CalendarYear(Table):
    """A year of the national calendar entered by an admin (its holidays and make-up days,
    from the State Council's notice). An entered year overrides the library's data."""

    id = Serial(primary_key=True)
    year = Integer(unique=True)
    note = Text(default="")
    entered_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    entered_at = Timestamptz()


class CalendarDay(Table):
    """One holiday or make-up working day of an entered year."""

    id = Serial(primary_key=True)
    calendar_year = ForeignKey(references=CalendarYear, null=False, on_delete=OnDelete.cascade)
    day = Date(unique=True)
    kind = Varchar(length=8, choices=DayKind)
    name = Varchar(length=50, default="")


class HallClosure(Table):
    """A day the hall itself is closed (闭厅). Unique (hall, day) by an index in the migration."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    day = Date()
    reason = Varchar(length=200)
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class DocumentKind(StrEnum):
    ATTENDANCE_MONTH = "attendance_month"  # 月度考勤汇总
    QUARTER_RANKING = "quarter_ranking"  # 季度窗口考核排名


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    PAGE = "page"
    COMMAND = "command"


class GeneratedFile(Table):
    """A document made (月度考勤表, 季度排名公示), kept with when and at whose request; the
    file lies under the media folder. One per hall, kind, period, format and content
    (`fingerprint`, of the data shown): making it again from the same data finds this one.
    Unique by an index in the migration."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=24, choices=DocumentKind)
    period = Date()
    format = Varchar(length=8)
    draft = Boolean(default=False)
    fingerprint = Varchar(length=64)
    filename = Varchar(length=200)
    path = Varchar(length=300)  # under the media folder
    size = Integer()
    trigger = Varchar(length=12, choices=Trigger)
    generated_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    generated_at = Timestamptz()


class DocumentJob(Table):
    """A document being made at someone's request, with its progress for the page that
    waits on it; `document` once made."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=24, choices=DocumentKind)
    period = Date()  # the month's or the quarter's first day
    format = Varchar(length=8)
    state = Varchar(length=12, default="queued")  # queued, running, done, failed
    done = Integer(default=0)
    total = Integer(default=0)
    error = Text(default="")
    document = ForeignKey(references=GeneratedFile, null=True, on_delete=OnDelete.set_null)
    requested_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    requested_at = Timestamptz()


class AuditEntry(Table):
    """One change made through the product: who (the account, and its name as it was),
    from where, what, and the subject's fields before and after. Never changed or deleted:
    the database refuses it (triggers in the migration)."""

    id = Serial(primary_key=True)
    # For scoping a director's view; None for what belongs to no hall (national calendar, admins).
    hall = ForeignKey(references=Hall, null=True, on_delete=OnDelete.set_null)
    actor = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    actor_name = Varchar(length=120, default="")
    address = Varchar(length=64, default="")
    action = Varchar(length=64)
    subject_type = Varchar(length=32)
    subject_id = Varchar(length=64, default="")
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    at = Timestamptz()
