"""Face images: decoding, quality checks, detection and encodings. Pure: bytes in, an
`Analysis` out, no database. It runs in worker processes (see `face_engine`), because dlib
is not thread-safe and a face costs 50-200 ms of CPU.

Our path differs from face_recognition's defaults in one way that matters for speed: the
HOG detector runs on a copy scaled down so its longest side is 320 px, with no upsampling
(it finds faces from about 80 px at that scale, i.e. a person standing at the kiosk), and
only when that finds nothing on larger copies; the encoding is then computed on the
full-resolution image, so accuracy is the library's. The defaults upsample the whole frame
once instead, which costs four times the pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np

from hall.photos import ImageRefused, probe

# Longest sides the detector tries in turn, stopping at the first that finds a face. A face
# too small to find at 1280 px is too far away to be anyone's enrolment or clock-in.
DETECT_SIDES = (320, 640, 1280)
# Below this (box side, in the original's pixels) an encoding is unreliable.
MIN_FACE_PX = 64
# Variance of the Laplacian of the face scaled to 150x150: sharp photos and webcam frames
# measure 140-900 here, the same faces blurred out of recognition 3-5.
MIN_SHARPNESS = 25.0
# A face whose box reaches this far (as a share of its side) beyond the frame is cut off.
MAX_OUTSIDE_SHARE = 0.1
# A face this much wider than every other in the frame is the person at the terminal; the
# others are people queueing behind.
NEAREST_FACE_RATIO = 1.5
THUMBNAIL_SIDE = 160
ENCODING_DTYPE = np.dtype("<f4")


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int


class Problem(StrEnum):
    """Why a decodable image yields no encoding."""

    NO_FACE = "no_face"
    MANY_FACES = "many_faces"
    TOO_SMALL = "too_small"
    PARTIAL = "partial"
    BLURRED = "blurred"


PROBLEM_MESSAGES = {
    Problem.NO_FACE: "没有找到人脸",
    Problem.MANY_FACES: "画面中有多张人脸，请一人一次",
    Problem.TOO_SMALL: "人脸太小，请靠近一些",
    Problem.PARTIAL: "人脸不完整，请正对镜头、站在画面中间",
    Problem.BLURRED: "图像模糊，请保持不动",
}


Box = tuple[int, int, int, int]  # top, right, bottom, left: face_recognition's order


@dataclass(frozen=True)
class Analysis:
    problem: Problem | None
    faces: int  # how many faces were found
    box: Box | None  # the face chosen, in the original's pixels
    encoding: bytes | None  # 128 little-endian float32, when there is no problem
    thumbnail: bytes  # a small JPEG of the face (or of the frame when there is none)
    width: int
    height: int


def decode(content: bytes, limits: ImageLimits) -> np.ndarray:
    """An RGB uint8 array, or ImageRefused. The size is read from the header first, so a
    10000x10000 image is refused before a byte of it is decoded."""
    if len(content) > limits.max_bytes:
        raise ImageRefused("图片太大，不能超过 {mb} MB", mb=round(limits.max_bytes / 1024 / 1024, 1))
    header = probe(content, max_pixels=limits.max_pixels)
    # libjpeg decodes a cut-off file without complaint, greying the missing rows: the end
    # marker must follow the last scan.
    if header.format == "JPEG" and content.rfind(b"\xff\xd9") < content.rfind(b"\xff\xda"):
        raise ImageRefused("图片文件不完整或已损坏")
    buffer = np.frombuffer(content, np.uint8)
    # IMREAD_COLOR applies the EXIF orientation of phone photos and gives 8-bit BGR from
    # grey-scale and 16-bit images alike; only an alpha channel needs the raw decode.
    image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED if header.has_alpha else cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise ImageRefused("图片文件不完整或已损坏")
    if image.dtype != np.uint8:
        image = (image / 257).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return _over_white(image)
    if image.shape[2] == 2:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _over_white(bgra: np.ndarray) -> np.ndarray:
    # A transparent background is whatever colour the editor left under it; white is what
    # the person saw.
    alpha = bgra[:, :, 3:4].astype(np.float32) / 255
    blended = bgra[:, :, :3].astype(np.float32) * alpha + 255 * (1 - alpha)
    return cv2.cvtColor(blended.astype(np.uint8), cv2.COLOR_BGR2RGB)


def _scaled(rgb: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    height, width = rgb.shape[:2]
    scale = min(1.0, side / max(height, width))
    if scale == 1.0:
        return rgb, 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), scale


def detect(rgb: np.ndarray, *, thorough: bool = False) -> list[Box]:
    """Face boxes in the original's pixels, reaching beyond the frame where the face is cut
    off. `thorough` runs every pass and keeps the one with the most faces, so that
    enrolment also sees a second, smaller face."""
    from face_recognition.api import face_detector

    found: list[Box] = []
    height, width = rgb.shape[:2]
    longest = max(height, width)
    passes = [(side, 0) for side in DETECT_SIDES if side < longest] + [(min(longest, DETECT_SIDES[-1]), 0)]
    if longest < DETECT_SIDES[1]:
        passes.append((longest, 1))  # a small image: upsample as the library does
    for side, upsample in dict.fromkeys(passes):
        small, scale = _scaled(rgb, side)
        boxes = [
            (
                round(r.top() / scale),
                round(r.right() / scale),
                round(r.bottom() / scale),
                round(r.left() / scale),
            )
            for r in face_detector(small, upsample)
        ]
        if len(boxes) > len(found):
            found = boxes
        if found and not thorough:
            break
    return found


def _clip(box: Box, width: int, height: int) -> Box:
    top, right, bottom, left = box
    return max(0, top), min(width, right), min(height, bottom), max(0, left)


def _cut_off(box: Box, width: int, height: int) -> bool:
    top, right, bottom, left = box
    outside = max(-left, right - width, -top, bottom - height, 0)
    return outside > MAX_OUTSIDE_SHARE * _side(box)


def _side(box: Box) -> int:
    top, right, bottom, left = box
    return min(right - left, bottom - top)


def choose(boxes: list[Box], *, strict: bool) -> tuple[Box | None, Problem | None]:
    """The face to encode. `strict` (enrolment): exactly one face. Otherwise (clock-in):
    faces too small to use are people far away and ignored; of the rest, the widest is
    taken when it is NEAREST_FACE_RATIO times wider than every other, else none is."""
    if not boxes:
        return None, Problem.NO_FACE
    if strict:
        if len(boxes) > 1:
            return None, Problem.MANY_FACES
        return boxes[0], None
    usable = sorted((b for b in boxes if _side(b) >= MIN_FACE_PX), key=_side, reverse=True)
    if not usable:
        return max(boxes, key=_side), Problem.TOO_SMALL
    if len(usable) > 1 and _side(usable[0]) < NEAREST_FACE_RATIO * _side(usable[1]):
        return None, Problem.MANY_FACES
    return usable[0], None


def sharpness(rgb: np.ndarray, box: Box) -> float:
    top, right, bottom, left = box
    face = cv2.cvtColor(cv2.resize(rgb[top:bottom, left:right], (150, 150)), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(face, cv2.CV_64F).var())


def encode(rgb: np.ndarray, box: Box) -> bytes:
    import face_recognition

    (vector,) = face_recognition.face_encodings(rgb, [box], num_jitters=1, model="small")
    return np.asarray(vector, dtype=ENCODING_DTYPE).tobytes()


def thumbnail(rgb: np.ndarray, box: Box | None) -> bytes:
    if box is not None:
        top, right, bottom, left = box
        pad = (bottom - top) // 3
        height, width = rgb.shape[:2]
        rgb = rgb[max(0, top - pad) : min(height, bottom + pad), max(0, left - pad) : min(width, right + pad)]
    small, _ = _scaled(rgb, THUMBNAIL_SIDE)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    return jpeg.tobytes() if ok else b""


def analyse_image(rgb: np.ndarray, *, strict: bool) -> Analysis:
    height, width = rgb.shape[:2]
    boxes = detect(rgb, thorough=strict)
    box, problem = choose(boxes, strict=strict)
    if box is not None:
        cut_off = _cut_off(box, width, height)
        box = _clip(box, width, height)
        if problem is None:
            if _side(box) < MIN_FACE_PX:
                problem = Problem.TOO_SMALL
            elif cut_off:
                problem = Problem.PARTIAL
            elif sharpness(rgb, box) < MIN_SHARPNESS:
                problem = Problem.BLURRED
    return Analysis(
        problem=problem,
        faces=len(boxes),
        box=box,
        encoding=encode(rgb, box) if problem is None and box is not None else None,
        thumbnail=thumbnail(rgb, box),
        width=width,
        height=height,
    )


def analyse(content: bytes, limits: ImageLimits, *, strict: bool) -> Analysis:
    """The whole path for one image: decode, detect, check, encode. ImageRefused when the
    bytes are not an acceptable image; a Problem in the result when no face can be used."""
    return analyse_image(decode(content, limits), strict=strict)


def vector(encoding: bytes) -> np.ndarray:
    return np.frombuffer(encoding, dtype=ENCODING_DTYPE)


def warm() -> None:
    """Load dlib's models (about a second) before the first face arrives."""
    from face_recognition.api import face_detector

    face_detector(np.zeros((8, 8, 3), np.uint8), 0)
