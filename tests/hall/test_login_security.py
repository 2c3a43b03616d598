"""Issue 9, accounts: the login throttle, the password rules, idle sessions, and what a
password change or a deactivation ends, on the real database."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from hall import accounts, login_rules
from hall.accounts import LockedOut
from hall.config import get_config
from hall.errors import AuthenticationFailed, InvalidInput
from hall.passwords import password_problem
from hall.roles import Role
from hall.schemas import AccountCreate
from hall.tables import AccessToken, Account, LoginFailure, TokenKind
from tests.conftest import PASSWORD, World

NOW = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)
OFFICE = "10.0.0.7"
MINUTE = dt.timedelta(minutes=1)


def _shown(moment: dt.datetime) -> str:
    return moment.astimezone(get_config().timezone).strftime("%H:%M")


async def _fail(username: str, at: dt.datetime, address: str = OFFICE) -> Exception:
    with pytest.raises((AuthenticationFailed, LockedOut)) as refused:
        await accounts.authenticate(username=username, password="wrong password", address=address, now=at)
    return refused.value


# ---- the rule -------------------------------------------------------------------------


def test_five_failures_within_the_window_lock_for_fifteen_minutes_from_the_fifth() -> None:
    failures = [NOW + n * MINUTE for n in range(5)]
    until = NOW + 4 * MINUTE + login_rules.LOCKOUT
    assert login_rules.locked_until(failures, limit=5, now=NOW + 5 * MINUTE) == until
    assert login_rules.locked_until(failures, limit=5, now=until) is None


def test_failures_spread_wider_than_the_window_do_not_lock() -> None:
    failures = [NOW + n * 4 * MINUTE for n in range(5)]  # five over 16 minutes
    assert login_rules.locked_until(failures, limit=5, now=NOW + 17 * MINUTE) is None


def test_four_failures_do_not_lock() -> None:
    assert login_rules.locked_until([NOW] * 4, limit=5, now=NOW) is None


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short-pw9", "密码至少需要 {length} 个字符"),
        ("12345678901", "密码不能全是数字"),
        ("Test_Clerk_1", "密码不能与用户名相同"),
        ("Password123", "这个密码太常见，容易被猜到，请换一个"),
        ("qwertyuiop", "这个密码太常见，容易被猜到，请换一个"),
        ("correct-horse-battery", None),
    ],
)
def test_the_password_rules(password: str, problem: str | None) -> None:
    assert password_problem(password, username="test_clerk_1") == problem


# ---- the throttle ---------------------------------------------------------------------


async def test_the_fifth_failure_locks_and_the_right_password_is_refused_too(world: World) -> None:
    for n in range(4):
        assert isinstance(await _fail("test_clerk", NOW + n * MINUTE), AuthenticationFailed)
    fifth = await _fail("test_clerk", NOW + 4 * MINUTE)
    until = NOW + 4 * MINUTE + login_rules.LOCKOUT
    assert isinstance(fifth, LockedOut) and str(fifth) == f"登录失败次数过多，请于 {_shown(until)} 后再试"
    with pytest.raises(LockedOut, match=_shown(until)):
        await accounts.authenticate(
            username="test_clerk", password=PASSWORD, address="10.9.9.9", now=until - MINUTE
        )
    user = await accounts.authenticate(username="test_clerk", password=PASSWORD, address=OFFICE, now=until)
    assert user.role == Role.CLERK


async def test_an_unknown_username_is_counted_and_answered_like_a_known_one(world: World) -> None:
    known = [str(await _fail("test_clerk", NOW + n * MINUTE)) for n in range(5)]
    unknown = [str(await _fail("no_such_user", NOW + n * MINUTE)) for n in range(5)]
    assert known == unknown
    assert known[-1].startswith("登录失败次数过多")


async def test_a_successful_login_clears_the_usernames_failures(world: World) -> None:
    for n in range(4):
        await _fail("test_clerk", NOW + n * MINUTE)
    await accounts.authenticate(
        username="test_clerk", password=PASSWORD, address=OFFICE, now=NOW + 4 * MINUTE
    )
    assert await LoginFailure.count().where(LoginFailure.username == "test_clerk") == 0
    assert isinstance(await _fail("test_clerk", NOW + 5 * MINUTE), AuthenticationFailed)


async def test_one_address_trying_many_usernames_is_locked_out(world: World) -> None:
    for n in range(login_rules.FAILURES_PER_ADDRESS - 1):
        await _fail(f"guess{n}", NOW + n * dt.timedelta(seconds=10))
    last = await _fail("guess_last", NOW + 4 * MINUTE)
    assert isinstance(last, LockedOut)
    with pytest.raises(LockedOut):
        await accounts.authenticate(
            username="test_clerk", password=PASSWORD, address=OFFICE, now=NOW + 5 * MINUTE
        )
    # Another machine is not held up by it.
    user = await accounts.authenticate(
        username="test_clerk", password=PASSWORD, address="10.0.0.8", now=NOW + 5 * MINUTE
    )
    assert user.username == "test_clerk"


async def test_old_failures_are_deleted_as_new_ones_come(world: World) -> None:
    await _fail("test_clerk", NOW)
    await _fail("test_clerk", NOW + login_rules.LOOK_BACK + MINUTE)
    assert await LoginFailure.count() == 1


# ---- where passwords are set ----------------------------------------------------------


async def test_an_account_is_not_created_with_a_weak_password(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await accounts.create_account(
            data=AccountCreate(
                username="new_clerk",
                password="1234567890",
                role=Role.CLERK,
                display_name="新考勤员",
                hall_id=world.town.id,
            ),
            scope=None,
        )
    (error,) = refused.value.errors
    assert (error.field, error.label, error.message) == ("password", "密码", "密码不能全是数字")


async def test_a_password_is_not_changed_to_a_common_one(world: World) -> None:
    with pytest.raises(InvalidInput):
        await accounts.set_password(
            account_id=world.account_ids[Role.CLERK], password="password123", scope=None
        )


async def test_a_given_admin_password_follows_the_rules(world: World) -> None:
    await Account.delete().where(Account.role == Role.ADMIN)
    with pytest.raises(InvalidInput):
        await accounts.ensure_admin(password="admin12345")
    assert await accounts.ensure_admin(password="a long admin secret") is None


async def test_app_processes_started_together_make_one_admin(world: World) -> None:
    """uvicorn --workers 4 on a new database: every process runs the first start at once."""
    await Account.delete().where(Account.role == Role.ADMIN)
    made = await asyncio.gather(*(accounts.ensure_admin(password=None) for _ in range(4)))
    assert sum(password is not None for password in made) == 1
    assert await Account.count().where(Account.role == Role.ADMIN) == 1


# ---- sessions -------------------------------------------------------------------------


async def _session(world: World, role: Role, now: dt.datetime, kind: TokenKind = TokenKind.SESSION) -> str:
    token, _ = await accounts.issue_token(
        account_id=world.account_ids[role], kind=kind, now=now, lifetime=dt.timedelta(hours=12)
    )
    return token


async def test_a_session_unused_for_two_hours_ends(world: World) -> None:
    token = await _session(world, Role.CLERK, NOW)
    assert await accounts.principal_for_token(token=token, now=NOW + 2 * dt.timedelta(hours=1)) is not None
    later = NOW + 2 * dt.timedelta(hours=1) + accounts.SESSION_IDLE + MINUTE
    assert await accounts.principal_for_token(token=token, now=later) is None


async def test_an_api_token_has_no_idle_limit(world: World) -> None:
    token = await _session(world, Role.CLERK, NOW, TokenKind.API)
    assert await accounts.principal_for_token(token=token, now=NOW + dt.timedelta(hours=6)) is not None


async def test_use_is_recorded_at_most_once_a_minute(world: World) -> None:
    token = await _session(world, Role.CLERK, NOW)

    async def last_used() -> dt.datetime:
        newest = AccessToken.select(AccessToken.last_used_at).order_by(AccessToken.id, ascending=False)
        return (await newest.first())["last_used_at"]

    await accounts.principal_for_token(token=token, now=NOW + dt.timedelta(seconds=50))
    assert await last_used() == NOW
    await accounts.principal_for_token(token=token, now=NOW + dt.timedelta(seconds=70))
    assert await last_used() == NOW + dt.timedelta(seconds=70)


async def test_a_new_password_ends_the_accounts_sessions_and_api_tokens(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    api = await _session(world, Role.CLERK, now, TokenKind.API)
    other = await _session(world, Role.INSPECTOR, now)
    await accounts.set_password(
        account_id=world.account_ids[Role.CLERK], password="a new long secret", scope=None
    )
    assert await accounts.principal_for_token(token=world.tokens[Role.CLERK], now=now) is None
    assert await accounts.principal_for_token(token=api, now=now) is None
    assert await accounts.principal_for_token(token=other, now=now) is not None


async def test_a_new_password_for_a_device_account_keeps_its_secret(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    await accounts.set_password(
        account_id=world.account_ids[Role.DEVICE], password="a new long secret", scope=None
    )
    assert await accounts.principal_for_token(token=world.tokens[Role.DEVICE], now=now) is not None


async def test_deactivating_an_account_ends_its_api_tokens(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    api = await _session(world, Role.CLERK, now, TokenKind.API)
    await accounts.set_active(
        account_id=world.account_ids[Role.CLERK],
        active=False,
        scope=None,
        actor_id=world.account_ids[Role.ADMIN],
    )
    assert await accounts.principal_for_token(token=api, now=now) is None
