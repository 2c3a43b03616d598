"""The face terminal program against a real server (uvicorn in a subprocess): it recognises
locally, queues punches on disk while the server is away and sends each exactly once."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import cv2
import httpx
import numpy as np
import pytest

from devices.face_terminal import cli
from devices.face_terminal.capture import video_frames
from devices.face_terminal.outbox import Outbox, QueuedPunch
from hall.config import PROJECT_ROOT
from tests.devices.conftest import DEVICE_NAME, Api, HallSetup, enrol, frames_dir, register_device
from tests.server import AppServer

HALL_ZONE = ZoneInfo("Asia/Shanghai")


def terminal(app_server: AppServer, secret: str, state: Path, *options: str) -> list[str]:
    return [
        "--server",
        app_server.url,
        f"--token={secret}",  # a secret may begin with "-", which argparse takes for an option
        "--state-dir",
        str(state),
        "--timeout",
        "30",  # a loaded test machine is slow; a server that is down refuses at once
        *options,
    ]


def punches(admin: Api, hall_id: int) -> list[dict[str, Any]]:
    today = dt.datetime.now(HALL_ZONE).date()
    return admin.call(
        "GET",
        "/api/attendance/punches",
        params={
            "hall_id": hall_id,
            "start": (today - dt.timedelta(days=1)).isoformat(),
            "end": (today + dt.timedelta(days=1)).isoformat(),
        },
    )


def attempts(admin: Api, hall_id: int) -> list[dict[str, Any]]:
    return admin.call(
        "GET",
        "/api/faces/attempts",
        params={"hall_id": hall_id, "day": dt.datetime.now(HALL_ZONE).date().isoformat()},
    )


def queued(state: Path) -> list[QueuedPunch]:
    outbox = Outbox(state / "outbox.sqlite")
    try:
        return outbox.pending()
    finally:
        outbox.close()


def sync_gallery(app_server: AppServer, hall: HallSetup, state: Path, tmp_path: Path) -> None:
    """Run the terminal once on no frames: it downloads and caches the gallery."""
    empty = tmp_path / "no-frames"
    empty.mkdir(exist_ok=True)
    assert cli.main(terminal(app_server, hall.secret, state, "--images", str(empty), "--once")) == 0
    assert (state / "gallery.json").is_file()


def test_each_person_is_punched_once(
    app_server: AppServer, admin: Api, hall: HallSetup, tmp_path: Path
) -> None:
    enrol(admin, hall.staff["A"]["id"], "obama-1.jpg")
    enrol(admin, hall.staff["B"]["id"], "biden-1.jpg")
    # A twice (the second is within the repeat interval), then B.
    frames = frames_dir(tmp_path / "frames", "obama-2.jpg", "obama-2.jpg", "biden-2.jpg")

    options = terminal(app_server, hall.secret, tmp_path / "state", "--images", str(frames), "--once")
    # As the operator runs it: a program of its own.
    finished = subprocess.run(
        [sys.executable, "-m", "devices.face_terminal", *options],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    recorded = re.findall(r"^(\S+) \d\d:\d\d:\d\d 已记录$", finished.stdout, re.MULTILINE)
    assert recorded == ["王芳", "李强"], finished.stdout
    assert "王芳，刚刚已记录" in finished.stdout
    stored = punches(admin, hall.id)
    assert sorted(p["staff_id"] for p in stored) == sorted([hall.staff["A"]["id"], hall.staff["B"]["id"]])
    assert {(p["source"], p["device"]) for p in stored} == {("face", DEVICE_NAME)}
    # The terminal did not send the repeat: the server saw two faces, both clocked in.
    assert sorted(a["outcome"] for a in attempts(admin, hall.id)) == ["clocked", "clocked"]
    assert queued(tmp_path / "state") == []


def test_punches_wait_on_disk_while_the_server_is_away(
    app_server: AppServer, admin: Api, hall: HallSetup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enrol(admin, hall.staff["A"]["id"], "obama-1.jpg")
    state = tmp_path / "state"
    sync_gallery(app_server, hall, state, tmp_path)
    frames = frames_dir(tmp_path / "frames", "obama-2.jpg")
    capsys.readouterr()

    app_server.stop()
    try:
        status = cli.main(terminal(app_server, hall.secret, state, "--images", str(frames), "--once"))
        said = capsys.readouterr().out
        assert status == cli.EXIT_QUEUED, said
        assert "继续使用本机缓存的人脸库" in said
        assert "王芳" in said and "已记录" in said
        (waiting,) = queued(state)
        assert waiting.payload["staff_id"] == hall.staff["A"]["id"]
        punched_at = dt.datetime.fromisoformat(waiting.payload["punched_at"])
        assert punched_at.utcoffset() == dt.timedelta(hours=8)

        assert cli.main(terminal(app_server, hall.secret, state, "--drain-only")) == 3
        (still,) = queued(state)
        assert still.key == waiting.key
        assert still.attempts == 2 and "Connect" in still.last_error
    finally:
        if not app_server.running:
            app_server.start()

    capsys.readouterr()
    assert cli.main(terminal(app_server, hall.secret, state, "--drain-only")) == 0
    assert "已补发 1 条离线打卡" in capsys.readouterr().out
    assert queued(state) == []
    (stored,) = punches(admin, hall.id)
    assert stored["staff_id"] == hall.staff["A"]["id"]
    assert (stored["source"], stored["device"]) == ("face", DEVICE_NAME)
    # The time the face was seen, not the time the punch reached the server.
    assert dt.datetime.fromisoformat(stored["punched_at"]) == punched_at.replace(tzinfo=None)

    # The reply was lost and the terminal sends it again: the server knows the key.
    again = httpx.post(
        f"{app_server.url}/api/faces/punches",
        json=waiting.payload,
        headers={"Authorization": f"Bearer {hall.secret}"},
        timeout=30,
    )
    assert again.status_code == 200, again.text
    assert again.json()["outcome"] == "clocked"
    assert len(punches(admin, hall.id)) == 1


def test_strangers_and_crowds_are_not_punched(
    app_server: AppServer, admin: Api, hall: HallSetup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enrol(admin, hall.staff["A"]["id"], "obama-1.jpg")
    frames = frames_dir(tmp_path / "frames", "biden-2.jpg", "raw:two-people.jpg")

    status = cli.main(
        terminal(app_server, hall.secret, tmp_path / "state", "--images", str(frames), "--once")
    )

    said = capsys.readouterr().out
    assert status == 0, said
    assert "未能识别，请联系考勤员采集人脸" in said
    assert "画面中有多张人脸，请一人一次" in said
    assert "已记录" not in said
    assert queued(tmp_path / "state") == []
    assert punches(admin, hall.id) == []


def test_a_revoked_terminal_keeps_its_punches(
    app_server: AppServer, admin: Api, hall: HallSetup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    enrol(admin, hall.staff["A"]["id"], "obama-1.jpg")
    state = tmp_path / "state"
    sync_gallery(app_server, hall, state, tmp_path)
    frames = frames_dir(tmp_path / "frames", "obama-2.jpg")
    admin.call("POST", f"/api/devices/{hall.device['id']}/revoke")
    capsys.readouterr()

    status = cli.main(terminal(app_server, hall.secret, state, "--images", str(frames), "--once"))

    said = capsys.readouterr().out
    assert status == cli.EXIT_DEVICE_REFUSED, said
    assert "服务器拒绝了本终端的密钥" in said
    (waiting,) = queued(state)
    assert "HTTP 401" in waiting.last_error
    assert punches(admin, hall.id) == []

    # The terminal is registered anew; its queue goes out under the new secret.
    device, secret = register_device(admin, hall.id, "大厅入口人脸终端（新）")
    assert cli.main(terminal(app_server, secret, state, "--drain-only")) == 0
    (stored,) = punches(admin, hall.id)
    assert (stored["staff_id"], stored["device"]) == (hall.staff["A"]["id"], device["name"])
    assert queued(state) == []


def test_a_punch_the_server_refuses_is_set_aside(
    app_server: AppServer, admin: Api, hall: HallSetup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    outbox = Outbox(state / "outbox.sqlite")
    outbox.add(
        {
            "key": "ft-test-0123456789",
            "staff_id": 987654321,  # nobody in this hall
            "punched_at": dt.datetime.now(HALL_ZONE).replace(microsecond=0).isoformat(),
            "distance": 0.3,
            "runner_up_distance": None,
            "thumbnail": "",
        }
    )
    outbox.close()

    status = cli.main(terminal(app_server, hall.secret, state, "--drain-only"))

    said = capsys.readouterr().out
    assert status == 0, said
    assert "服务器拒收了一条打卡" in said
    assert queued(state) == []
    outbox = Outbox(state / "outbox.sqlite")
    (rejected,) = outbox.rejected()
    outbox.close()
    assert (rejected.key, rejected.status) == ("ft-test-0123456789", 422)
    assert "本中心没有这个人员" in rejected.message


def test_a_video_is_read_one_frame_per_interval(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for index in range(30):  # 3 seconds at 10 frames a second, each a shade lighter
        writer.write(np.full((48, 64, 3), index * 8, np.uint8))
    writer.release()

    frames = video_frames(lambda: cv2.VideoCapture(str(path)), camera=False, interval=0.5, paced=False)

    # Frames 0, 5, 10, ... of the video: half a second of its time apart.
    assert [round(frame.mean() / 8) for frame in frames] == [0, 5, 10, 15, 20, 25]


def test_a_secret_that_looks_like_an_option_is_read_as_the_secret(tmp_path: Path) -> None:
    arguments = cli._arguments(
        ["--server", "http://hall", "--token=-abc", "--state-dir", str(tmp_path), "--drain-only"]
    )
    assert arguments.token == "-abc"
