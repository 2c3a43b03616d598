"""The push terminals' HTTP endpoints under /iclock/ (ZKTeco PUSH / ADMS): the handshake,
uploads, the heartbeat that carries commands, and command results. Terminals are known by
their SN only (the protocol has nothing else), speak plain text and retry until they read
OK; see devices/README.md.

After a batch of punches is answered, this process recomputes the days it touched in the
background, one hall at a time; a cron job and every read of verdicts do it too, so a
process that stops in between loses nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from litestar import Controller, Request, Response, get, post

from attendance import verdicts
from devices.push import commands, ingest, protocol
from devices.push.terminals import Terminal, terminal_for
from hall.config import Config
from hall.errors import DomainError, NotAllowed
from web.guards import BY_SERIAL_NUMBER
from web.pages import config

log = logging.getLogger(__name__)
TEXT = "text/plain; charset=utf-8"


class Settler:
    """Recomputes the days that this process's batches marked, one hall at a time, halls in
    the order their batches came. A batch now and then is recomputed at once. Under a flood
    (twenty terminals sending backlogs) the other halls' batches gather while one hall is
    recomputed, and a hall's next recompute takes all of its batches that came meanwhile: a
    recompute costs about as much as storing a batch, and one per batch took more than half
    of the server's time (bench/push_ingest.py). A batch arriving during its hall's
    recompute queues the hall again. Reads of verdicts settle what is pending themselves,
    so the wait is never seen in one."""

    def __init__(self) -> None:
        self._waiting: dict[int, Config] = {}  # in order of arrival
        self._task: asyncio.Task[None] | None = None

    def soon(self, hall_id: int, config: Config) -> None:
        self._waiting.setdefault(hall_id, config)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while self._waiting:
            hall_id = next(iter(self._waiting))
            config = self._waiting.pop(hall_id)
            try:
                await verdicts.settle_pending(now=config.local_now(), hall_id=hall_id)
            except Exception:
                log.exception("recomputing hall %s after a push batch failed; the cron job retries", hall_id)

    async def drain(self) -> None:
        while self._task is not None and not self._task.done():
            await asyncio.gather(self._task, return_exceptions=True)


SETTLER = Settler()


def _text(content: str, status_code: int = 200) -> Response[str]:
    return Response(content=content, media_type=TEXT, status_code=status_code)


def _refused(request: Request, error: DomainError) -> Response[str]:
    # In Chinese, the product's language: a terminal shows none of it, its installer's
    # logs and proxies do.
    return _text(str(error), error.status_code)


async def _terminal(request: Request) -> Terminal:
    serial = request.query_params.get("SN", "")
    if not serial:
        raise NotAllowed("请求缺少设备序列号（SN）")
    settings = config(request)
    return await terminal_for(
        serial_number=serial,
        address=request.client.host if request.client else "",
        info=request.query_params.get("INFO", ""),
        park_unknown=settings.park_unknown_devices,
        now=dt.datetime.now(dt.UTC),
    )


class Iclock(Controller):
    path = "/iclock"
    opt = BY_SERIAL_NUMBER
    # A refused terminal reads plain text, like every answer here.
    exception_handlers = {DomainError: _refused}
    include_in_schema = False

    @get("/cdata")
    async def handshake(self, request: Request) -> Response[str]:
        """`?SN=...&options=all`: the terminal starts; it is told its options and gets the
        hall's users and the time queued."""
        terminal = await _terminal(request)
        settings = config(request)
        now = dt.datetime.now(dt.UTC)
        await commands.queue_set_time(device_id=terminal.id, now=now)
        await commands.sync_users(
            device_id=terminal.id, hall_id=terminal.hall_id, today=settings.local_now().date(), now=now
        )
        return _text(
            protocol.handshake(
                serial_number=terminal.serial_number,
                stamps=terminal.stamps,
                timezone_hours=protocol.timezone_hours(settings.timezone.utcoffset(dt.datetime.now())),
                delay_seconds=settings.push_delay_seconds,
            )
        )

    @post("/cdata")
    async def upload(self, request: Request) -> Response[str]:
        """`?SN=...&table=ATTLOG|OPERLOG|ATTPHOTO&Stamp=...`: answered `OK: <n>` once stored."""
        terminal = await _terminal(request)
        settings = config(request)
        table = request.query_params.get("table", "").upper()
        stamp = request.query_params.get("Stamp", "")
        body = await request.body()
        now = dt.datetime.now(dt.UTC)
        if table == "ATTLOG":
            received = await ingest.receive_attlog(
                terminal=terminal, body=body, stamp=stamp, now=now, local_now=settings.local_now()
            )
            if received.stored:
                SETTLER.soon(terminal.hall_id, settings)
        elif table == "OPERLOG":
            received = await ingest.receive_operlog(terminal=terminal, body=body, stamp=stamp, now=now)
        elif table == "ATTPHOTO":
            received = await ingest.receive_attphoto(
                terminal=terminal,
                body=body,
                stamp=stamp,
                now=now,
                media_dir=settings.media_dir,
                max_pixels=settings.max_image_pixels,
            )
        else:
            # Tables we do not keep (options, biometric data of newer firmware): acknowledged
            # so that the terminal moves on.
            log.info("%s sent table %r: acknowledged, not kept", terminal.serial_number, table)
            return _text("OK")
        return _text(f"OK: {received.accepted}")

    @get("/getrequest")
    async def heartbeat(self, request: Request) -> Response[str]:
        """Every few seconds: the commands waiting for the terminal, or OK."""
        terminal = await _terminal(request)
        lines = await commands.hand_out(
            device_id=terminal.id, now=dt.datetime.now(dt.UTC), local_now=config(request).local_now()
        )
        return _text(protocol.command_lines(lines))

    @post("/devicecmd")
    async def results(self, request: Request) -> Response[str]:
        """`ID=<id>&Return=<code>&CMD=<command>` per command run."""
        terminal = await _terminal(request)
        results = protocol.parse_results(protocol.decode(await request.body()))
        await commands.record_results(device_id=terminal.id, results=results, now=dt.datetime.now(dt.UTC))
        return _text("OK")

    @get("/ping")
    async def ping(self, request: Request) -> Response[str]:
        """Some firmware checks the server is there during a long upload."""
        await _terminal(request)
        return _text("OK")


ROUTES = [Iclock]
