"""The face image path on the shared photographs: what is refused and why, what is found,
and who it matches (RULES: an unknown face is never clocked in)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from attendance import faces
from attendance.face_match import Gallery, Outcome, match
from tests.faces import A_PHOTOS, bgr, encoded, photo

LIMITS = faces.ImageLimits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000)


def analyse(content: bytes, strict: bool = False) -> faces.Analysis:
    return faces.analyse(content, LIMITS, strict=strict)


def encoding_of(name: str) -> bytes:
    found = analyse(photo(name), strict=True)
    assert found.problem is None and found.encoding is not None
    return found.encoding


@pytest.fixture(scope="module")
def both() -> Gallery:
    return Gallery([(1, encoding_of("obama-1.jpg")), (2, encoding_of("biden-1.jpg"))])


def who(gallery: Gallery, content: bytes) -> Outcome | int:
    found = analyse(content)
    assert found.problem is None, found.problem
    result = match(gallery, faces.vector(found.encoding), tolerance=0.5, margin=0.1)
    return result.staff_id if result.outcome is Outcome.MATCHED else result.outcome


@pytest.mark.parametrize("name", A_PHOTOS)
def test_every_photo_of_a_matches_a(both: Gallery, name: str) -> None:
    assert who(both, photo(name)) == 1


def test_another_photo_of_b_matches_b(both: Gallery) -> None:
    assert who(both, photo("biden-2.jpg")) == 2


def test_with_only_a_enrolled_b_is_unknown() -> None:
    only_a = Gallery([(1, encoding_of("obama-1.jpg"))])
    assert who(only_a, photo("biden-2.jpg")) is Outcome.UNKNOWN
    assert who(only_a, photo("biden-1.jpg")) is Outcome.UNKNOWN


def test_an_empty_gallery_knows_nobody() -> None:
    assert who(Gallery([]), photo("obama-2.jpg")) is Outcome.UNKNOWN


def test_two_people_of_like_size_are_refused_not_guessed() -> None:
    found = analyse(photo("two-people.jpg"))
    assert found.problem is faces.Problem.MANY_FACES
    assert found.faces == 2 and found.encoding is None


def test_three_faces_side_by_side_are_refused() -> None:
    heads = [
        cv2.resize(bgr(name), (300, 400), interpolation=cv2.INTER_AREA)
        for name in ("obama-2.jpg", "biden-2.jpg", "obama-rgba.png")
    ]
    found = analyse(encoded(np.hstack(heads)))
    assert (found.problem, found.faces) == (faces.Problem.MANY_FACES, 3)
    assert found.encoding is None


def test_a_face_cut_off_by_the_frame_is_refused() -> None:
    assert analyse(photo("obama-partial.jpg")).problem is faces.Problem.PARTIAL


def test_the_nearest_face_wins_over_one_far_behind() -> None:
    """A queue at the terminal: the person in front is much larger than the one behind."""
    front = bgr("obama-1.jpg")
    behind = cv2.resize(bgr("biden-2.jpg"), None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    front[: behind.shape[0], -behind.shape[1] :] = behind
    found = analyse(encoded(front))
    assert found.problem is None
    assert np.linalg.norm(faces.vector(found.encoding) - faces.vector(encoding_of("obama-1.jpg"))) < 0.2


def test_choose_takes_the_widest_face_only_when_clearly_wider() -> None:
    near, far, alike = (0, 300, 300, 0), (0, 499, 199, 300), (0, 700, 250, 450)
    assert faces.choose([far, near], strict=False) == (near, None)
    assert faces.choose([near, alike], strict=False) == (None, faces.Problem.MANY_FACES)
    assert faces.choose([near, far], strict=True) == (None, faces.Problem.MANY_FACES)
    assert faces.choose([], strict=False) == (None, faces.Problem.NO_FACE)


def test_faces_too_small_to_use_are_people_far_away() -> None:
    near, speck = (0, 300, 300, 0), (0, 340, 40, 300)
    assert faces.choose([speck, near], strict=False) == (near, None)
    assert faces.choose([speck], strict=False) == (speck, faces.Problem.TOO_SMALL)


def test_enrolment_wants_exactly_one_face_even_a_small_second_one() -> None:
    front = bgr("obama-1.jpg")
    behind = cv2.resize(bgr("biden-2.jpg"), None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    front[: behind.shape[0], -behind.shape[1] :] = behind
    assert analyse(encoded(front), strict=True).problem is faces.Problem.MANY_FACES


def test_no_face() -> None:
    blank = np.full((480, 640, 3), 200, np.uint8)
    assert analyse(encoded(blank)).problem is faces.Problem.NO_FACE


def test_a_blurred_face_is_refused() -> None:
    blurred = cv2.GaussianBlur(bgr("obama-1.jpg"), (0, 0), 6)
    found = analyse(encoded(blurred))
    assert found.problem in {faces.Problem.BLURRED, faces.Problem.NO_FACE}
    assert found.encoding is None


def test_a_tiny_face_is_too_small() -> None:
    """A small frame is searched with upsampling, which finds faces smaller than can be
    recognised reliably: found, but refused as too small."""
    tiny = cv2.resize(bgr("obama-small.jpg"), None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)
    frame = np.full((240, 320, 3), 90, np.uint8)
    frame[: tiny.shape[0], : tiny.shape[1]] = tiny
    found = analyse(encoded(frame))
    assert found.problem is faces.Problem.TOO_SMALL
    assert found.encoding is None


def test_grey_scale_is_a_valid_photo(both: Gallery) -> None:
    grey = cv2.cvtColor(bgr("obama-2.jpg"), cv2.COLOR_BGR2GRAY)
    assert who(both, encoded(grey)) == 1


def test_a_png_with_alpha_is_composed_over_white() -> None:
    rgb = faces.decode(photo("obama-rgba.png"), LIMITS)
    assert rgb.shape[2] == 3 and rgb.dtype == np.uint8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not an image", "不是有效的图片文件"),
        (b"", "不是有效的图片文件"),
        (b"GIF89a" + b"\0" * 64, "不是有效的图片文件"),
    ],
)
def test_not_an_image(content: bytes, message: str) -> None:
    with pytest.raises(faces.ImageRefused) as refused:
        analyse(content)
    assert refused.value.message == message


def test_a_truncated_jpeg_is_refused() -> None:
    content = photo("obama-1.jpg")
    with pytest.raises(faces.ImageRefused) as refused:
        analyse(content[: len(content) // 2])
    assert refused.value.message == "图片文件不完整或已损坏"


def test_a_truncated_png_is_refused() -> None:
    content = photo("obama-rgba.png")
    with pytest.raises(faces.ImageRefused):
        analyse(content[: len(content) // 2])


def test_too_many_bytes_are_refused_before_decoding() -> None:
    with pytest.raises(faces.ImageRefused) as refused:
        faces.analyse(
            photo("obama-3.jpg"), faces.ImageLimits(max_bytes=100_000, max_pixels=40_000_000), strict=False
        )
    assert str(refused.value) == "图片太大，不能超过 0.1 MB"


def test_a_huge_image_is_refused_from_its_header() -> None:
    # 10000x10000 of one colour compresses to almost nothing: only the header says how big.
    huge = encoded(np.zeros((10000, 10000), np.uint8), ".png")
    assert len(huge) < 1_000_000
    with pytest.raises(faces.ImageRefused) as refused:
        analyse(huge)
    assert refused.value.message.startswith("图片尺寸过大")


def test_a_refusal_survives_the_trip_from_a_worker_process() -> None:
    import pickle

    refused = faces.ImageRefused("图片太大，不能超过 {mb} MB", mb=5)
    back = pickle.loads(pickle.dumps(refused))
    assert (back.message, back.params, str(back)) == (refused.message, {"mb": 5}, "图片太大，不能超过 5 MB")
