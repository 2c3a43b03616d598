"""Staff photos: checked by their content, not their name, and stored re-encoded."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from hall.errors import InvalidInput

STORED_SIZE = (600, 800)


def normalise_photo(content: bytes, *, max_pixels: int) -> bytes:
    """The photo as a JPEG of at most 600x800, or InvalidInput saying why not. The size is
    read from the header, so a 10000x10000 "photo" is refused before it is decoded."""
    try:
        with Image.open(io.BytesIO(content)) as probe:
            width, height = probe.size
            if probe.format not in {"JPEG", "PNG", "WEBP", "BMP"}:
                raise InvalidInput.single("photo", "照片", "只支持 JPEG、PNG、WEBP 或 BMP 格式的图片")
            if width * height > max_pixels:
                raise InvalidInput.single("photo", "照片", "图片尺寸过大")
            image = probe.convert("RGB")
            image.thumbnail(STORED_SIZE)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InvalidInput.single("photo", "照片", "不是有效的图片文件") from None
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()
