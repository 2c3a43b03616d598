"""Images people upload, checked by their content, not their name: the header is read
before anything is decoded, so a 10000x10000 "photo" is refused at once. Staff photos are
stored re-encoded; face photos and frames (attendance/faces.py) start from the same check."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from hall.errors import InvalidInput

FORMATS = {"JPEG", "PNG", "WEBP", "BMP"}
STORED_SIZE = (600, 800)


class ImageRefused(Exception):
    """The bytes are not an image we accept; `message` says why, in Chinese."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message, params)
        self.message = message
        self.params = params

    def __reduce__(self):
        # Raised in a face worker process and re-raised in the app: keep the template and
        # its values.
        return _refused, (self.message, self.params)

    def __str__(self) -> str:
        return self.message.format(**self.params)


def _refused(message: str, params: dict[str, object]) -> ImageRefused:
    return ImageRefused(message, **params)


@dataclass(frozen=True)
class ImageHeader:
    format: str
    width: int
    height: int
    has_alpha: bool


def probe(content: bytes, *, max_pixels: int) -> ImageHeader:
    """What the header says, or ImageRefused: not an image, not a format we take, too many
    pixels."""
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard: the size is checked below against our limit instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                header = ImageHeader(
                    format=image.format or "",
                    width=image.size[0],
                    height=image.size[1],
                    has_alpha=image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info,
                )
    except Image.DecompressionBombError:
        raise ImageRefused("图片尺寸过大") from None
    # Pillow's parsers let more than their documented errors out of a malformed header (a PNG
    # chunk name that is not ASCII raises UnicodeDecodeError, a ValueError).
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageRefused("不是有效的图片文件") from None
    if header.format not in FORMATS:
        raise ImageRefused("只支持 JPEG、PNG、WEBP 或 BMP 格式的图片")
    if header.width * header.height > max_pixels:
        raise ImageRefused("图片尺寸过大（{width}×{height}）", width=header.width, height=header.height)
    return header


def verify(content: bytes, *, max_pixels: int) -> ImageHeader:
    """`probe`, then every pixel decoded: for files kept as they came (a complaint's scans),
    so that a valid header glued to something else (a script behind a JPEG's first bytes)
    or a file cut off in transfer is refused, not stored."""
    header = probe(content, max_pixels=max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ImageRefused("图片文件不完整或已损坏") from None
    return header


def normalise_photo(content: bytes, *, max_pixels: int) -> bytes:
    """The photo as a JPEG of at most 600x800, or InvalidInput saying why not."""
    try:
        probe(content, max_pixels=max_pixels)
        with Image.open(io.BytesIO(content)) as image:
            converted = image.convert("RGB")
    except ImageRefused as refused:
        raise InvalidInput.single("photo", "照片", refused.message, **refused.params) from None
    except (UnidentifiedImageError, OSError):
        raise InvalidInput.single("photo", "照片", "不是有效的图片文件") from None
    converted.thumbnail(STORED_SIZE)
    out = io.BytesIO()
    converted.save(out, format="JPEG", quality=88)
    return out.getvalue()
