"""1:N face matching against a hall's enrolled staff (pure: encodings in, a verdict out).

A face is someone only when it is near enough (distance at most the tolerance, 0.5 by
default: stricter than face_recognition's 0.6, since a wrong clock-in is worse than a
retry) and clearly nearer to that person than to anyone else (the runner-up, the nearest
*other* person, at least `margin` further away). Otherwise it is unknown or "not sure".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from attendance.faces import ENCODING_DTYPE


class Outcome(StrEnum):
    MATCHED = "matched"
    UNSURE = "unsure"  # near someone, but not clearly nearer to them than to another
    UNKNOWN = "unknown"  # nobody enrolled is near enough


# What the person at a terminal is told when no one is matched.
OUTCOME_MESSAGES = {
    Outcome.UNSURE: "无法确认身份，请正对镜头再试一次",
    Outcome.UNKNOWN: "未能识别，请联系考勤员采集人脸",
}


@dataclass(frozen=True)
class Match:
    outcome: Outcome
    staff_id: int | None  # the nearest person (also when unsure or unknown, for review)
    distance: float | None
    runner_up_distance: float | None  # the nearest other person


class Gallery:
    """The encodings of a hall's enrolled people as one float32 matrix, so that matching
    one face against 50,000 encodings is a single matrix-vector product."""

    def __init__(self, entries: Iterable[tuple[int, bytes]]) -> None:
        entries = list(entries)
        self.staff_ids = np.fromiter(
            (staff_id for staff_id, _ in entries), dtype=np.int64, count=len(entries)
        )
        self.vectors = (
            np.frombuffer(b"".join(encoding for _, encoding in entries), dtype=ENCODING_DTYPE).reshape(
                -1, 128
            )
            if entries
            else np.empty((0, 128), dtype=ENCODING_DTYPE)
        )
        self.norms = np.einsum("ij,ij->i", self.vectors, self.vectors)

    def __len__(self) -> int:
        return len(self.staff_ids)

    def distances(self, probe: np.ndarray) -> np.ndarray:
        """Euclidean distance from `probe` to every encoding: |a-b|² = |a|² + |b|² - 2a·b."""
        probe = probe.astype(ENCODING_DTYPE, copy=False)
        squared = self.norms + probe @ probe - 2 * (self.vectors @ probe)
        return np.sqrt(np.maximum(squared, 0))


def match(gallery: Gallery, probe: np.ndarray, *, tolerance: float, margin: float) -> Match:
    if not len(gallery):
        return Match(Outcome.UNKNOWN, None, None, None)
    distances = gallery.distances(probe)
    best = int(np.argmin(distances))
    staff_id = int(gallery.staff_ids[best])
    distance = float(distances[best])
    others = distances[gallery.staff_ids != staff_id]
    runner_up = float(others.min()) if others.size else None
    if distance > tolerance:
        outcome = Outcome.UNKNOWN
    elif runner_up is not None and runner_up - distance < margin:
        outcome = Outcome.UNSURE
    else:
        outcome = Outcome.MATCHED
    return Match(outcome, staff_id, round(distance, 4), None if runner_up is None else round(runner_up, 4))
