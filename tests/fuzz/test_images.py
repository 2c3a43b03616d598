"""Malformed images sent where faces are read (a kiosk's frame, an enrolment photo): never
a 5xx; a refusal is a 4xx with a Chinese message, and a refused frame punches nobody."""

from __future__ import annotations

import struct
import zlib

from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from attendance.tables import Punch
from hall.roles import Role
from tests.conftest import World
from tests.faces import photo
from tests.fuzz.conftest import CHINESE

# Face decoding takes a good part of a second: few examples.
IMAGES = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_header(width: int, height: int) -> bytes:
    """A well-formed PNG header declaring a huge picture, whose pixels never come."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\0" * 1024))


REAL = ("obama-1.jpg", "obama-small.jpg", "obama-rgba.png", "biden-1.jpg")
malformed_images = st.one_of(
    st.just(b""),
    st.binary(min_size=1, max_size=4096),
    # A real photo cut short: all but its end may still decode, which is then a usable image.
    st.sampled_from(REAL).flatmap(
        lambda name: st.integers(min_value=1, max_value=len(photo(name)) - 1).map(
            lambda size: photo(name)[:size]
        )
    ),
    st.binary(max_size=4096).map(lambda garbage: PNG_SIGNATURE + garbage),
    st.binary(max_size=4096).map(lambda garbage: b"\xff\xd8\xff\xe0" + garbage),
    st.tuples(st.integers(50_000, 2**31 - 1), st.integers(50_000, 2**31 - 1)).map(
        lambda size: bomb_header(*size)
    ),
)


def assert_refused_in_chinese_or_read(response: Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert CHINESE.search(response.json()["detail"]), response.text


@given(content=malformed_images)
@IMAGES
async def test_a_kiosk_frame_that_is_no_picture_is_refused_in_chinese(
    client: AsyncTestClient, world: World, content: bytes
) -> None:
    punches = await Punch.count()
    response = await client.post(
        "/api/faces/clock", content=content, headers={**world.auth(Role.DEVICE), "Content-Type": "image/jpeg"}
    )
    assert_refused_in_chinese_or_read(response)
    if response.status_code >= 400:
        assert await Punch.count() == punches


@given(content=malformed_images)
@IMAGES
async def test_an_enrolment_photo_that_is_no_picture_is_refused_in_chinese(
    client: AsyncTestClient, world: World, content: bytes
) -> None:
    response = await client.post(
        f"/api/faces/staff/{world.staff[1].id}",
        files=[("photos", ("photo.jpg", content, "image/jpeg"))],
        headers=world.auth(Role.CLERK),
    )
    assert_refused_in_chinese_or_read(response)
