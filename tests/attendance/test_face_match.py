"""1:N matching: tolerance, the margin over the runner-up, and per-person (not per-photo)
runner-ups."""

from __future__ import annotations

import numpy as np

from attendance.face_match import Gallery, Outcome, match
from attendance.faces import ENCODING_DTYPE


def vec(*head: float) -> np.ndarray:
    out = np.zeros(128, ENCODING_DTYPE)
    out[: len(head)] = head
    return out


def gallery(*entries: tuple[int, np.ndarray]) -> Gallery:
    return Gallery((staff, v.tobytes()) for staff, v in entries)


def test_within_tolerance_and_clear_of_the_others_is_a_match() -> None:
    found = match(gallery((1, vec(0.0)), (2, vec(1.0))), vec(0.3), tolerance=0.5, margin=0.1)
    assert (found.outcome, found.staff_id) == (Outcome.MATCHED, 1)
    assert found.distance == 0.3 and found.runner_up_distance == 0.7


def test_exactly_at_the_tolerance_still_matches() -> None:
    found = match(gallery((1, vec(0.0))), vec(0.5), tolerance=0.5, margin=0.1)
    assert found.outcome is Outcome.MATCHED


def test_beyond_the_tolerance_is_unknown_even_when_alone() -> None:
    found = match(gallery((1, vec(0.0))), vec(0.51), tolerance=0.5, margin=0.1)
    assert found.outcome is Outcome.UNKNOWN and found.staff_id == 1  # kept for the clerk's review


def test_two_people_nearly_as_near_is_unsure() -> None:
    found = match(gallery((1, vec(0.0)), (2, vec(0.75))), vec(0.33), tolerance=0.5, margin=0.1)
    assert found.outcome is Outcome.UNSURE


def test_the_runner_up_is_another_person_not_another_photo_of_the_same() -> None:
    found = match(gallery((1, vec(0.0)), (1, vec(0.05)), (2, vec(1.0))), vec(0.02), tolerance=0.5, margin=0.1)
    assert found.outcome is Outcome.MATCHED and found.runner_up_distance == 0.98


def test_the_distances_are_euclidean() -> None:
    rng = np.random.default_rng(4)
    vectors = rng.normal(0, 0.09, (50, 128)).astype(ENCODING_DTYPE)
    probe = rng.normal(0, 0.09, 128).astype(ENCODING_DTYPE)
    computed = gallery(*((i, v) for i, v in enumerate(vectors))).distances(probe)
    assert np.allclose(computed, np.linalg.norm(vectors - probe, axis=1), atol=1e-5)
