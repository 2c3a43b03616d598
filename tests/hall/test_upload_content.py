"""Issue 9: every upload is judged by its bytes, never by its name or declared type. One
case per path: staff photos, complaint files, an inspector's photo, face enrolment, and the
photos push terminals send. (The holiday calendar is imported as text typed or pasted into
a form, line by line, not as a file.)"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from assessment import attachments as finding_photos
from attendance import faces
from complaints import attachments
from devices import registry
from devices.schemas import DeviceCreate
from devices.tables import DeviceKind, DevicePhoto
from hall.errors import InvalidInput
from hall.photos import ImageRefused, normalise_photo
from tests.conftest import World

LIMITS = attachments.Limits(max_bytes=5 * 1024 * 1024, max_pixels=40_000_000)
SCRIPT = b"<?php system($_GET['c']); ?>\n"


def jpeg(size: tuple[int, int] = (120, 160)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def header_then_script() -> bytes:
    """A JPEG's header (its size and format read fine) with a script where the pixels go."""
    whole = jpeg()
    return whole[: whole.index(b"\xff\xda")] + SCRIPT


def _refusals(error: InvalidInput) -> list[str]:
    return [item.message.format(**item.params) for item in error.errors]


def test_a_staff_photo_that_is_a_header_and_a_script_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise_photo(header_then_script(), max_pixels=LIMITS.max_pixels)
    assert refused.value.errors[0].field == "photo"


def test_a_script_named_photo_jpg_is_not_a_complaint_file() -> None:
    with pytest.raises(InvalidInput) as refused:
        attachments.check_all([attachments.Upload("photo.jpg", SCRIPT)], LIMITS)
    assert _refusals(refused.value) == ["文件“photo.jpg”不是图片或 PDF 文件"]


def test_a_jpeg_header_glued_to_a_script_is_not_a_complaint_file() -> None:
    with pytest.raises(InvalidInput) as refused:
        attachments.check_all([attachments.Upload("photo.jpg", header_then_script())], LIMITS)
    assert _refusals(refused.value) == ["文件“photo.jpg”不是图片或 PDF 文件"]


def test_a_page_that_merely_mentions_pdf_is_not_a_pdf() -> None:
    page = b"<html><script>alert(1)</script> see %PDF- spec</html>"
    with pytest.raises(InvalidInput):
        attachments.check_all([attachments.Upload("scan.pdf", page)], LIMITS)


def test_a_real_jpeg_named_txt_is_kept_as_the_jpeg_it_is() -> None:
    (checked,) = attachments.check_all([attachments.Upload("notes.txt", jpeg())], LIMITS)
    assert (checked.content_type, checked.extension, checked.filename) == ("image/jpeg", "jpg", "notes.txt")


def test_an_inspectors_photo_that_is_a_header_and_a_script_is_refused() -> None:
    with pytest.raises(InvalidInput):
        finding_photos.check_photo(finding_photos.Upload("desk.jpg", header_then_script()), LIMITS)


def test_a_script_named_face_jpg_is_not_enrolled() -> None:
    with pytest.raises(ImageRefused, match="不是有效的图片文件"):
        faces.decode(SCRIPT, faces.ImageLimits(LIMITS.max_bytes, LIMITS.max_pixels))


async def test_a_push_terminals_photo_that_is_a_header_and_a_script_is_skipped(
    client: AsyncTestClient, world: World
) -> None:
    serial = "CQZ7231269999"
    await registry.register_device(
        data=DeviceCreate(
            hall_id=world.town.id, name="大厅考勤机", kind=DeviceKind.PUSH_TERMINAL, serial_number=serial
        ),
        scope=None,
        actor_id=None,
        now=dt.datetime.now(dt.UTC),
    )
    photo = header_then_script()
    body = f"PIN=20261120075800-QS001.jpg\nSN={serial}\nsize={len(photo)}\nCMD=uploadphoto\0".encode() + photo
    response = await client.post(f"/iclock/cdata?SN={serial}&table=ATTPHOTO", content=body)
    assert (response.status_code, response.text) == (200, "OK: 0")
    assert await DevicePhoto.count() == 0
