"""The frames to recognise: from a camera, a video file or a folder of images."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from devices.face_terminal.console import _announce

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


class InputError(Exception):
    """The camera, video or folder given cannot be read (the operator has been told)."""


def image_frames(folder: Path, *, loop: bool, interval: float, paced: bool) -> Iterator[np.ndarray]:
    """Each image file in the folder, in name order, as one BGR frame."""
    if not folder.is_dir():
        _announce(f"无法打开图片目录：{folder}")
        raise InputError(folder)
    paths = sorted(path for path in folder.iterdir() if path.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        _announce(f"目录 {folder} 中没有图片")
        return
    while True:
        for path in paths:
            # imdecode, not imread: imread cannot open non-ASCII paths on Windows.
            frame = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
            if frame is None:
                _announce(f"无法读取图片 {path.name}，已跳过")
                continue
            yield frame
            if paced:
                time.sleep(interval)
        if not loop:
            return


def video_frames(
    open_capture: Callable[[], cv2.VideoCapture], *, camera: bool, interval: float, paced: bool
) -> Iterator[np.ndarray]:
    """Frames at least `interval` seconds apart: of wall-clock time from a camera, of the
    video's own time from a file (played in real time when `paced`)."""
    capture = open_capture()
    if not capture.isOpened():
        _announce("无法打开摄像头" if camera else "无法打开视频文件")
        raise InputError()
    fps = capture.get(cv2.CAP_PROP_FPS) if not camera else 0.0
    started, index, last = time.monotonic(), -1, None
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                if not camera:
                    return
                _announce("摄像头没有画面，2 秒后重试")
                capture.release()
                time.sleep(2)
                capture = open_capture()
                continue
            index += 1
            at = index / fps if fps > 0 else time.monotonic() - started
            if last is not None and at - last < interval:
                continue
            last = at
            if paced and not camera and (ahead := started + at - time.monotonic()) > 0:
                time.sleep(ahead)
            yield frame
    finally:
        capture.release()


def frames_of(args: argparse.Namespace) -> Iterator[np.ndarray]:
    paced = not args.once
    if args.images is not None:
        return image_frames(args.images, loop=args.loop, interval=args.interval, paced=paced)
    if args.video is not None:
        return video_frames(
            lambda: cv2.VideoCapture(str(args.video)), camera=False, interval=args.interval, paced=paced
        )
    return video_frames(
        lambda: cv2.VideoCapture(args.camera), camera=True, interval=args.interval, paced=True
    )
