"""Face clock-in: a face shown to a terminal becomes a punch with source `face`, or a clear
"no". Two paths end in the same place:

- the browser kiosk sends a frame; the server finds, checks and recognises the face;
- the terminal program recognises locally (against `gallery`) and sends the punch with an
  idempotency key, possibly long after, when the network is back.

Every attempt with a face in it is logged with its distance and a thumbnail for the clerk
(frames with no face at all are the kiosk idling and are not). The same person within the
repeat interval (60 s by default) is not punched twice.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from dataclasses import dataclass

from attendance import face_engine, face_match, faces, months, rules
from attendance.face_match import Outcome
from attendance.punches import local_time, record_punch
from attendance.schemas import (
    AttemptRead,
    ClockResult,
    GalleryPerson,
    GalleryRead,
    PunchCreate,
    TerminalPunch,
)
from attendance.tables import FaceAttempt, FaceOutcome, FacePhoto, Punch, PunchSource
from attendance.verdicts import day_verdicts
from hall import db
from hall.calendar import hall_calendar
from hall.errors import InvalidInput, NotFound
from hall.services import HallScope, get_hall
from hall.settings import setting_values_by_day
from hall.tables import Staff, StaffStatus

OUTCOME_LABELS = {
    FaceOutcome.CLOCKED: "已打卡",
    FaceOutcome.REPEAT: "刚刚已打卡",
    FaceOutcome.UNSURE: "无法确认，请重试",
    FaceOutcome.UNKNOWN: "未识别",
    FaceOutcome.REFUSED: "不能打卡",
    FaceOutcome.NO_FACE: "没有人脸",
    FaceOutcome.MANY_FACES: "多张人脸",
    FaceOutcome.TOO_SMALL: "人脸太小",
    FaceOutcome.PARTIAL: "人脸不完整",
    FaceOutcome.BLURRED: "图像模糊",
    FaceOutcome.BAD_IMAGE: "图片无效",
}
MESSAGES = {
    **{FaceOutcome(outcome.value): message for outcome, message in face_match.OUTCOME_MESSAGES.items()},
    **{FaceOutcome(problem.value): message for problem, message in faces.PROBLEM_MESSAGES.items()},
}


@dataclass(frozen=True)
class Terminal:
    """The registered device a face came through."""

    account_id: int
    hall_id: int
    name: str


@dataclass(frozen=True)
class FaceSettings:
    tolerance: float
    margin: float
    repeat: dt.timedelta
    schedule: rules.Schedule  # the day's timetable, to say what a punch counted as


async def face_settings(*, hall_id: int, day: dt.date) -> FaceSettings:
    values = (await setting_values_by_day(hall_id=hall_id))(day)
    return FaceSettings(
        tolerance=int(values["face_tolerance"]) / 100,
        margin=int(values["face_margin"]) / 100,
        repeat=dt.timedelta(seconds=int(values["face_repeat_seconds"])),
        schedule=rules.schedule_for(day, values),
    )


async def _enrolled(*, hall_id: int, day: dt.date) -> list[dict]:
    """The encodings of the hall's people still working on `day`: one who left is no
    longer recognised (their photos stay, should they return)."""
    still_here = (FacePhoto.staff.status == StaffStatus.ACTIVE) | (FacePhoto.staff.left_on >= day)
    return (
        await FacePhoto.select(
            FacePhoto.staff, FacePhoto.staff.name, FacePhoto.staff.staff_number, FacePhoto.encoding
        )
        .where((FacePhoto.hall == hall_id) & still_here)
        .order_by(FacePhoto.staff)
        .order_by(FacePhoto.id)
    )


def _log(terminal: Terminal, at: dt.datetime, outcome: FaceOutcome, **values) -> FaceAttempt:
    return FaceAttempt(
        hall=terminal.hall_id,
        device_account=terminal.account_id,
        device=terminal.name,
        attempted_at=at,
        outcome=outcome,
        received_at=dt.datetime.now(dt.UTC),
        **values,
    )


async def _save(attempt: FaceAttempt) -> int:
    await attempt.save()
    return attempt.id


async def clock_in(
    *, content: bytes, terminal: Terminal, now: dt.datetime, limits: faces.ImageLimits
) -> ClockResult:
    """A frame from the kiosk. `now` is hall-local: the time the punch gets."""
    try:
        analysis = await face_engine.analyse(content, limits, strict=False)
    except faces.ImageRefused as refused:
        await _save(_log(terminal, now, FaceOutcome.BAD_IMAGE, message=str(refused)))
        raise InvalidInput.single("frame", "图像", refused.message, **refused.params) from None
    if analysis.problem is faces.Problem.NO_FACE:
        return ClockResult(outcome=FaceOutcome.NO_FACE, message=MESSAGES[FaceOutcome.NO_FACE])
    if analysis.problem is not None:
        outcome = FaceOutcome(analysis.problem.value)
        attempt_id = await _save(_log(terminal, now, outcome, thumbnail=analysis.thumbnail))
        return ClockResult(outcome=outcome, message=MESSAGES[outcome], attempt_id=attempt_id)
    assert analysis.encoding is not None
    settings = await face_settings(hall_id=terminal.hall_id, day=now.date())
    rows = await _enrolled(hall_id=terminal.hall_id, day=now.date())
    gallery = face_match.Gallery((row["staff"], row["encoding"]) for row in rows)
    found = face_match.match(
        gallery, faces.vector(analysis.encoding), tolerance=settings.tolerance, margin=settings.margin
    )
    evidence = {
        "staff": found.staff_id,
        "distance": found.distance,
        "runner_up_distance": found.runner_up_distance,
        "thumbnail": analysis.thumbnail,
    }
    if found.outcome is not Outcome.MATCHED:
        outcome = FaceOutcome(found.outcome.value)
        attempt_id = await _save(_log(terminal, now, outcome, **evidence))
        # The nearest person is logged for the clerk but never shown: it is not them.
        return ClockResult(outcome=outcome, message=MESSAGES[outcome], attempt_id=attempt_id)
    assert found.staff_id is not None
    return await _punch(
        staff_id=found.staff_id,
        punched_at=now,
        terminal=terminal,
        now=now,
        settings=settings,
        evidence=evidence,
    )


async def _punch(
    *,
    staff_id: int,
    punched_at: dt.datetime,
    terminal: Terminal,
    now: dt.datetime,
    settings: FaceSettings,
    evidence: dict,
    key: str = "",
) -> ClockResult:
    """Punch a recognised person, unless they punched by face within the repeat interval;
    log the attempt in the same transaction, so a punch never lacks its evidence."""
    person = await Staff.select(Staff.name, Staff.staff_number).where(Staff.id == staff_id).first()
    who = {"staff_id": staff_id, "staff_name": person["name"], "staff_number": person["staff_number"]}
    async with db.transaction():
        await db.lock(months.HALL_LOCK, terminal.hall_id)
        recent = (
            await Punch.select(Punch.id, Punch.punched_at)
            .where(
                (Punch.staff == staff_id)
                & (Punch.source == PunchSource.FACE)
                & (Punch.punched_at >= punched_at - settings.repeat)
                & (Punch.punched_at <= punched_at + settings.repeat)
            )
            .order_by(Punch.punched_at, ascending=False)
            .first()
            if settings.repeat
            else None
        )
        if recent is not None:
            attempt_id = await _save(
                _log(
                    terminal,
                    punched_at,
                    FaceOutcome.REPEAT,
                    punch=recent["id"],
                    idempotency_key=key,
                    **evidence,
                )
            )
            return ClockResult(
                outcome=FaceOutcome.REPEAT,
                message="{name}，您已于 {time} 打过卡".format(
                    name=person["name"], time=recent["punched_at"].strftime("%H:%M:%S")
                ),
                punched_at=recent["punched_at"],
                distance=evidence["distance"],
                attempt_id=attempt_id,
                **who,
            )
        try:
            recorded = await record_punch(
                data=PunchCreate(
                    staff_id=staff_id, punched_at=punched_at, source=PunchSource.FACE, device=terminal.name
                ),
                scope=frozenset({terminal.hall_id}),
                actor_id=None,
                now=now,
                timezone=dt.UTC,  # punched_at is already hall-local and naive
            )
        except InvalidInput as refused:
            message = "；".join(error.message.format(**error.params) for error in refused.errors)
            attempt_id = await _save(
                _log(
                    terminal,
                    punched_at,
                    FaceOutcome.REFUSED,
                    message=message,
                    idempotency_key=key,
                    **evidence,
                )
            )
            return ClockResult(outcome=FaceOutcome.REFUSED, message=message, attempt_id=attempt_id, **who)
        attempt_id = await _save(
            _log(
                terminal,
                punched_at,
                FaceOutcome.CLOCKED,
                punch=recorded.punch.id,
                idempotency_key=key,
                **evidence,
            )
        )
    meaning = await _meaning(
        hall_id=terminal.hall_id,
        staff_id=staff_id,
        punched_at=punched_at,
        schedule=settings.schedule,
        counted=recorded.counted,
    )
    return ClockResult(
        outcome=FaceOutcome.CLOCKED,
        message="{name}，打卡成功".format(name=person["name"]),
        punched_at=punched_at,
        meaning=meaning.label,
        session=meaning.session,
        slot=meaning.slot,
        mark=meaning.mark,
        minutes=meaning.minutes,
        distance=evidence["distance"],
        attempt_id=attempt_id,
        **who,
    )


async def _meaning(
    *, hall_id: int, staff_id: int, punched_at: dt.datetime, schedule: rules.Schedule, counted: bool
) -> rules.PunchMeaning:
    """`counted`: False when record_punch found the day's month closed."""
    day = punched_at.date()
    calendar = await hall_calendar(hall_id=hall_id, start=day, end=day)
    if not calendar.is_working_day(day):
        return rules.PunchMeaning(None, None, None, 0, "已记录（今天不是工作日）")
    if not counted:
        return rules.PunchMeaning(None, None, None, 0, "已记录（该月考勤已关账，不再计入）")
    verdicts = await day_verdicts(staff_id=staff_id, day=day)
    return rules.punch_meaning(rules.seconds(punched_at), verdicts, schedule)


# ---- the terminal program ---------------------------------------------------------------


async def gallery(*, terminal: Terminal, day: dt.date) -> GalleryRead:
    """The hall's encodings and face settings, for a terminal recognising by itself. The
    version changes whenever any of it does, so a terminal can skip an unchanged download."""
    settings = await face_settings(hall_id=terminal.hall_id, day=day)
    people: dict[int, GalleryPerson] = {}
    digest = hashlib.sha256(f"{settings.tolerance}:{settings.margin}:{settings.repeat}".encode())
    for row in await _enrolled(hall_id=terminal.hall_id, day=day):
        person = people.setdefault(
            row["staff"],
            GalleryPerson(
                staff_id=row["staff"],
                name=row["staff.name"],
                staff_number=row["staff.staff_number"],
                encodings=[],
            ),
        )
        person.encodings.append(base64.b64encode(row["encoding"]).decode())
        digest.update(f"{row['staff']}:{row['staff.name']}:".encode() + row["encoding"])
    return GalleryRead(
        hall_id=terminal.hall_id,
        version=digest.hexdigest()[:16],
        tolerance=settings.tolerance,
        margin=settings.margin,
        repeat_seconds=int(settings.repeat.total_seconds()),
        people=list(people.values()),
    )


async def _replay(terminal: Terminal, key: str) -> ClockResult | None:
    """The answer already given to this key, for a terminal sending it again."""
    row = await (
        FaceAttempt.select(
            FaceAttempt.id,
            FaceAttempt.outcome,
            FaceAttempt.message,
            FaceAttempt.staff,
            FaceAttempt.staff.name,
            FaceAttempt.staff.staff_number,
            FaceAttempt.punch.punched_at,
            FaceAttempt.distance,
        )
        .where((FaceAttempt.device_account == terminal.account_id) & (FaceAttempt.idempotency_key == key))
        .first()
    )
    if row is None:
        return None
    outcome = FaceOutcome(row["outcome"])
    return ClockResult(
        outcome=outcome,
        message=row["message"] or OUTCOME_LABELS[outcome],
        staff_id=row["staff"],
        staff_name=row["staff.name"],
        staff_number=row["staff.staff_number"],
        punched_at=row["punch.punched_at"],
        distance=row["distance"],
        attempt_id=row["id"],
    )


def _thumbnail(text: str) -> bytes:
    if not text:
        return b""
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput.single("thumbnail", "人脸缩略图", "不是有效的 base64 图片") from None
    if not content.startswith(b"\xff\xd8"):
        raise InvalidInput.single("thumbnail", "人脸缩略图", "必须是 JPEG 图片")
    return content


async def terminal_punch(
    *, data: TerminalPunch, terminal: Terminal, now: dt.datetime, timezone: dt.tzinfo
) -> tuple[ClockResult, bool]:
    """A punch the terminal recognised itself. Returns the result and whether it is new;
    the same key again returns the first answer and stores nothing."""
    replayed = await _replay(terminal, data.key)
    if replayed is not None:
        return replayed, False
    punched_at = local_time(data.punched_at, timezone)
    staff = await Staff.select(Staff.hall).where(Staff.id == data.staff_id).first()
    if staff is None or staff["hall"] != terminal.hall_id:
        raise InvalidInput.single("staff_id", "人员", "本中心没有这个人员")
    thumbnail = _thumbnail(data.thumbnail)
    settings = await face_settings(hall_id=terminal.hall_id, day=punched_at.date())
    evidence = {
        "staff": data.staff_id,
        "distance": data.distance,
        "runner_up_distance": data.runner_up_distance,
        "thumbnail": thumbnail,
    }
    try:
        result = await _punch(
            staff_id=data.staff_id,
            punched_at=punched_at,
            terminal=terminal,
            now=now,
            settings=settings,
            evidence=evidence,
            key=data.key,
        )
    except Exception as error:
        # Two copies of one key racing: the other request stored it; answer as it did.
        if db.is_integrity_error(error) and (replayed := await _replay(terminal, data.key)):
            return replayed, False
        raise
    return result, True


# ---- review -----------------------------------------------------------------------------


async def list_attempts(*, hall_id: int, day: dt.date, scope: HallScope) -> list[AttemptRead]:
    await get_hall(hall_id=hall_id, scope=scope)
    start = dt.datetime.combine(day, dt.time())
    rows = (
        await FaceAttempt.select(
            FaceAttempt.id,
            FaceAttempt.attempted_at,
            FaceAttempt.device,
            FaceAttempt.outcome,
            FaceAttempt.staff,
            FaceAttempt.staff.name,
            FaceAttempt.distance,
            FaceAttempt.runner_up_distance,
            FaceAttempt.punch,
            FaceAttempt.message,
        )
        .where(
            (FaceAttempt.hall == hall_id)
            & (FaceAttempt.attempted_at >= start)
            & (FaceAttempt.attempted_at < start + dt.timedelta(days=1))
        )
        .order_by(FaceAttempt.attempted_at, ascending=False)
        .order_by(FaceAttempt.id, ascending=False)
    )
    return [
        AttemptRead(
            id=row["id"],
            attempted_at=row["attempted_at"],
            device=row["device"],
            outcome=row["outcome"],
            outcome_label=OUTCOME_LABELS[FaceOutcome(row["outcome"])],
            staff_id=row["staff"],
            staff_name=row["staff.name"],
            distance=row["distance"],
            runner_up_distance=row["runner_up_distance"],
            punch_id=row["punch"],
            message=row["message"],
        )
        for row in rows
    ]


async def attempt_thumbnail(*, attempt_id: int, scope: HallScope) -> bytes:
    row = (
        await FaceAttempt.select(FaceAttempt.hall, FaceAttempt.thumbnail)
        .where(FaceAttempt.id == attempt_id)
        .first()
    )
    if row is None or not row["thumbnail"] or (scope is not None and row["hall"] not in scope):
        raise NotFound("没有找到这次识别的缩略图")
    return row["thumbnail"]
