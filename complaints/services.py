"""Complaint tickets: intake at the desk, reading them as each role may, the desk's board.

The steps after intake are in `workflow.py`, the public page in `public.py`."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from argon2 import PasswordHasher
from piccolo.columns import Column

from complaints import attachments as attachment_files
from complaints.access import DESK, Viewer
from complaints.calendar import deadline_for
from complaints.deadlines import ComplaintClass
from complaints.schemas import (
    HIDDEN,
    AttachmentRead,
    BoardCounts,
    ComplaintCreate,
    ComplaintRead,
    EventRead,
    ExplanationLine,
    ExtensionRead,
    FindingRead,
    ReplyRead,
    UnitRead,
)
from complaints.tables import (
    Action,
    Channel,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintExtension,
    ComplaintFinding,
    ComplaintReply,
    ComplaintUnit,
    IdentityView,
    ReplyChannel,
    State,
)
from hall import audit, db
from hall.config import get_config
from hall.errors import FieldError, InvalidInput, NotAllowed, NotFound
from hall.services import get_hall, get_staff, get_window

_hasher = PasswordHasher()
# Letters and digits nobody confuses when reading them out over the phone (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
WINDOW_LABEL = "{number}号窗口 {name}"
UNANSWERED = (State.REGISTERED, State.ASSIGNED)
OPEN = (State.REGISTERED, State.ASSIGNED, State.REPLIED, State.DECIDED)


def wall_clock(moment: dt.datetime) -> dt.datetime:
    """A time as the hall's clock shows it, to the second: what tickets store. A time sent
    with a zone (an API client's UTC) is converted first, not just stripped of it."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(get_config().timezone)
    return moment.replace(tzinfo=None, microsecond=0)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_matches(code_hash: str, code: str) -> bool:
    try:
        return _hasher.verify(code_hash, code.strip().upper())
    except Exception:  # argon2 raises a family of errors for a mismatch or a damaged hash
        return False


DUMMY_CODE_HASH = _hasher.hash("not a real code")


def _number(received_at: dt.datetime) -> str:
    # Random digits after the date: a number tells nothing about how many came before it.
    return f"TS{received_at:%Y%m%d}{secrets.randbelow(10**5):05d}"


# ---- reading ----------------------------------------------------------------------------------


def is_overdue(row: dict[str, Any], now: dt.datetime) -> bool:
    """Past its deadline in force and not yet answered: true from the deadline's next second,
    whether or not any job has run."""
    return row["state"] in UNANSWERED and now > row["due_at"]


def on_time(row: dict[str, Any], extended: bool, now: dt.datetime) -> bool | None:
    """Answered by the original deadline without an extension; None while it still can be."""
    if row["replied_at"] is not None:
        return not extended and row["replied_at"] <= row["original_due_at"]
    if extended or now > row["original_due_at"]:
        return False
    return None


def _query(*extra: Column) -> Any:
    return Complaint.select(
        *Complaint.all_columns(),
        Complaint.window.number.as_alias("window_number"),
        Complaint.window.name.as_alias("window_name"),
        Complaint.staff.name.as_alias("staff_name"),
        *extra,
    )


def _window_label(number: str | None, name: str | None) -> str | None:
    return WINDOW_LABEL.format(number=number, name=name) if number is not None else None


def _read(
    row: dict[str, Any], *, extended: bool, now: dt.datetime, identity: bool, **details: Any
) -> ComplaintRead:
    return ComplaintRead(
        id=row["id"],
        hall_id=row["hall"],
        number=row["number"],
        channel=row["channel"],
        complaint_class=row["complaint_class"],
        marked_complex=row["marked_complex"],
        serious=row["serious"],
        window_id=row["window"],
        window_label=_window_label(row["window_number"], row["window_name"]),
        staff_id=row["staff"],
        staff_name=row["staff_name"],
        person_description=row["person_description"],
        content=row["content"],
        occurred_at=row["occurred_at"],
        received_at=row["received_at"],
        complainant_name=row["complainant_name"] if identity else HIDDEN,
        complainant_contact=row["complainant_contact"] if identity else HIDDEN,
        identity_visible=identity,
        state=row["state"],
        target_at=row["target_at"],
        original_due_at=row["original_due_at"],
        due_at=row["due_at"],
        extended=extended,
        overdue=is_overdue(row, now),
        seconds_left=int((row["due_at"] - now).total_seconds()),
        replied_at=row["replied_at"],
        on_time=on_time(row, extended, now),
        upheld=row["upheld"],
        sanction=row["sanction"],
        finding_note=row["finding_note"],
        closed_at=row["closed_at"],
        satisfaction=row["satisfaction"],
        **details,
    )


async def _extended_ids(ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    rows = await ComplaintExtension.select(ComplaintExtension.complaint).where(
        db.any_of(ComplaintExtension.complaint, ids)
    )
    return {row["complaint"] for row in rows}


async def _own_window_ids(window_id: int | None) -> list[int]:
    """The complaints a staff member's window is concerned by: about it, or passed to it."""
    if window_id is None:
        return []
    rows = await ComplaintUnit.select(ComplaintUnit.complaint).where(ComplaintUnit.window == window_id)
    return [row["complaint"] for row in rows]


async def _visible(viewer: Viewer) -> Any:
    """The condition on `Complaint` for the complaints the viewer may read."""
    condition = Complaint.id > 0
    if viewer.scope is not None:
        condition &= Complaint.hall.is_in(list(viewer.scope) or [-1])
    if viewer.only_own_window:
        passed = await _own_window_ids(viewer.window_id)
        about = Complaint.window == (viewer.window_id or -1)
        condition &= about | Complaint.id.is_in(passed) if passed else about
    return condition


async def find_row(complaint_id: int, viewer: Viewer) -> dict[str, Any]:
    row = await _query().where((Complaint.id == complaint_id) & await _visible(viewer)).first()
    if row is None:
        raise NotFound("没有找到编号为 {id} 的投诉", id=complaint_id)
    return row


async def _details(complaint_id: int, now: dt.datetime) -> dict[str, Any]:
    units = (
        await ComplaintUnit.select(
            *ComplaintUnit.all_columns(),
            ComplaintUnit.window.number.as_alias("window_number"),
            ComplaintUnit.window.name.as_alias("window_name"),
            ComplaintUnit.department.name.as_alias("department_name"),
        )
        .where(ComplaintUnit.complaint == complaint_id)
        .order_by(ComplaintUnit.id)
    )
    replies = (
        await ComplaintReply.select(
            *ComplaintReply.all_columns(), ComplaintReply.replied_by.display_name.as_alias("by")
        )
        .where(ComplaintReply.complaint == complaint_id)
        .order_by(ComplaintReply.id)
    )
    extensions = (
        await ComplaintExtension.select(
            *ComplaintExtension.all_columns(), ComplaintExtension.extended_by.display_name.as_alias("by")
        )
        .where(ComplaintExtension.complaint == complaint_id)
        .order_by(ComplaintExtension.id)
    )
    files = await ComplaintAttachment.select().where(ComplaintAttachment.complaint == complaint_id)
    findings = await ComplaintFinding.select().where(ComplaintFinding.complaint == complaint_id)
    events = (
        await ComplaintEvent.select(
            *ComplaintEvent.all_columns(), ComplaintEvent.actor.display_name.as_alias("by")
        )
        .where(ComplaintEvent.complaint == complaint_id)
        .order_by(ComplaintEvent.id)
    )
    return {
        "units": [
            UnitRead(
                id=u["id"],
                window_id=u["window"],
                window_label=_window_label(u["window_number"], u["window_name"]),
                department_id=u["department"],
                department_name=u["department_name"],
                part=u["part"],
                due_at=u["due_at"],
                report=u["report"],
                reported_at=u["reported_at"],
                overdue=u["reported_at"] is None and now > u["due_at"],
            )
            for u in units
        ],
        "replies": [
            ReplyRead(
                channel=r["channel"], content=r["content"], replied_at=r["replied_at"], replied_by=r["by"]
            )
            for r in replies
        ],
        "extensions": [
            ExtensionRead(
                previous_due_at=e["previous_due_at"],
                new_due_at=e["new_due_at"],
                reason=e["reason"],
                told_by=e["told_by"],
                told_note=e["told_note"],
                extended_by=e["by"],
            )
            for e in extensions
        ],
        "attachments": [
            AttachmentRead(id=f["id"], filename=f["filename"], content_type=f["content_type"], size=f["size"])
            for f in files
        ],
        "findings": [
            FindingRead(
                id=f["id"],
                window_id=f["window"],
                staff_id=f["staff"],
                day=f["day"],
                points=f["points"],
                sanction=f["sanction"],
                withdrawn=f["withdrawn_at"] is not None,
            )
            for f in findings
        ],
        "history": [EventRead(action=e["action"], actor=e["by"], note=e["note"], at=e["at"]) for e in events],
    }


async def _explanation(row: dict[str, Any]) -> dict[str, Any]:
    deadline = await deadline_for(
        hall_id=row["hall"],
        received_at=row["received_at"],
        complaint_class=ComplaintClass(row["complaint_class"]),
    )
    lines = deadline.lines()
    return {
        "deadline_explanation": [line.render() for line in lines],
        "deadline_lines": [ExplanationLine(message=line.message, params=line.params) for line in lines],
    }


async def get_complaint(*, complaint_id: int, viewer: Viewer, now: dt.datetime) -> ComplaintRead:
    """One complaint with its units, replies, extensions, files, findings and history. The
    complainant is shown to the desk, and the view is logged."""
    row = await find_row(complaint_id, viewer)
    if viewer.sees_identity:
        await IdentityView.insert(
            IdentityView(
                complaint=complaint_id,
                account=viewer.account_id,
                at=dt.datetime.now(dt.UTC),
                client=viewer.client[:64],
                place=viewer.place[:200],
            )
        )
    details = await _details(complaint_id, now)
    return _read(
        row,
        extended=bool(details["extensions"]),
        now=now,
        identity=viewer.sees_identity,
        **await _explanation(row),
        **details,
    )


async def list_complaints(
    *,
    viewer: Viewer,
    now: dt.datetime,
    hall_id: int | None = None,
    window_id: int | None = None,
    complaint_class: ComplaintClass | None = None,
    channel: Channel | None = None,
    state: State | None = None,
    open_only: bool = False,
    received_from: dt.datetime | None = None,
    received_before: dt.datetime | None = None,
) -> list[ComplaintRead]:
    """Complaints as a list, never with the complainant: the most urgent first (unanswered by
    time left, then the answered ones, then the closed ones, newest first)."""
    condition = await _visible(viewer)
    filters = {
        Complaint.hall: hall_id,
        Complaint.window: window_id,
        Complaint.complaint_class: complaint_class,
        Complaint.channel: channel,
        Complaint.state: state,
    }
    for column, value in filters.items():
        if value is not None:
            condition &= column == value
    if open_only:
        condition &= Complaint.state.is_in(list(OPEN))
    if received_from is not None:
        condition &= Complaint.received_at >= received_from
    if received_before is not None:
        condition &= Complaint.received_at < received_before
    rows = await _query().where(condition)
    extended = await _extended_ids([row["id"] for row in rows])
    reads = [_read(row, extended=row["id"] in extended, now=now, identity=False) for row in rows]
    return sorted(reads, key=urgency_order)


def urgency_order(read: ComplaintRead) -> tuple:
    if read.state in UNANSWERED:
        return (0, read.due_at, read.id)
    if read.state != State.CLOSED:
        return (1, read.due_at, read.id)
    return (2, -read.received_at.timestamp(), read.id)


def urgency(read: ComplaintRead, now: dt.datetime) -> str:
    """The board's colour: overdue, due today, past half its time (warning), or calm."""
    if read.state not in UNANSWERED:
        return "answered"
    if read.overdue:
        return "overdue"
    if read.due_at.date() == now.date():
        return "today"
    total = (read.due_at - read.received_at).total_seconds()
    return "warning" if total > 0 and read.seconds_left < total / 2 else "calm"


def board_counts(reads: Iterable[ComplaintRead], now: dt.datetime) -> BoardCounts:
    reads = [read for read in reads if read.state != State.CLOSED]
    unanswered = [read for read in reads if read.state in UNANSWERED]
    return BoardCounts(
        open=len(reads),
        overdue=sum(read.overdue for read in unanswered),
        due_today=sum(not read.overdue and read.due_at.date() == now.date() for read in unanswered),
        extended=sum(read.extended for read in reads),
    )


# ---- intake -----------------------------------------------------------------------------------


async def check_subject(*, hall_id: int, window_id: int | None, staff_id: int | None) -> None:
    """The window and the person complained about belong to the hall (and to each other).
    Looked up in every hall: one of another hall is a wrong choice (422), not a missing
    record; the hall itself is checked against the caller's reach by the caller."""
    if window_id is not None:
        window = await get_window(window_id=window_id, scope=None)
        if window.hall_id != hall_id:
            raise InvalidInput.single("window_id", "被投诉窗口", "该窗口不属于本中心")
    if staff_id is not None:
        staff = await get_staff(staff_id=staff_id, scope=None)
        if staff.hall_id != hall_id:
            raise InvalidInput.single("staff_id", "被投诉人员", "该人员不属于本中心")
        if window_id is not None and staff.window_id not in (None, window_id):
            raise InvalidInput.single("staff_id", "被投诉人员", "该人员不在所选窗口")


CONFIDENTIAL = frozenset({"complainant_name", "complainant_contact"})


async def event(complaint_id: int, action: Action, actor_id: int | None, note: str = "") -> None:
    await ComplaintEvent.insert(
        ComplaintEvent(
            complaint=complaint_id, action=action, actor=actor_id, note=note, at=dt.datetime.now(dt.UTC)
        )
    )


async def insert_complaint(
    *,
    values: dict[str, Any],
    received_at: dt.datetime,
    complaint_class: ComplaintClass,
    uploads: Sequence[attachment_files.Checked],
    actor_id: int | None,
    action: Action,
    on_the_spot_reply: str = "",
) -> tuple[int, str]:
    """Store a new complaint with its deadline, files and first history step, and its answer
    when it was answered on the spot (当场答复); returns its id and the code its complainant
    follows it with."""
    deadline = await deadline_for(
        hall_id=values["hall"], received_at=received_at, complaint_class=complaint_class
    )
    code = new_code()
    paths = [
        attachment_files.store(upload) for upload in uploads
    ]  # files first: a DB row never lacks its file
    for _ in range(5):
        try:
            async with db.transaction():
                complaint = Complaint(
                    **values,
                    number=_number(received_at),
                    code_hash=_hasher.hash(code),
                    complaint_class=complaint_class,
                    received_at=received_at,
                    state=State.REPLIED if on_the_spot_reply else State.REGISTERED,
                    replied_at=received_at if on_the_spot_reply else None,
                    target_at=deadline.target_at,
                    original_due_at=deadline.due_at,
                    due_at=deadline.due_at,
                    registered_by=actor_id,
                    created_at=dt.datetime.now(dt.UTC),
                )
                await complaint.save()
                for upload, path in zip(uploads, paths, strict=True):
                    await attachment_files.insert(complaint.id, upload, path, actor_id)
                await event(complaint.id, action, actor_id)
                await audit.record(
                    f"complaint.{action.value}",
                    subject_type="complaint",
                    subject_id=complaint.id,
                    hall_id=values["hall"],
                    # The complainant's name and contact stay out: they are read on the complaint's page only.
                    after={
                        **{key: value for key, value in values.items() if key not in CONFIDENTIAL},
                        "number": complaint.number,
                        "state": complaint.state,
                        "due_at": deadline.due_at,
                        "on_the_spot_reply": on_the_spot_reply,
                        "attachments": [upload.filename for upload in uploads],
                    },
                )
                if on_the_spot_reply:
                    await ComplaintReply.insert(
                        ComplaintReply(
                            complaint=complaint.id,
                            channel=ReplyChannel.ON_THE_SPOT,
                            content=on_the_spot_reply,
                            replied_at=received_at,
                            replied_by=actor_id,
                        )
                    )
                    await event(complaint.id, Action.REPLIED, actor_id, on_the_spot_reply)
            return complaint.id, code
        except Exception as error:
            if not db.is_integrity_error(error):
                raise
    raise RuntimeError("no free complaint number after five tries")


async def register_complaint(
    *,
    data: ComplaintCreate,
    uploads: Sequence[attachment_files.Upload],
    viewer: Viewer,
    now: dt.datetime,
    limits: attachment_files.Limits,
) -> tuple[ComplaintRead, str]:
    """A complaint taken at the desk. A serious matter needs a written record (a scan of the
    written complaint or of the signed note of what was said). Answered on the spot: the
    reply is recorded at once, and the ticket stands answered."""
    if viewer.role not in DESK:
        raise NotAllowed("只有投诉受理员或大厅主任可以登记投诉")
    await get_hall(hall_id=data.hall_id, scope=viewer.scope)
    await check_subject(hall_id=data.hall_id, window_id=data.window_id, staff_id=data.staff_id)
    received_at = wall_clock(data.received_at or now)
    problems = []
    if received_at > now + dt.timedelta(minutes=5):
        problems.append(FieldError("received_at", "受理时间", "不能晚于当前时间"))
    occurred_at = wall_clock(data.occurred_at) if data.occurred_at else None
    if occurred_at is not None and occurred_at > received_at:
        problems.append(FieldError("occurred_at", "发生时间", "不能晚于受理时间"))
    if data.serious and not uploads:
        problems.append(
            FieldError("attachments", "附件", "严重事项投诉须有书面材料：请附上书面投诉或谈话笔录的扫描件")
        )
    if problems:
        raise InvalidInput(problems)
    checked = attachment_files.check_all(uploads, limits)
    values = {
        "hall": data.hall_id,
        "channel": data.channel,
        "marked_complex": data.complaint_class == ComplaintClass.COMPLEX,
        "serious": data.serious,
        "window": data.window_id,
        "staff": data.staff_id,
        "person_description": data.person_description,
        "content": data.content,
        "occurred_at": occurred_at,
        "complainant_name": data.complainant_name,
        "complainant_contact": data.complainant_contact,
    }
    complaint_id, code = await insert_complaint(
        values=values,
        received_at=received_at,
        complaint_class=data.complaint_class,
        uploads=checked,
        actor_id=viewer.account_id,
        action=Action.REGISTERED,
        on_the_spot_reply=data.on_the_spot_reply,
    )
    return await get_complaint(complaint_id=complaint_id, viewer=viewer, now=now), code


async def add_attachments(
    *,
    complaint_id: int,
    uploads: Sequence[attachment_files.Upload],
    viewer: Viewer,
    limits: attachment_files.Limits,
) -> list[AttachmentRead]:
    if viewer.role not in DESK:
        raise NotAllowed("只有投诉受理员或大厅主任可以添加附件")
    row = await find_row(complaint_id, viewer)
    if not uploads:
        raise InvalidInput.single("attachments", "附件", "请选择要上传的文件")
    checked = attachment_files.check_all(uploads, limits)
    paths = [attachment_files.store(upload) for upload in checked]
    async with db.transaction():
        for upload, path in zip(checked, paths, strict=True):
            await attachment_files.insert(complaint_id, upload, path, viewer.account_id)
        await event(complaint_id, Action.ATTACHED, viewer.account_id, "、".join(u.filename for u in checked))
        await audit.record(
            f"complaint.{Action.ATTACHED.value}",
            subject_type="complaint",
            subject_id=complaint_id,
            hall_id=row["hall"],
            after={"attachments": [upload.filename for upload in checked]},
        )
    return (await _details(complaint_id, get_config().local_now()))["attachments"]


async def attachment_file(*, attachment_id: int, viewer: Viewer) -> tuple[AttachmentRead, Any]:
    """An attachment and its path, for whoever may read its complaint."""
    row = await ComplaintAttachment.select().where(ComplaintAttachment.id == attachment_id).first()
    if row is None:
        raise NotFound("没有找到该附件")
    await find_row(row["complaint"], viewer)
    read = AttachmentRead(
        id=row["id"], filename=row["filename"], content_type=row["content_type"], size=row["size"]
    )
    return read, attachment_files.path_of(row["path"])


async def identity_views(*, complaint_id: int, viewer: Viewer) -> list[dict[str, Any]]:
    """Who looked at the complainant: for the director and the officers."""
    if viewer.role not in DESK:
        raise NotAllowed("只有投诉受理员或大厅主任可以查看查阅记录")
    await find_row(complaint_id, viewer)
    return (
        await IdentityView.select(
            IdentityView.at,
            IdentityView.client,
            IdentityView.place,
            IdentityView.account.display_name.as_alias("by"),
        )
        .where(IdentityView.complaint == complaint_id)
        .order_by(IdentityView.id, ascending=False)
    )
