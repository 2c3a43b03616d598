"""The device registry: the admin registers a terminal for a hall, hands it its secret
once, replaces the secret or revokes the device. A device acts through an account of role
`device` made for it; its secret is that account's API token, so the authentication every
request already passes through refuses a revoked device from the next request on."""

from __future__ import annotations

import datetime as dt
import secrets

from devices.schemas import DeviceCreate, DeviceRead, DeviceSecret
from devices.tables import Device, DeviceKind, ParkedDevice
from hall import audit, db
from hall.accounts import Principal, hash_password, issue_token
from hall.errors import Conflict, InvalidInput, NotAllowed, NotFound
from hall.roles import Role
from hall.services import HallScope, get_hall
from hall.tables import AccessToken, Account, TokenKind, Window

SECRET_LABEL = "设备密钥"


def _query():
    return (
        Device.select(
            Device.all_columns(),
            Device.hall.name.as_alias("hall_name"),
            Device.window.name.as_alias("window_name"),
        )
        .order_by(Device.hall)
        .order_by(Device.name)
    )


def _device_read(row: dict, last_used_at: dt.datetime | None) -> DeviceRead:
    return DeviceRead(
        id=row["id"],
        hall_id=row["hall"],
        hall_name=row["hall_name"],
        name=row["name"],
        kind=row["kind"],
        kind_label=DeviceKind(row["kind"]).label,
        account_id=row["account"],
        active=row["active"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        last_used_at=last_used_at,
        serial_number=row["serial_number"],
        window_id=row["window"],
        window_name=row["window_name"],
        last_contact_at=row["last_contact_at"],
        clock_offset=row["clock_offset"],
        info=row["info"],
    )


async def _read(rows: list[dict]) -> list[DeviceRead]:
    """Devices with when their secret was last seen (for the admin's list)."""
    last_used: dict[int, dt.datetime] = {}
    if rows:
        tokens = await AccessToken.select(AccessToken.account, AccessToken.last_used_at).where(
            AccessToken.account.is_in([row["account"] for row in rows]) & (AccessToken.revoked == False)  # noqa: E712
        )
        for token in tokens:
            if token["last_used_at"] is not None:
                seen = last_used.get(token["account"])
                last_used[token["account"]] = (
                    max(seen, token["last_used_at"]) if seen else token["last_used_at"]
                )
    return [_device_read(row, last_used.get(row["account"])) for row in rows]


async def list_devices(*, scope: HallScope) -> list[DeviceRead]:
    query = _query()
    if scope is not None:
        query = query.where(Device.hall.is_in(list(scope) or [-1]))
    return await _read(await query)


async def get_device(*, device_id: int, scope: HallScope) -> DeviceRead:
    row = await _query().where(Device.id == device_id).first()
    if row is None or (scope is not None and row["hall"] not in scope):
        raise NotFound("没有找到编号为 {id} 的设备", id=device_id)
    return (await _read([row]))[0]


async def _new_secret(*, account_id: int, now: dt.datetime) -> str:
    # A device secret does not expire: the admin replaces or revokes it.
    secret, _ = await issue_token(
        account_id=account_id, kind=TokenKind.API, now=now, lifetime=None, label=SECRET_LABEL, used_now=False
    )
    return secret


async def _kind_fields(data: DeviceCreate) -> tuple[str | None, int | None]:
    """The SN of a push terminal and the window of an evaluator; other kinds have neither."""
    if data.kind == DeviceKind.PUSH_TERMINAL:
        if not data.serial_number:
            raise InvalidInput.single("serial_number", "序列号（SN）", "考勤机必须填写序列号（SN）")
        serial = data.serial_number.upper()
        if await Device.exists().where(Device.serial_number == serial):
            raise Conflict("序列号为 {sn} 的考勤机已经登记", sn=serial)
        return serial, None
    if data.kind == DeviceKind.EVALUATOR:
        if data.window_id is None:
            raise InvalidInput.single("window_id", "窗口", "评价器必须指定所在窗口")
        window = await Window.select(Window.hall, Window.active).where(Window.id == data.window_id).first()
        if window is None or window["hall"] != data.hall_id:
            raise InvalidInput.single("window_id", "窗口", "本中心没有这个窗口")
        if not window["active"]:
            raise InvalidInput.single("window_id", "窗口", "这个窗口已停用")
        return None, data.window_id
    return None, None


async def register_device(
    *, data: DeviceCreate, scope: HallScope, actor_id: int | None, now: dt.datetime
) -> DeviceSecret:
    """Register a terminal. A push terminal waiting among the parked ones is approved by
    registering its SN: it is no longer parked, and its next push is stored."""
    async with db.transaction():
        await get_hall(hall_id=data.hall_id, scope=scope)
        if await Device.exists().where((Device.hall == data.hall_id) & (Device.name == data.name)):
            raise Conflict("本中心已有名为 {name} 的设备", name=data.name)
        serial_number, window_id = await _kind_fields(data)
        account = Account(
            username=f"device-{secrets.token_hex(6)}",
            # Nobody knows this password: a device signs in with its secret only.
            password_hash=hash_password(secrets.token_urlsafe(32)),
            role=Role.DEVICE,
            display_name=data.name,
            hall=data.hall_id,
        )
        await account.save()
        device = Device(
            hall=data.hall_id,
            name=data.name,
            kind=data.kind,
            account=account.id,
            created_by=actor_id,
            serial_number=serial_number,
            window=window_id,
        )
        await db.write(device.save())
        if serial_number is None:
            secret = await _new_secret(account_id=account.id, now=now)
        else:
            secret = None
            await ParkedDevice.delete().where(ParkedDevice.serial_number == serial_number)
        await audit.record(
            "device.register",
            subject_type="device",
            subject_id=device.id,
            hall_id=data.hall_id,
            after={
                "name": data.name,
                "kind": data.kind,
                "serial_number": serial_number,
                "window_id": window_id,
            },
        )
    return DeviceSecret(device=await get_device(device_id=device.id, scope=None), secret=secret)


async def _revoke_secrets(account_id: int) -> None:
    await AccessToken.update({AccessToken.revoked: True}).where(AccessToken.account == account_id)


async def replace_secret(*, device_id: int, scope: HallScope, now: dt.datetime) -> DeviceSecret:
    """A new secret; the old one is refused from now on (a terminal stolen or reinstalled)."""
    async with db.transaction():
        device = await get_device(device_id=device_id, scope=scope)
        if not device.active:
            raise Conflict("设备已停用，不能更换密钥")
        if device.kind == DeviceKind.PUSH_TERMINAL:
            raise Conflict("考勤机按序列号（SN）识别，没有密钥")
        await _revoke_secrets(device.account_id)
        secret = await _new_secret(account_id=device.account_id, now=now)
        # The secret itself is never recorded, only that it changed.
        await audit.record(
            "device.secret.replace",
            subject_type="device",
            subject_id=device_id,
            hall_id=device.hall_id,
            after={"secret_changed": True},
        )
    return DeviceSecret(device=await get_device(device_id=device_id, scope=scope), secret=secret)


async def revoke_device(*, device_id: int, scope: HallScope, now: dt.datetime) -> DeviceRead:
    async with db.transaction():
        device = await get_device(device_id=device_id, scope=scope)
        await Device.update({Device.active: False, Device.revoked_at: device.revoked_at or now}).where(
            Device.id == device_id
        )
        await Account.update({Account.active: False}).where(Account.id == device.account_id)
        await _revoke_secrets(device.account_id)
        await audit.record(
            "device.deactivate",
            subject_type="device",
            subject_id=device_id,
            hall_id=device.hall_id,
            before={"active": device.active},
            after={"active": False},
        )
    return await get_device(device_id=device_id, scope=scope)


async def calling_device(principal: Principal, kinds: frozenset[DeviceKind]) -> DeviceRead:
    """The registered, active device behind a caller of role `device`, of one of `kinds`."""
    row = await _query().where(Device.account == principal.account_id).first()
    if row is None or not row["active"]:
        raise NotAllowed("此账号不是已登记的设备")
    # Called on every request a terminal makes: the last-used time is not read here.
    device = _device_read(row, None)
    if device.kind not in kinds:
        raise NotAllowed("此设备类型（{kind}）不能进行此操作", kind=device.kind_label)
    return device
