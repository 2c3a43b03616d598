"""Face enrolment and clock-in on the real database with the shared photographs: who is
punched, who is not, and what every attempt leaves behind."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from attendance import face_clock, face_enrolment, faces
from attendance.schemas import TerminalPunch
from attendance.tables import FaceAttempt, FaceOutcome, FacePhoto, Punch, PunchSource
from devices.registry import register_device
from devices.schemas import DeviceCreate
from devices.tables import DeviceKind
from hall import services
from hall.config import get_config
from hall.errors import Conflict, InvalidInput, NotAllowed
from hall.roles import Role
from hall.schemas import StaffUpdate
from hall.tables import StaffStatus
from tests.conftest import World
from tests.faces import encoded, photo

LIMITS = faces.ImageLimits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000)
# A Monday in winter/spring hours: the morning starts at 08:00.
MONDAY = dt.date(2026, 11, 16)
TZ = dt.timezone(dt.timedelta(hours=8))


def at(clock: str, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(clock))


@pytest.fixture
def media() -> Path:
    return get_config().media_dir


async def enrol(world: World, person: int, *names: str, media: Path, **extra):
    return await face_enrolment.enrol(
        staff_id=world.staff[person].id,
        photos=[photo(name) for name in names],
        scope=None,
        actor_id=world.account_ids[Role.CLERK],
        media_dir=media,
        limits=LIMITS,
        **extra,
    )


async def terminal(hall_id: int, world: World, name: str = "大厅入口", kind=DeviceKind.FACE_KIOSK):
    issued = await register_device(
        data=DeviceCreate(hall_id=hall_id, name=name, kind=kind),
        scope=None,
        actor_id=world.account_ids[Role.ADMIN],
        now=dt.datetime.now(dt.UTC),
    )
    return face_clock.Terminal(account_id=issued.device.account_id, hall_id=hall_id, name=name)


@pytest.fixture
async def kiosk(world: World, media: Path) -> face_clock.Terminal:
    await enrol(world, 0, "obama-1.jpg", media=media)
    await enrol(world, 1, "biden-1.jpg", media=media)
    return await terminal(world.town.id, world)


async def show(kiosk: face_clock.Terminal, name: str, when: dt.datetime):
    return await face_clock.clock_in(content=photo(name), terminal=kiosk, now=when, limits=LIMITS)


async def face_punches() -> list[dict]:
    return await Punch.select(Punch.staff, Punch.punched_at, Punch.device).where(
        Punch.source == PunchSource.FACE
    )


async def test_a_recognised_face_is_punched_and_says_what_it_counted_as(world: World, kiosk) -> None:
    result = await show(kiosk, "obama-2.jpg", at("08:18:30"))
    assert result.outcome is FaceOutcome.CLOCKED
    assert (result.staff_id, result.staff_name) == (world.staff[0].id, "王芳")
    assert result.meaning == "上午上班签到 · 迟到 19 分钟"
    assert await face_punches() == [
        {"staff": world.staff[0].id, "punched_at": at("08:18:30"), "device": "大厅入口"}
    ]
    attempt = await FaceAttempt.select().where(FaceAttempt.id == result.attempt_id).first()
    assert attempt["outcome"] == FaceOutcome.CLOCKED and attempt["distance"] < 0.5
    assert attempt["thumbnail"].startswith(b"\xff\xd8")


async def test_on_time_and_leaving_early(world: World, kiosk) -> None:
    assert (await show(kiosk, "obama-2.jpg", at("07:59:00"))).meaning == "上午上班签到 · 正常"
    assert (await show(kiosk, "obama-3.jpg", at("10:40:00"))).meaning == "上午下班签退 · 早退 20 分钟"


async def test_the_same_person_within_the_interval_is_not_punched_twice(world: World, kiosk) -> None:
    await show(kiosk, "obama-2.jpg", at("08:00:00"))
    again = await show(kiosk, "obama-480p.jpg", at("08:01:00"))
    assert again.outcome is FaceOutcome.REPEAT
    assert again.message == "王芳，您已于 08:00:00 打过卡"
    assert len(await face_punches()) == 1
    later = await show(kiosk, "obama-480p.jpg", at("08:01:01"))
    assert later.outcome is FaceOutcome.CLOCKED
    assert len(await face_punches()) == 2


@pytest.mark.parametrize(
    "name", ["obama-2.jpg", "obama-3.jpg", "obama-480p.jpg", "obama-small.jpg", "obama-rgba.png"]
)
async def test_every_photo_of_a_clocks_in_a(world: World, kiosk, name: str) -> None:
    result = await show(kiosk, name, at("08:00:00"))
    assert (result.outcome, result.staff_id) == (FaceOutcome.CLOCKED, world.staff[0].id)


async def test_b_clocks_in_b(world: World, kiosk) -> None:
    result = await show(kiosk, "biden-2.jpg", at("08:00:00"))
    assert (result.outcome, result.staff_id) == (FaceOutcome.CLOCKED, world.staff[1].id)


async def test_two_people_are_refused_and_logged(world: World, kiosk) -> None:
    result = await show(kiosk, "two-people.jpg", at("08:00:00"))
    assert result.outcome is FaceOutcome.MANY_FACES and result.staff_id is None
    assert await face_punches() == []
    assert await FaceAttempt.count().where(FaceAttempt.outcome == FaceOutcome.MANY_FACES) == 1


async def test_with_only_a_enrolled_b_is_unknown_and_nobody_is_punched(world: World, media: Path) -> None:
    await enrol(world, 0, "obama-1.jpg", media=media)
    kiosk = await terminal(world.town.id, world)
    result = await show(kiosk, "biden-2.jpg", at("08:00:00"))
    assert result.outcome is FaceOutcome.UNKNOWN
    assert result.staff_id is None and result.staff_name is None  # the nearest is for the clerk only
    assert await face_punches() == []
    attempt = await FaceAttempt.select().first()
    assert attempt["staff"] == world.staff[0].id and attempt["distance"] > 0.5


async def test_a_frame_with_no_face_is_not_logged(world: World, kiosk) -> None:
    blank = encoded(np.full((480, 640, 3), 128, np.uint8))
    result = await face_clock.clock_in(content=blank, terminal=kiosk, now=at("08:00:00"), limits=LIMITS)
    assert result.outcome is FaceOutcome.NO_FACE
    assert await FaceAttempt.count() == 0


async def test_a_bad_image_is_refused_logged_and_punches_nobody(world: World, kiosk) -> None:
    with pytest.raises(InvalidInput) as refused:
        await face_clock.clock_in(content=b"not a jpeg", terminal=kiosk, now=at("08:00:00"), limits=LIMITS)
    assert refused.value.errors[0].message == "不是有效的图片文件"
    assert await FaceAttempt.count().where(FaceAttempt.outcome == FaceOutcome.BAD_IMAGE) == 1
    assert await face_punches() == []


async def test_a_person_who_left_is_no_longer_recognised(world: World, kiosk) -> None:
    await services.update_staff(
        staff_id=world.staff[0].id,
        data=StaffUpdate(status=StaffStatus.LEFT, left_on=MONDAY - dt.timedelta(days=1)),
        scope=None,
        today=MONDAY,
    )
    result = await show(kiosk, "obama-2.jpg", at("08:00:00"))
    assert result.outcome is FaceOutcome.UNKNOWN
    assert await face_punches() == []


async def test_a_terminal_recognises_only_its_own_halls_staff(world: World, kiosk) -> None:
    elsewhere = await terminal(world.other_town.id, world, name="绿水镇入口")
    result = await show(elsewhere, "obama-2.jpg", at("08:00:00"))
    assert result.outcome is FaceOutcome.UNKNOWN
    assert await face_punches() == []


async def test_a_non_working_day_is_recorded_but_says_so(world: World, kiosk) -> None:
    saturday = MONDAY - dt.timedelta(days=2)
    result = await show(kiosk, "obama-2.jpg", at("08:00:00", saturday))
    assert result.outcome is FaceOutcome.CLOCKED
    assert result.meaning == "已记录（今天不是工作日）"


# ---- the terminal program's punches ------------------------------------------------------


def sent(world: World, key: str, when: str = "2026-11-16T08:02:00+08:00", person: int = 0) -> TerminalPunch:
    return TerminalPunch(key=key, staff_id=world.staff[person].id, punched_at=when, distance=0.31)


async def test_a_terminal_punch_is_stored_once_however_often_it_is_sent(world: World) -> None:
    program = await terminal(world.town.id, world, name="东门终端", kind=DeviceKind.FACE_TERMINAL)
    first, created = await face_clock.terminal_punch(
        data=sent(world, "t1-0001abcd"), terminal=program, now=at("09:00:00"), timezone=TZ
    )
    assert created and first.outcome is FaceOutcome.CLOCKED
    assert first.meaning == "上午上班签到 · 正常"
    again, created_again = await face_clock.terminal_punch(
        data=sent(world, "t1-0001abcd"), terminal=program, now=at("09:05:00"), timezone=TZ
    )
    assert not created_again and again.outcome is FaceOutcome.CLOCKED and again.attempt_id == first.attempt_id
    assert await face_punches() == [
        {"staff": world.staff[0].id, "punched_at": at("08:02:00"), "device": "东门终端"}
    ]


async def test_a_terminal_punch_in_utc_lands_at_hall_time(world: World) -> None:
    program = await terminal(world.town.id, world, name="东门终端", kind=DeviceKind.FACE_TERMINAL)
    await face_clock.terminal_punch(
        data=sent(world, "t1-utc00001", when="2026-11-16T00:02:00Z"),
        terminal=program,
        now=at("09:00:00"),
        timezone=TZ,
    )
    assert (await face_punches())[0]["punched_at"] == at("08:02:00")


async def test_a_terminal_cannot_punch_for_another_hall(world: World) -> None:
    program = await terminal(world.town.id, world, name="东门终端", kind=DeviceKind.FACE_TERMINAL)
    data = TerminalPunch(key="t1-other001", staff_id=world.other_staff.id, punched_at="2026-11-16T08:00:00")
    with pytest.raises(InvalidInput):
        await face_clock.terminal_punch(data=data, terminal=program, now=at("09:00:00"), timezone=TZ)
    assert await face_punches() == []


async def test_the_gallery_holds_the_halls_enrolled_staff_only(world: World, kiosk) -> None:
    found = await face_clock.gallery(terminal=kiosk, day=MONDAY)
    assert sorted(p.staff_id for p in found.people) == [world.staff[0].id, world.staff[1].id]
    assert (found.tolerance, found.margin, found.repeat_seconds) == (0.5, 0.1, 60)
    assert found.version == (await face_clock.gallery(terminal=kiosk, day=MONDAY)).version


# ---- enrolment ----------------------------------------------------------------------------


async def test_enrolment_refuses_each_bad_photo_and_keeps_the_old_enrolment(
    world: World, media: Path
) -> None:
    await enrol(world, 0, "obama-1.jpg", media=media)
    with pytest.raises(InvalidInput) as refused:
        await enrol(world, 0, "obama-2.jpg", "two-people.jpg", "obama-partial.jpg", media=media)
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("photos[1]", "画面中有多张人脸，请一人一次"),
        ("photos[2]", "人脸不完整，请正对镜头、站在画面中间"),
    ]
    assert await FacePhoto.count().where(FacePhoto.staff == world.staff[0].id) == 1


async def test_photos_of_two_people_are_not_one_enrolment(world: World, media: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        await enrol(world, 0, "obama-1.jpg", "biden-1.jpg", media=media)
    assert refused.value.errors[0].message == "第 {i} 张和第 {j} 张照片不像是同一个人"


async def test_someone_already_enrolled_cannot_be_enrolled_as_another(world: World, media: Path) -> None:
    await enrol(world, 1, "biden-1.jpg", media=media)
    with pytest.raises(Conflict):
        await enrol(world, 2, "biden-2.jpg", media=media)


async def test_enrolling_again_replaces_photos_and_files(world: World, media: Path) -> None:
    first = await enrol(world, 0, "obama-1.jpg", "obama-2.jpg", media=media)
    old_files = [p["photo"] for p in await FacePhoto.select(FacePhoto.photo)]
    second = await enrol(world, 0, "obama-3.jpg", media=media)
    assert len(first.photos) == 2 and len(second.photos) == 1
    assert not any((media / name).exists() for name in old_files)
    assert (
        await face_enrolment.photo_path(photo_id=second.photos[0].id, scope=None, media_dir=media)
    ).is_file()


async def test_one_to_five_photos(world: World, media: Path) -> None:
    with pytest.raises(InvalidInput):
        await enrol(world, 0, media=media)
    with pytest.raises(InvalidInput):
        await enrol(world, 0, *["obama-1.jpg"] * 6, media=media)


async def test_self_enrolment_is_once(world: World, media: Path) -> None:
    await enrol(world, 0, "obama-1.jpg", media=media, first_time_only=True)
    with pytest.raises(NotAllowed):
        await enrol(world, 0, "obama-2.jpg", media=media, first_time_only=True)


async def test_a_person_who_left_cannot_be_enrolled(world: World, media: Path) -> None:
    await services.update_staff(
        staff_id=world.staff[0].id, data=StaffUpdate(status=StaffStatus.LEFT), scope=None, today=MONDAY
    )
    with pytest.raises(Conflict):
        await enrol(world, 0, "obama-1.jpg", media=media)


async def test_encodings_can_be_rebuilt_from_the_stored_photos(world: World, media: Path) -> None:
    await enrol(world, 0, "obama-1.jpg", "obama-2.jpg", media=media)
    await FacePhoto.update({FacePhoto.encoding: b"\0" * 512}, force=True)
    assert await face_enrolment.rebuild_encodings(hall_id=world.town.id, media_dir=media, limits=LIMITS) == (
        2,
        0,
    )
    assert all(row["encoding"] != b"\0" * 512 for row in await FacePhoto.select(FacePhoto.encoding))
