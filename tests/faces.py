"""The shared test photographs (../shared/faces, see its README) and images made from them."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

from hall.config import PROJECT_ROOT

FACES = PROJECT_ROOT.parent / "shared" / "faces"
A_PHOTOS = ("obama-2.jpg", "obama-3.jpg", "obama-480p.jpg", "obama-small.jpg", "obama-rgba.png")


@cache
def photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


def encoded(image: np.ndarray, extension: str = ".jpg") -> bytes:
    ok, content = cv2.imencode(extension, image)
    assert ok
    return content.tobytes()


def bgr(name: str) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(photo(name), np.uint8), cv2.IMREAD_COLOR)
