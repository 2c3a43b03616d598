"""A complaint's files: scans, photos and PDFs, checked by their content (not their name)
and kept under the media directory by content hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from complaints.tables import ComplaintAttachment
from hall.config import get_config
from hall.errors import FieldError, InvalidInput
from hall.photos import ImageRefused, verify

MAX_FILES = 5
FOLDER = "complaints"
# A PDF's header may follow up to 1 KiB of junk (the PDF reference, 7.5.2); its version
# and the end-of-file marker are what a PDF has and a script naming the word does not.
PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
PDF_END = b"%%EOF"
IMAGE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "BMP": ("image/bmp", "bmp"),
}


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Checked:
    filename: str
    content: bytes
    content_type: str
    extension: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _kind(content: bytes, max_pixels: int) -> tuple[str, str]:
    """By the bytes alone: the name and the declared type are the sender's to choose."""
    if PDF_HEADER.search(content[:1024]):
        if PDF_END not in content[-1024:]:
            raise ImageRefused("PDF 文件不完整")
        return "application/pdf", "pdf"
    # Kept as sent, so decoded in full here: a readable header is not enough.
    header = verify(content, max_pixels=max_pixels)
    return IMAGE_TYPES[header.format]


def check_all(uploads: list[Upload] | tuple[Upload, ...], limits: Limits) -> list[Checked]:
    """Every file an image (JPEG, PNG, WEBP, BMP) or a PDF within the size limit, or one
    InvalidInput naming each file refused and why: either all are kept or none."""
    if len(uploads) > MAX_FILES:
        raise InvalidInput.single("attachments", "附件", "最多上传 {count} 个文件", count=MAX_FILES)
    checked, problems = [], []
    for upload in uploads:
        name = Path(upload.filename or "附件").name[:200]
        if not upload.content:
            problems.append(FieldError("attachments", "附件", "文件“{name}”是空的", {"name": name}))
            continue
        if len(upload.content) > limits.max_bytes:
            problems.append(
                FieldError(
                    "attachments",
                    "附件",
                    "文件“{name}”太大，不能超过 {limit} MB",
                    {"name": name, "limit": limits.max_bytes // (1024 * 1024) or 1},
                )
            )
            continue
        try:
            content_type, extension = _kind(upload.content, limits.max_pixels)
        except ImageRefused:
            problems.append(
                FieldError("attachments", "附件", "文件“{name}”不是图片或 PDF 文件", {"name": name})
            )
            continue
        checked.append(Checked(name, upload.content, content_type, extension))
    if problems:
        raise InvalidInput(problems)
    return checked


def path_of(relative: str) -> Path:
    return get_config().media_dir / relative


def store(upload: Checked, folder: str = FOLDER) -> str:
    """Write the file (once per content) and return its path under the media directory."""
    relative = f"{folder}/{upload.digest}.{upload.extension}"
    target = path_of(relative)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(upload.content)
        partial.replace(target)  # a reader never finds half a file
    return relative


async def insert(complaint_id: int, upload: Checked, path: str, actor_id: int | None) -> None:
    await ComplaintAttachment.insert(
        ComplaintAttachment(
            complaint=complaint_id,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.content),
            path=path,
            uploaded_by=actor_id,
            created_at=dt.datetime.now(dt.UTC),
        )
    )
