"""From a frame to a punch: who is in it, matched here against the synced gallery, and the
punch queued in the outbox for them."""

from __future__ import annotations

import base64
import datetime as dt
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np

from attendance import face_match, faces
from attendance.face_match import Outcome
from devices.face_terminal.console import _announce
from devices.face_terminal.gallery import KnownFaces, Person
from devices.face_terminal.outbox import Outbox


class Seen(StrEnum):
    NO_FACE = "no_face"
    PROBLEM = "problem"  # a face, but not one to recognise (too small, blurred, several...)
    NO_GALLERY = "no_gallery"
    UNKNOWN = "unknown"
    UNSURE = "unsure"
    MATCHED = "matched"


@dataclass(frozen=True)
class Sighting:
    seen: Seen
    problem: faces.Problem | None = None
    person: Person | None = None
    match: face_match.Match | None = None
    thumbnail: bytes = b""


class Recognizer:
    """One frame in, who it is out: the server's image path and matching rule, run here
    against the synced gallery (`known`, replaced when a new gallery arrives)."""

    def __init__(self, known: KnownFaces | None) -> None:
        self.known = known

    def recognise(self, rgb: np.ndarray) -> Sighting:
        analysis = faces.analyse_image(rgb, strict=False)
        if analysis.problem is faces.Problem.NO_FACE:
            return Sighting(Seen.NO_FACE)
        if analysis.problem is not None or analysis.encoding is None:
            return Sighting(Seen.PROBLEM, problem=analysis.problem)
        known = self.known
        if known is None:
            return Sighting(Seen.NO_GALLERY)
        found = face_match.match(
            known.gallery, faces.vector(analysis.encoding), tolerance=known.tolerance, margin=known.margin
        )
        if found.outcome is Outcome.UNKNOWN:
            return Sighting(Seen.UNKNOWN, match=found)
        if found.outcome is Outcome.UNSURE:
            return Sighting(Seen.UNSURE, match=found)
        assert found.staff_id is not None
        return Sighting(
            Seen.MATCHED, person=known.people[found.staff_id], match=found, thumbnail=analysis.thumbnail
        )


def terminal_id(state_dir: Path) -> str:
    """This installation's short id, made once: the prefix of its idempotency keys."""
    path = state_dir / "terminal-id"
    try:
        return path.read_text("ascii").strip()
    except OSError:
        pass
    state_dir.mkdir(parents=True, exist_ok=True)
    made = uuid.uuid4().hex[:8]
    path.write_text(made, "ascii")
    return made


class Terminal:
    """What happens to one frame: recognised people become punches in the outbox (unless
    punched within the repeat interval), the others get a hint."""

    def __init__(
        self,
        *,
        recognizer: Recognizer,
        outbox: Outbox,
        terminal_tag: str,
        timezone: dt.tzinfo,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.recognizer = recognizer
        self.outbox = outbox
        self.terminal_tag = terminal_tag
        self.timezone = timezone
        self.clock = clock
        self._last_punch: dict[int, float] = {}

    def look(self, bgr: np.ndarray) -> bool:
        """Recognise one BGR frame; True when a punch was queued."""
        sighting = self.recognizer.recognise(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        if sighting.seen is Seen.MATCHED:
            return self._punch(sighting)
        if sighting.seen is Seen.PROBLEM and sighting.problem is not None:
            _announce(faces.PROBLEM_MESSAGES[sighting.problem], hint=True)
        elif sighting.seen is Seen.NO_GALLERY:
            _announce("还没有人脸库，暂时无法识别（等待与服务器同步）", hint=True)
        elif sighting.seen in (Seen.UNKNOWN, Seen.UNSURE):
            _announce(face_match.OUTCOME_MESSAGES[Outcome(sighting.seen.value)], hint=True)
        return False

    def _punch(self, sighting: Sighting) -> bool:
        person, found = sighting.person, sighting.match
        assert person is not None and found is not None and self.recognizer.known is not None
        now = self.clock()
        last = self._last_punch.get(person.staff_id)
        if last is not None and now - last < self.recognizer.known.repeat_seconds:
            _announce(f"{person.name}，刚刚已记录", hint=True)
            return False
        at = dt.datetime.now(self.timezone).replace(microsecond=0)
        payload = {
            "key": f"ft-{self.terminal_tag}-{uuid.uuid4().hex}",
            "staff_id": person.staff_id,
            "punched_at": at.isoformat(),
            "distance": found.distance,
            "runner_up_distance": found.runner_up_distance,
            "thumbnail": base64.b64encode(sighting.thumbnail).decode(),
        }
        try:
            self.outbox.add(payload)
        except sqlite3.Error as error:
            _announce(f"{person.name}：无法写入本机打卡队列（{error}），本次未记录，请重试或联系管理员")
            return False
        self._last_punch[person.staff_id] = now
        _announce(f"{person.name} {at:%H:%M:%S} 已记录")
        return True
