"""Accounts, passwords, login sessions and API tokens.

Passwords are hashed with Argon2 (argon2-cffi). Sessions and API tokens are random strings
handed to the client once; only their SHA-256 is stored, so a leaked database holds no
usable credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hall import db
from hall.errors import AuthenticationFailed, Conflict, InvalidInput, NotAllowed, NotFound
from hall.roles import Role
from hall.schemas import AccountCreate, AccountRead
from hall.services import HallScope, get_hall, get_staff
from hall.tables import AccessToken, Account, TokenKind

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong name costs as long as a
# wrong password and response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not a real password")
# last_used_at is refreshed at most this often: a write per request would serialise
# every page view behind SQLite's single writer.
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=5)
ADMIN_USERNAME = "admin"


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


async def authenticate(*, username: str, password: str, now: dt.datetime) -> Principal:
    row = await Account.select().where(Account.username == username).first()
    if row is None:
        _password_matches(_DUMMY_HASH, password)
        raise AuthenticationFailed("用户名或密码不正确")
    if not _password_matches(row["password_hash"], password) or not row["active"]:
        raise AuthenticationFailed("用户名或密码不正确")
    changes = {Account.last_login_at: now}
    if _hasher.check_needs_rehash(row["password_hash"]):
        changes[Account.password_hash] = hash_password(password)
    await Account.update(changes).where(Account.id == row["id"])
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
    if row["last_used_at"] is None or now - row["last_used_at"] > TOKEN_TOUCH_INTERVAL:
        await AccessToken.update({AccessToken.last_used_at: now}).where(AccessToken.id == row["id"])
    return _principal({**row, "id": row["account_id"]})


async def revoke_token(*, token: str) -> None:
    await AccessToken.update({AccessToken.revoked: True}).where(AccessToken.token_hash == _digest(token))


async def purge_expired_tokens(*, now: dt.datetime) -> int:
    """Delete sessions and tokens that expired or were revoked; returns how many."""
    expired = (AccessToken.expires_at.is_not_null() & (AccessToken.expires_at <= now)) | (
        AccessToken.revoked == True  # noqa: E712 (a Piccolo column expression)
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
    return await get_account(account_id=account.id, scope=None)


async def set_password(*, account_id: int, password: str, scope: HallScope) -> None:
    async with db.transaction():
        await get_account(account_id=account_id, scope=scope)
        await Account.update({Account.password_hash: hash_password(password)}).where(Account.id == account_id)
        # A new password ends every session opened with the old one.
        await AccessToken.update({AccessToken.revoked: True}).where(
            (AccessToken.account == account_id) & (AccessToken.kind == TokenKind.SESSION)
        )


async def set_active(*, account_id: int, active: bool, scope: HallScope, actor_id: int) -> AccountRead:
    async with db.transaction():
        await get_account(account_id=account_id, scope=scope)
        if account_id == actor_id and not active:
            raise Conflict("不能停用自己的账号")
        await Account.update({Account.active: active}).where(Account.id == account_id)
        if not active:
            await AccessToken.update({AccessToken.revoked: True}).where(AccessToken.account == account_id)
    return await get_account(account_id=account_id, scope=scope)


async def ensure_admin(*, password: str | None) -> str | None:
    """Create the system admin on first start. Returns the password to print once when it
    was generated here, else None (the admin existed, or the password came from outside)."""
    async with db.transaction():
        if await Account.exists().where(Account.role == Role.ADMIN):
            return None
        generated = password is None
        chosen = password or secrets.token_urlsafe(12)
        await Account(
            username=ADMIN_USERNAME,
            password_hash=hash_password(chosen),
            role=Role.ADMIN,
            display_name="系统管理员",
        ).save()
    return chosen if generated else None
