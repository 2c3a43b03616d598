"""Accounts, passwords, login sessions and API tokens.

Passwords are hashed with Argon2 (argon2-cffi). Sessions and API tokens are random strings
handed to the client once; only their SHA-256 is stored, so a leaked database holds no
usable credential. Failed logins are counted by username and by address
(hall/login_rules.py says when they lock); a session unused for SESSION_IDLE ends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hall import audit, db, login_rules
from hall.config import get_config
from hall.errors import AuthenticationFailed, Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from hall.passwords import MIN_LENGTH, password_problem
from hall.roles import Role
from hall.schemas import AccountCreate, AccountRead, TokenInfo
from hall.services import HallScope, get_hall, get_staff
from hall.tables import AccessToken, Account, LoginFailure, TokenKind

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong name costs as long as a
# wrong password and response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not a real password")
# last_used_at is refreshed at most this often: a write per request would serialise
# every page view behind SQLite's single writer.
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)
# A browser session left unused this long ends (a counter PC left signed in); API tokens
# and device secrets are used by programs on their own schedule and have no idle limit.
SESSION_IDLE = dt.timedelta(hours=2)
ADMIN_USERNAME = "admin"
WRONG_CREDENTIALS = "用户名或密码不正确"

FIRST_START_LOCK = 7_402_114  # beside db.MIGRATION_LOCK_ID


class LockedOut(DomainError):
    """Too many failed logins for the username or from the address: try again later."""

    status_code = 429


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account behind a session cookie or a bearer token."""

    account_id: int
    username: str
    display_name: str
    role: Role
    hall_id: int | None
    staff_id: int | None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(row: dict) -> Principal:
    return Principal(
        account_id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        hall_id=row["hall"],
        staff_id=row["staff"],
    )


def check_password(password: str, *, username: str) -> None:
    problem = password_problem(password, username=username)
    if problem is not None:
        raise InvalidInput.single("password", "密码", problem, length=MIN_LENGTH)


async def _refuse_if_locked(*, username: str, address: str, now: dt.datetime) -> None:
    since = now - login_rules.LOOK_BACK
    by_name = await LoginFailure.select(LoginFailure.at).where(
        (LoginFailure.username == username) & (LoginFailure.at > since)
    )
    by_address = await LoginFailure.select(LoginFailure.at).where(
        (LoginFailure.address == address) & (LoginFailure.at > since)
    )
    ends = [
        login_rules.locked_until(
            (row["at"] for row in by_name), limit=login_rules.FAILURES_PER_USERNAME, now=now
        ),
        login_rules.locked_until(
            (row["at"] for row in by_address), limit=login_rules.FAILURES_PER_ADDRESS, now=now
        ),
    ]
    until = max((end for end in ends if end is not None), default=None)
    if until is not None:
        # Rounded up to the minute shown, so that "after 10:42" is never a minute early.
        shown = (until + dt.timedelta(seconds=59)).astimezone(get_config().timezone)
        raise LockedOut("登录失败次数过多，请于 {time} 后再试", time=shown.strftime("%H:%M"))


async def _record_failure(*, username: str, address: str, now: dt.datetime) -> None:
    async with db.transaction():
        await LoginFailure.insert(LoginFailure(username=username, address=address, at=now))
        # The table holds only what the throttle can still count.
        await LoginFailure.delete().where(LoginFailure.at <= now - login_rules.LOOK_BACK)


async def authenticate(*, username: str, password: str, address: str, now: dt.datetime) -> Principal:
    """The account for a username and password, or AuthenticationFailed; LockedOut, before
    the password is looked at, while the username or the address is locked. An unknown
    username is checked, counted and answered like a known one: nothing tells which exist."""
    address = address[:64]
    await _refuse_if_locked(username=username, address=address, now=now)
    row = await Account.select().where(Account.username == username).first()
    matches = _password_matches(row["password_hash"] if row else _DUMMY_HASH, password)
    if row is None or not matches or not row["active"]:
        await _record_failure(username=username, address=address, now=now)
        # The failure that reaches the limit says so at once.
        await _refuse_if_locked(username=username, address=address, now=now)
        raise AuthenticationFailed(WRONG_CREDENTIALS)
    changes = {Account.last_login_at: now}
    if _hasher.check_needs_rehash(row["password_hash"]):
        changes[Account.password_hash] = hash_password(password)
    async with db.transaction():
        await Account.update(changes).where(Account.id == row["id"])
        await LoginFailure.delete().where(LoginFailure.username == username)
    return _principal(row)


async def issue_token(
    *,
    account_id: int,
    kind: TokenKind,
    now: dt.datetime,
    lifetime: dt.timedelta | None,
    label: str = "",
    used_now: bool = True,
) -> tuple[str, dt.datetime | None]:
    """A new session or API token; the caller hands the returned string to the client.
    `used_now` False: it has not been used yet (a device secret, until the device calls)."""
    token = secrets.token_urlsafe(32)
    expires_at = now + lifetime if lifetime is not None else None
    await AccessToken(
        account=account_id,
        kind=kind,
        token_hash=_digest(token),
        label=label,
        expires_at=expires_at,
        last_used_at=now if used_now else None,
    ).save()
    return token, expires_at


async def principal_for_token(*, token: str, now: dt.datetime) -> Principal | None:
    row = (
        await AccessToken.select(
            AccessToken.id,
            AccessToken.kind,
            AccessToken.expires_at,
            AccessToken.revoked,
            AccessToken.last_used_at,
            *(
                getattr(AccessToken.account, name).as_alias(name)
                for name in (
                    "username",
                    "display_name",
                    "role",
                    "hall",
                    "staff",
                    "active",
                )
            ),
            AccessToken.account.id.as_alias("account_id"),
        )
        .where(AccessToken.token_hash == _digest(token))
        .first()
    )
    if row is None or row["revoked"] or not row["active"]:
        return None
    if row["expires_at"] is not None and row["expires_at"] <= now:
        return None
    if row["kind"] == TokenKind.SESSION and row["last_used_at"] is not None:
        # Measured from the last recorded use, which lags the real one by at most the touch
        # interval: the idle limit is kept to within a minute.
        if now - row["last_used_at"] > SESSION_IDLE:
            return None
    if row["last_used_at"] is None or now - row["last_used_at"] > TOKEN_TOUCH_INTERVAL:
        await AccessToken.update({AccessToken.last_used_at: now}).where(AccessToken.id == row["id"])
    return _principal({**row, "id": row["account_id"]})


async def revoke_token(*, token: str) -> None:
    await AccessToken.update({AccessToken.revoked: True}).where(AccessToken.token_hash == _digest(token))


async def purge_expired_tokens(*, now: dt.datetime) -> int:
    """Delete sessions and tokens that expired, idled out or were revoked; returns how many."""
    expired = (
        (AccessToken.expires_at.is_not_null() & (AccessToken.expires_at <= now))
        | (AccessToken.revoked == True)  # noqa: E712 (a Piccolo column expression)
        | ((AccessToken.kind == TokenKind.SESSION) & (AccessToken.last_used_at <= now - SESSION_IDLE))
    )
    async with db.transaction():
        count = await AccessToken.count().where(expired)
        await AccessToken.delete().where(expired)
    return count


# ---- account management --------------------------------------------------------------


def _account_read(row: dict) -> AccountRead:
    return AccountRead(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        display_name=row["display_name"],
        hall_id=row["hall"],
        staff_id=row["staff"],
        active=row["active"],
    )


async def list_accounts(*, scope: HallScope) -> list[AccountRead]:
    query = Account.select().order_by(Account.hall).order_by(Account.username)
    if scope is not None:
        query = query.where(Account.hall.is_in(list(scope) or [-1]))
    return [_account_read(row) for row in await query]


async def get_account(*, account_id: int, scope: HallScope) -> AccountRead:
    row = await Account.select().where(Account.id == account_id).first()
    if row is None or (scope is not None and row["hall"] not in scope):
        raise NotFound("没有找到编号为 {id} 的账号", id=account_id)
    return _account_read(row)


async def create_account(*, data: AccountCreate, scope: HallScope) -> AccountRead:
    check_password(data.password, username=data.username)
    async with db.transaction():
        if data.role == Role.ADMIN:
            if scope is not None:
                raise NotAllowed("只有系统管理员可以建立管理员账号")
        elif data.hall_id is None:
            raise InvalidInput.single("hall_id", "所属中心", "除系统管理员外，账号必须属于一个中心")
        if data.hall_id is not None:
            await get_hall(hall_id=data.hall_id, scope=scope)
        if data.role == Role.STAFF and data.staff_id is None:
            raise InvalidInput.single("staff_id", "对应人员", "窗口工作人员账号必须对应一名人员")
        if data.staff_id is not None:
            person = await get_staff(staff_id=data.staff_id, scope=scope)
            if person.hall_id != data.hall_id:
                raise InvalidInput.single("staff_id", "对应人员", "该人员不属于所选中心")
        if await Account.exists().where(Account.username == data.username):
            raise Conflict("用户名 {username} 已被使用", username=data.username)
        account = Account(
            username=data.username,
            password_hash=hash_password(data.password),
            role=data.role,
            display_name=data.display_name,
            hall=data.hall_id,
            staff=data.staff_id,
        )
        await account.save()
        await audit.record(
            "account.create",
            subject_type="account",
            subject_id=account.id,
            hall_id=data.hall_id,
            after=data.model_dump(exclude={"password"}),
        )
    return await get_account(account_id=account.id, scope=None)


async def set_password(*, account_id: int, password: str, scope: HallScope) -> None:
    async with db.transaction():
        account = await get_account(account_id=account_id, scope=scope)
        check_password(password, username=account.username)
        await Account.update({Account.password_hash: hash_password(password)}).where(Account.id == account_id)
        # A new password ends every session and token got with the old one: whoever learnt
        # it is out. A device's secret is no such token (it never signs in with a password).
        ended = AccessToken.account == account_id
        if account.role == Role.DEVICE:
            ended &= AccessToken.kind == TokenKind.SESSION
        await AccessToken.update({AccessToken.revoked: True}).where(ended)
        # Neither the password nor its hash: only that it changed.
        await audit.record(
            "account.password",
            subject_type="account",
            subject_id=account_id,
            hall_id=account.hall_id,
            after={"changed": True},
        )


async def set_active(*, account_id: int, active: bool, scope: HallScope, actor_id: int) -> AccountRead:
    async with db.transaction():
        account = await get_account(account_id=account_id, scope=scope)
        if account_id == actor_id and not active:
            raise Conflict("不能停用自己的账号")
        await Account.update({Account.active: active}).where(Account.id == account_id)
        if not active:
            await AccessToken.update({AccessToken.revoked: True}).where(AccessToken.account == account_id)
        await audit.record(
            "account.activate" if active else "account.deactivate",
            subject_type="account",
            subject_id=account_id,
            hall_id=account.hall_id,
            before={"active": account.active},
            after={"active": active},
        )
    return await get_account(account_id=account_id, scope=scope)


async def ensure_admin(*, password: str | None) -> str | None:
    """Create the system admin on first start. Returns the password to print once when it
    was generated here, else None (the admin existed, or the password came from outside)."""
    async with db.transaction():
        # App processes started together (uvicorn --workers) would each find no admin.
        await db.lock(FIRST_START_LOCK, 0)
        if await Account.exists().where(Account.role == Role.ADMIN):
            return None
        generated = password is None
        if password is not None:
            check_password(password, username=ADMIN_USERNAME)
        chosen = password or secrets.token_urlsafe(12)
        admin = Account(
            username=ADMIN_USERNAME,
            password_hash=hash_password(chosen),
            role=Role.ADMIN,
            display_name="系统管理员",
        )
        await admin.save()
        await audit.record(
            "account.create.first_start",
            subject_type="account",
            subject_id=admin.id,
            hall_id=None,
            after={"username": ADMIN_USERNAME, "role": Role.ADMIN},
        )
    return chosen if generated else None


# ---- sessions and tokens in force, for the admin -------------------------------------


def _in_force(now: dt.datetime):
    return (
        (AccessToken.revoked == False)  # noqa: E712 (a Piccolo column expression)
        & (AccessToken.expires_at.is_null() | (AccessToken.expires_at > now))
        & (
            (AccessToken.kind != TokenKind.SESSION)
            | AccessToken.last_used_at.is_null()
            | (AccessToken.last_used_at > now - SESSION_IDLE)
        )
    )


def _in_scope(scope: HallScope):
    # A director reaches the accounts of their halls; only the admin sees the admins'.
    return AccessToken.account.hall.is_in(list(scope) or [-1]) if scope is not None else None


async def list_tokens(*, scope: HallScope, now: dt.datetime) -> list[TokenInfo]:
    """Sessions and API tokens (device secrets among them) still in force, newest use first."""
    query = (
        AccessToken.select(
            AccessToken.id,
            AccessToken.kind,
            AccessToken.label,
            AccessToken.created_at,
            AccessToken.last_used_at,
            AccessToken.expires_at,
            AccessToken.account.id.as_alias("account_id"),
            *(
                getattr(AccessToken.account, name).as_alias(name)
                for name in ("username", "display_name", "role")
            ),
            AccessToken.account.hall.as_alias("hall_id"),
        )
        .where(_in_force(now))
        .order_by(AccessToken.account.username)
        .order_by(AccessToken.id)
    )
    if scope is not None:
        query = query.where(_in_scope(scope))
    return [TokenInfo(**row) for row in await query]


async def _revocable(*, account_id: int, scope: HallScope) -> AccountRead:
    account = await get_account(account_id=account_id, scope=scope)
    if account.role == Role.DEVICE:
        # Revoked alone, a device's secret would leave the terminal dead with nothing to
        # replace it: the device page replaces it, or revokes the device.
        raise Conflict("终端设备的密钥请在设备页面更换或停用设备")
    return account


async def revoke_token_by_id(*, token_id: int, scope: HallScope) -> None:
    """End one session or API token of an account the caller manages."""
    async with db.transaction():
        row = await AccessToken.select(AccessToken.account).where(AccessToken.id == token_id).first()
        if row is None:
            raise NotFound("没有找到编号为 {id} 的登录会话或令牌", id=token_id)
        try:
            account = await _revocable(account_id=row["account"], scope=scope)
        except NotFound:
            raise NotFound("没有找到编号为 {id} 的登录会话或令牌", id=token_id) from None
        await AccessToken.update({AccessToken.revoked: True}).where(AccessToken.id == token_id)
        await audit.record(
            "account.token.revoke",
            subject_type="account",
            subject_id=account.id,
            hall_id=account.hall_id,
            after={"token_id": token_id, "revoked": True},
        )


async def sign_out_everywhere(*, account_id: int, scope: HallScope) -> None:
    """End every session and API token of an account."""
    async with db.transaction():
        account = await _revocable(account_id=account_id, scope=scope)
        await AccessToken.update({AccessToken.revoked: True}).where(AccessToken.account == account_id)
        await audit.record(
            "account.token.revoke_all",
            subject_type="account",
            subject_id=account_id,
            hall_id=account.hall_id,
            after={"revoked": "all"},
        )
