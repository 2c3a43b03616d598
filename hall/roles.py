"""The roles of RULES.md, "Halls and people"."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    DIRECTOR = "director"  # 大厅主任: approves leave, handles complaints, signs off scores
    CLERK = "clerk"  # 考勤员 (HR): keeps attendance, publishes the monthly summary
    COMPLAINT_OFFICER = "complaint_officer"  # 投诉受理员
    INSPECTOR = "inspector"  # 督查员: records spot-check findings
    STAFF = "staff"  # 窗口工作人员: sees own records
    DEVICE = "device"  # a clock-in terminal, push device or evaluator

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "系统管理员",
    Role.DIRECTOR: "大厅主任",
    Role.CLERK: "考勤员",
    Role.COMPLAINT_OFFICER: "投诉受理员",
    Role.INSPECTOR: "督查员",
    Role.STAFF: "窗口工作人员",
    Role.DEVICE: "终端设备",
}

# People who manage a hall's organisation: its windows, staff and accounts.
MANAGERS = frozenset({Role.ADMIN, Role.DIRECTOR})
# The office roles that look windows and staff up.
OFFICE = MANAGERS | {Role.CLERK, Role.COMPLAINT_OFFICER, Role.INSPECTOR}
# Who keeps attendance matters: cover assignments, the rule settings.
ATTENDANCE_OFFICE = MANAGERS | {Role.CLERK}
# Everyone who signs in as a person (devices excluded).
PEOPLE = frozenset(Role) - {Role.DEVICE}
# Who watches the daily attendance board: the attendance office and the inspectors on their rounds.
BOARD_VIEWERS = ATTENDANCE_OFFICE | {Role.INSPECTOR}
# Who may ask for leave or a 补卡: the person, or the attendance office on their behalf.
REQUESTERS = ATTENDANCE_OFFICE | {Role.STAFF}
