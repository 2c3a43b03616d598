"""An inspector's photo of what a spot check found: an image checked by its content, kept
under the media directory by content hash as the complaints' files are."""

from __future__ import annotations

from pathlib import PurePath

from complaints.attachments import IMAGE_TYPES, Checked, Limits, Upload, check_all
from complaints.attachments import store as store_file
from hall.errors import InvalidInput

__all__ = ["Limits", "Upload", "check_photo", "content_type", "store"]

FOLDER = "findings"
_TYPES = dict(IMAGE_TYPES.values())
_BY_EXTENSION = {extension: content for content, extension in IMAGE_TYPES.values()}


def check_photo(upload: Upload, limits: Limits) -> Checked:
    (checked,) = check_all([upload], limits)
    if checked.content_type not in _TYPES:
        raise InvalidInput.single("photo", "照片", "文件“{name}”不是图片", name=checked.filename)
    return checked


def store(checked: Checked) -> str:
    return store_file(checked, FOLDER)


def content_type(path: str) -> str:
    return _BY_EXTENSION[PurePath(path).suffix.lstrip(".")]
