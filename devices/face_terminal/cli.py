"""The command line: arguments, the frame loop with the sender and the gallery sync in the
background, and the exit status."""

from __future__ import annotations

import argparse
import os
import threading
import time
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from attendance import faces
from devices.face_terminal.capture import InputError, frames_of
from devices.face_terminal.console import _announce
from devices.face_terminal.gallery import GalleryCache, GallerySync, Sync
from devices.face_terminal.outbox import Outbox
from devices.face_terminal.recognition import Recognizer, Terminal, terminal_id
from devices.face_terminal.server import Drain, Sender, ServerApi

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_QUEUED = 3
EXIT_DEVICE_REFUSED = 4
EXIT_NO_GALLERY = 5

DEFAULT_STATE_DIR = Path.home() / ".hall-face-terminal"
TOKEN_VARIABLE = "FACE_TERMINAL_TOKEN"
SYNC_RETRY_SECONDS = 30.0


class Background(threading.Thread):
    """The sender and the gallery sync, off the frame loop: a slow network must not stall
    recognition. Woken when a punch is queued."""

    def __init__(
        self, *, sender: Sender, sync: GallerySync, recognizer: Recognizer, sync_seconds: float
    ) -> None:
        super().__init__(name="face-terminal-sender", daemon=True)
        self.sender = sender
        self.sync = sync
        self.recognizer = recognizer
        self.sync_seconds = sync_seconds
        self.wake = threading.Event()
        self._stopping = threading.Event()

    def run(self) -> None:
        next_sync = time.monotonic() + self.sync_seconds
        while not self._stopping.is_set():
            if time.monotonic() >= next_sync:
                try:
                    result = self.sync.sync()
                except Exception as error:  # keep the thread alive whatever happens
                    _announce(f"同步人脸库出错：{error}")
                    result = Sync.UNREACHABLE
                if self.sync.known is not None:
                    self.recognizer.known = self.sync.known
                retry = result in (Sync.UNREACHABLE, Sync.DEVICE_REFUSED)
                next_sync = time.monotonic() + (
                    min(self.sync_seconds, SYNC_RETRY_SECONDS) if retry else self.sync_seconds
                )
            if self.sender.due() and self.sender.outbox.count():
                try:
                    self.sender.drain()
                except Exception as error:
                    _announce(f"发送打卡出错：{error}")
            wait = min(next_sync, max(self.sender.next_try, time.monotonic() + 1), time.monotonic() + 30)
            self.wake.wait(max(0.1, wait - time.monotonic()))
            self.wake.clear()

    def stop(self, timeout: float) -> None:
        self._stopping.set()
        self.wake.set()
        self.join(timeout)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devices.face_terminal",
        description="Face clock-in terminal: recognises staff locally and sends punches to the hall system.",
    )
    parser.add_argument(
        "--server", required=True, help="base URL of the hall system, e.g. https://hall.example"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_VARIABLE),
        help=f"the device secret shown when the terminal was registered (default: ${TOKEN_VARIABLE})",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--camera", type=int, metavar="N", help="capture from camera number N")
    source.add_argument("--video", type=Path, metavar="FILE", help="read frames from a video file")
    source.add_argument("--images", type=Path, metavar="DIR", help="each image in DIR, by name, is one frame")
    parser.add_argument("--loop", action="store_true", help="with --images: start over after the last image")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between analysed frames (0.5)")
    parser.add_argument("--sync-seconds", type=float, default=300, help="seconds between gallery syncs (300)")
    parser.add_argument("--timezone", default="Asia/Shanghai", help="the hall's time zone (Asia/Shanghai)")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=DEFAULT_STATE_DIR,
        help="gallery cache and outbox (~/.hall-face-terminal)",
    )
    parser.add_argument("--timeout", type=float, default=10, help="seconds to wait for the server (10)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--once",
        action="store_true",
        help="process the images or the video to its end, send what is queued once, and exit "
        "(0: all sent; 3: punches still queued; 4: the server refused the secret; 5: no gallery)",
    )
    mode.add_argument(
        "--drain-only", action="store_true", help="only send what is queued, then exit (as --once)"
    )
    return parser


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.token:
        parser.error(f"--token (or ${TOKEN_VARIABLE}) is required")
    if not args.drain_only and args.camera is None and args.video is None and args.images is None:
        parser.error("one of --camera, --video, --images (or --drain-only) is required")
    if args.once and (args.camera is not None or args.loop):
        parser.error("--once needs a finite input: --video or --images without --loop")
    if args.video is not None and not args.video.is_file():
        parser.error(f"no such video file: {args.video}")
    if args.images is not None and not args.images.is_dir():
        parser.error(f"no such folder: {args.images}")
    if args.interval < 0 or args.sync_seconds <= 0 or args.timeout <= 0:
        parser.error("--interval, --sync-seconds and --timeout must be positive")
    try:
        args.zone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        parser.error(f"unknown time zone: {args.timezone}")
    return args


def _exit_status(result: Drain, outbox: Outbox) -> int:
    queued = outbox.count()
    if not queued:
        return EXIT_OK
    _announce(f"还有 {queued} 条打卡保存在本机队列中，等待发送")
    return EXIT_DEVICE_REFUSED if result is Drain.DEVICE_REFUSED else EXIT_QUEUED


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # face_recognition_models imports pkg_resources, which warns on every start.
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    outbox = Outbox(args.state_dir / "outbox.sqlite")
    api = ServerApi(args.server, args.token, timeout=args.timeout)
    sender = Sender(api, outbox)
    try:
        if args.drain_only:
            return _exit_status(sender.drain(), outbox)
        return _run(args, api=api, outbox=outbox, sender=sender)
    except InputError:
        return EXIT_USAGE
    finally:
        api.close()
        outbox.close()


def _run(args: argparse.Namespace, *, api: ServerApi, outbox: Outbox, sender: Sender) -> int:
    sync = GallerySync(api, GalleryCache(args.state_dir / "gallery.json", server=api.url))
    sync.load_cached()
    sync.sync()
    if args.once and sync.known is None:
        # Nothing to recognise with; punches queued before may still go.
        _exit_status(sender.drain(), outbox)
        return EXIT_NO_GALLERY
    recognizer = Recognizer(sync.known)
    terminal = Terminal(
        recognizer=recognizer, outbox=outbox, terminal_tag=terminal_id(args.state_dir), timezone=args.zone
    )
    faces.warm()
    frames = frames_of(args)
    if args.once:
        for frame in frames:
            terminal.look(frame)
        return _exit_status(sender.drain(), outbox)
    background = Background(sender=sender, sync=sync, recognizer=recognizer, sync_seconds=args.sync_seconds)
    background.start()
    _announce("人脸考勤终端已启动，按 Ctrl+C 退出")
    try:
        for frame in frames:
            if terminal.look(frame):
                background.wake.set()
    except KeyboardInterrupt:
        pass
    finally:
        background.stop(timeout=args.timeout + 5)
    _announce("人脸考勤终端已退出")
    return _exit_status(sender.drain(), outbox)
