"""Who may see and do what with complaints (RULES.md, Complaints: confidentiality).

The complainant's name and contact are shown only to complaint officers and the director,
and only on a complaint's own page, where each view is logged; lists never carry them.
A window's staff see the complaints about their window, or passed to it, without the
complainant. The other office roles read complaints with the complainant hidden."""

from __future__ import annotations

from dataclasses import dataclass

from hall.roles import MANAGERS, Role

# The complaint desk: takes, passes on, answers, extends, decides, closes and reopens.
DESK = frozenset({Role.DIRECTOR, Role.COMPLAINT_OFFICER})
IDENTITY_READERS = DESK
# Who reads complaints without the complainant: the rest of the office and the staff.
READERS = DESK | MANAGERS | {Role.CLERK, Role.INSPECTOR, Role.STAFF}


@dataclass(frozen=True)
class Viewer:
    """The caller as the complaint services need them."""

    account_id: int | None
    role: Role
    scope: frozenset[int] | None  # the halls they reach; None: all
    window_id: int | None = None  # a staff member's own window
    client: str = ""  # their address, for the identity log
    place: str = ""  # the page or API route, for the identity log

    @property
    def sees_identity(self) -> bool:
        return self.role in IDENTITY_READERS

    @property
    def only_own_window(self) -> bool:
        return self.role == Role.STAFF
