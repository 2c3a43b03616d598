"""The public page: anyone files a complaint without an account, and follows it with its
number and code.

Abuse is held off by a one-time arithmetic question stored server-side (no secret to
share between app processes) and by per-address limits on filings and on failed lookups,
counted in the database so that every app process sees the same count. A lookup never
tells whether a number exists without its code."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence

from complaints import attachments as attachment_files
from complaints.deadlines import ComplaintClass
from complaints.schemas import Challenge, ComplaintFiled, PublicComplaintCreate, PublicStatus, ReplyRead
from complaints.services import DUMMY_CODE_HASH, check_subject, code_matches, insert_complaint, wall_clock
from complaints.tables import (
    Action,
    Channel,
    Complaint,
    ComplaintExtension,
    ComplaintReply,
    PublicAttempt,
    PublicChallenge,
)
from hall import db
from hall.errors import DomainError, InvalidInput, NotFound
from hall.services import get_hall

CHALLENGE_LIFETIME = dt.timedelta(minutes=30)
LIMIT_WINDOW = dt.timedelta(hours=1)
FILINGS_PER_HOUR = 5
FAILED_LOOKUPS_PER_HOUR = 10
CHALLENGES_PER_HOUR = 60
FILING, FAILED_LOOKUP, CHALLENGE = "filing", "failed_lookup", "challenge"
# The question, translated where it is shown; the API gives it in Chinese with its numbers.
QUESTION = "{first} 加 {second} 等于几？"
NOT_FOUND = "投诉编号或查询码不正确，请核对后再试"


class TooManyAttempts(DomainError):
    status_code = 429


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def new_challenge(*, client: str, now: dt.datetime) -> Challenge:
    """A question a person answers at a glance: the sum of two small numbers. Counted per
    address like filings, so that a script cannot fill the table with questions."""
    await _check_limit(CHALLENGE, client, CHALLENGES_PER_HOUR, now)
    await _count_attempt(CHALLENGE, client, now)
    first, second = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = secrets.token_urlsafe(24)
    await PublicChallenge.insert(
        PublicChallenge(token_hash=_digest(token), answer=first + second, expires_at=now + CHALLENGE_LIFETIME)
    )
    # Old questions go as new ones come: the table stays the size of an hour's traffic.
    await PublicChallenge.delete().where(PublicChallenge.expires_at < now - CHALLENGE_LIFETIME)
    return Challenge(
        token=token, question=QUESTION.format(first=first, second=second), first=first, second=second
    )


async def _use_challenge(token: str, answer: int, now: dt.datetime) -> None:
    """Each question is answered once, right or wrong: a wrong answer costs a new question."""
    used = await db.write(
        PublicChallenge.update({PublicChallenge.used: True})
        .where(
            (PublicChallenge.token_hash == _digest(token))
            & (PublicChallenge.used == False)  # noqa: E712 - Piccolo builds SQL from ==
            & (PublicChallenge.expires_at >= now)
        )
        .returning(PublicChallenge.answer)
    )
    if not used:
        raise InvalidInput.single("answer", "验证答案", "验证问题已过期，请回答新的问题")
    if used[0]["answer"] != answer:
        raise InvalidInput.single("answer", "验证答案", "验证答案不正确，请回答新的问题")


async def _check_limit(kind: str, client: str, limit: int, now: dt.datetime) -> None:
    count = await PublicAttempt.count().where(
        (PublicAttempt.kind == kind)
        & (PublicAttempt.client_hash == _digest(client))
        & (PublicAttempt.at > now - LIMIT_WINDOW)
    )
    if count >= limit:
        raise TooManyAttempts("操作太频繁，请一小时后再试；如有急事请到服务中心投诉台或拨打投诉电话")


async def _count_attempt(kind: str, client: str, now: dt.datetime) -> None:
    await PublicAttempt.insert(PublicAttempt(kind=kind, client_hash=_digest(client), at=now))
    await PublicAttempt.delete().where(PublicAttempt.at < now - LIMIT_WINDOW)


async def file_complaint(
    *,
    data: PublicComplaintCreate,
    uploads: Sequence[attachment_files.Upload],
    client: str,
    now: dt.datetime,
    local_now: dt.datetime,
    limits: attachment_files.Limits,
) -> ComplaintFiled:
    """A complaint from the public page: received now, general, channel online. Name and
    contact are optional, and confidential like any complainant's."""
    await _check_limit(FILING, client, FILINGS_PER_HOUR, now)
    await get_hall(hall_id=data.hall_id, scope=None)
    await check_subject(hall_id=data.hall_id, window_id=data.window_id, staff_id=None)
    checked = attachment_files.check_all(uploads, limits)
    await _use_challenge(data.challenge, data.answer, now)
    received_at = local_now.replace(microsecond=0, tzinfo=None)
    occurred_at = wall_clock(data.occurred_at) if data.occurred_at else None
    if occurred_at is not None and occurred_at > received_at:
        raise InvalidInput.single("occurred_at", "发生时间", "不能晚于现在")
    complaint_id, code = await insert_complaint(
        values={
            "hall": data.hall_id,
            "channel": Channel.ONLINE,
            "window": data.window_id,
            "person_description": data.person_description,
            "content": data.content,
            "occurred_at": occurred_at,
            "complainant_name": data.complainant_name,
            "complainant_contact": data.complainant_contact,
        },
        received_at=received_at,
        complaint_class=ComplaintClass.GENERAL,
        uploads=checked,
        actor_id=None,
        action=Action.FILED_ONLINE,
    )
    await _count_attempt(FILING, client, now)
    row = await Complaint.select().where(Complaint.id == complaint_id).first()
    return ComplaintFiled(status=await _status(row), code=code)


async def track(*, number: str, code: str, client: str, now: dt.datetime) -> PublicStatus:
    """What the complainant may know of their complaint, for the number with its code."""
    await _check_limit(FAILED_LOOKUP, client, FAILED_LOOKUPS_PER_HOUR, now)
    row = await Complaint.select().where(Complaint.number == number.strip().upper()).first()
    # The hash is checked whether or not the number exists: the time taken tells nothing.
    matches = code_matches(row["code_hash"] if row else DUMMY_CODE_HASH, code)
    if row is None or not matches:
        await _count_attempt(FAILED_LOOKUP, client, now)
        raise NotFound(NOT_FOUND)
    return await _status(row)


async def _status(row: dict) -> PublicStatus:
    """State, deadlines and why they moved, the answers given, whether it was found true;
    nothing about who handled it inside the hall."""
    replies = (
        await ComplaintReply.select().where(ComplaintReply.complaint == row["id"]).order_by(ComplaintReply.id)
    )
    extensions = (
        await ComplaintExtension.select()
        .where(ComplaintExtension.complaint == row["id"])
        .order_by(ComplaintExtension.id)
    )
    return PublicStatus(
        number=row["number"],
        state=row["state"],
        received_at=row["received_at"],
        due_at=row["due_at"],
        original_due_at=row["original_due_at"],
        extended=bool(extensions),
        extension_reasons=[e["reason"] for e in extensions],
        replies=[
            ReplyRead(channel=r["channel"], content=r["content"], replied_at=r["replied_at"], replied_by=None)
            for r in replies
        ],
        upheld=row["upheld"],
        closed_at=row["closed_at"],
    )
