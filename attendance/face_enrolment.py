"""Face enrolment (人脸采集): one to five photos of a person, each with exactly one usable
face, stored with the encodings made from them. Enrolling again replaces them all; nothing
is written unless every photo passes."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from pathlib import Path

import numpy as np

from attendance import face_engine, face_match, faces
from attendance.schemas import EnrolmentRead, FacePhotoRead
from attendance.tables import FacePhoto
from hall import db
from hall.errors import Conflict, FieldError, InvalidInput, NotAllowed, NotFound
from hall.services import HallScope, get_staff
from hall.tables import StaffStatus

MAX_PHOTOS = 5
# Two photos of one person are at most ~0.45 apart; two people at least ~0.6 (the shared
# faces: A-A 0.04-0.43, A-B 0.80-0.87). Beyond this the photos are of different people.
SAME_PERSON = 0.55
# An enrolment this near another enrolled person would make both unsure at the terminal.
TOO_ALIKE = 0.45
EXTENSIONS = {b"\xff\xd8": ".jpg", b"\x89P": ".png", b"RI": ".webp", b"BM": ".bmp"}


PHOTO_LABEL = "第 {n} 张照片"


def _photo_field(index: int) -> tuple[str, str]:
    return f"photos[{index}]", PHOTO_LABEL.format(n=index + 1)


async def _analyse_all(photos: list[bytes], limits: faces.ImageLimits) -> list[bytes]:
    """The encoding of each photo, or InvalidInput naming every photo refused and why."""
    errors: list[FieldError] = []
    encodings: list[bytes] = []
    for index, content in enumerate(photos):
        field, label = _photo_field(index)
        try:
            analysis = await face_engine.analyse(content, limits, strict=True)
        except faces.ImageRefused as refused:
            errors.append(FieldError(field, label, refused.message, refused.params))
            continue
        if analysis.problem is not None:
            errors.append(FieldError(field, label, faces.PROBLEM_MESSAGES[analysis.problem]))
            continue
        assert analysis.encoding is not None
        encodings.append(analysis.encoding)
    if errors:
        raise InvalidInput(errors)
    return encodings


def _check_one_person(encodings: list[bytes]) -> None:
    for (i, a), (j, b) in itertools.combinations(enumerate(encodings), 2):
        if float(np.linalg.norm(faces.vector(a) - faces.vector(b))) > SAME_PERSON:
            field, _ = _photo_field(j)
            raise InvalidInput.single(
                field, "照片", "第 {i} 张和第 {j} 张照片不像是同一个人", i=i + 1, j=j + 1
            )


async def _check_not_someone_else(*, hall_id: int, staff_id: int, encodings: list[bytes]) -> None:
    rows = await FacePhoto.select(FacePhoto.staff, FacePhoto.staff.name, FacePhoto.encoding).where(
        (FacePhoto.hall == hall_id) & (FacePhoto.staff != staff_id)
    )
    if not rows:
        return
    gallery = face_match.Gallery((row["staff"], row["encoding"]) for row in rows)
    names = {row["staff"]: row["staff.name"] for row in rows}
    for encoding in encodings:
        distances = gallery.distances(faces.vector(encoding))
        nearest = int(np.argmin(distances))
        if distances[nearest] <= TOO_ALIKE:
            raise Conflict(
                "照片中的人脸与已采集的 {name} 过于相似，请确认没有选错人员",
                name=names[int(gallery.staff_ids[nearest])],
            )


def _write_photo(media_dir: Path, staff_id: int, content: bytes) -> Path:
    relative = Path("faces") / str(staff_id) / f"{uuid.uuid4().hex}{EXTENSIONS.get(content[:2], '.img')}"
    target = media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return relative


async def enrol(
    *,
    staff_id: int,
    photos: list[bytes],
    scope: HallScope,
    actor_id: int,
    media_dir: Path,
    limits: faces.ImageLimits,
    first_time_only: bool = False,
) -> EnrolmentRead:
    """Replace the person's enrolment with these photos. `first_time_only`: the person
    enrolling themselves, which the hall allows once; after that the clerk re-enrols."""
    if not 1 <= len(photos) <= MAX_PHOTOS:
        raise InvalidInput.single("photos", "照片", "请上传 1 至 {n} 张照片", n=MAX_PHOTOS)
    person = await get_staff(staff_id=staff_id, scope=scope)
    if person.status == StaffStatus.LEFT:
        raise Conflict("{name} 已离岗，不能采集人脸", name=person.name)
    if first_time_only and await FacePhoto.exists().where(FacePhoto.staff == staff_id):
        raise NotAllowed("您已采集过人脸；如需重新采集，请联系考勤员")
    encodings = await _analyse_all(photos, limits)
    _check_one_person(encodings)
    await _check_not_someone_else(hall_id=person.hall_id, staff_id=staff_id, encodings=encodings)
    written = [_write_photo(media_dir, staff_id, content) for content in photos]
    try:
        async with db.transaction():
            old = await FacePhoto.select(FacePhoto.photo).where(FacePhoto.staff == staff_id)
            await FacePhoto.delete().where(FacePhoto.staff == staff_id)
            await FacePhoto.insert(
                *(
                    FacePhoto(
                        staff=staff_id,
                        hall=person.hall_id,
                        photo=str(relative),
                        encoding=encoding,
                        enrolled_by=actor_id,
                        created_at=dt.datetime.now(dt.UTC),
                    )
                    for relative, encoding in zip(written, encodings, strict=True)
                )
            )
    except BaseException:
        for relative in written:
            (media_dir / relative).unlink(missing_ok=True)
        raise
    for row in old:
        (media_dir / row["photo"]).unlink(missing_ok=True)
    return await enrolment_of(staff_id=staff_id, scope=scope)


async def enrolment_of(*, staff_id: int, scope: HallScope) -> EnrolmentRead:
    person = await get_staff(staff_id=staff_id, scope=scope)
    rows = (
        await FacePhoto.select(FacePhoto.id, FacePhoto.created_at, FacePhoto.enrolled_by.display_name)
        .where(FacePhoto.staff == staff_id)
        .order_by(FacePhoto.id)
    )
    return EnrolmentRead(
        staff_id=person.id,
        staff_name=person.name,
        photos=[
            FacePhotoRead(id=r["id"], created_at=r["created_at"], enrolled_by=r["enrolled_by.display_name"])
            for r in rows
        ],
    )


async def enrolled_counts(*, hall_id: int) -> dict[int, int]:
    """Photos per enrolled person of a hall, for the staff list."""
    rows = await FacePhoto.select(FacePhoto.staff).where(FacePhoto.hall == hall_id)
    counts: dict[int, int] = {}
    for row in rows:
        counts[row["staff"]] = counts.get(row["staff"], 0) + 1
    return counts


async def remove_enrolment(*, staff_id: int, scope: HallScope, media_dir: Path) -> None:
    await get_staff(staff_id=staff_id, scope=scope)
    async with db.transaction():
        old = await FacePhoto.select(FacePhoto.photo).where(FacePhoto.staff == staff_id)
        await FacePhoto.delete().where(FacePhoto.staff == staff_id)
    for row in old:
        (media_dir / row["photo"]).unlink(missing_ok=True)


async def photo_path(*, photo_id: int, scope: HallScope, media_dir: Path) -> Path:
    row = await FacePhoto.select(FacePhoto.staff, FacePhoto.photo).where(FacePhoto.id == photo_id).first()
    if row is not None:
        await get_staff(staff_id=row["staff"], scope=scope)
    if row is None or not (media_dir / row["photo"]).is_file():
        raise NotFound("没有找到这张人脸照片")
    return media_dir / row["photo"]


async def rebuild_encodings(*, hall_id: int, media_dir: Path, limits: faces.ImageLimits) -> tuple[int, int]:
    """Encode every stored photo of a hall again (after a library or model upgrade).
    Returns (rebuilt, failed); a photo that no longer yields a face keeps its encoding."""
    rebuilt = failed = 0
    rows = await FacePhoto.select(FacePhoto.id, FacePhoto.photo).where(FacePhoto.hall == hall_id)
    for row in rows:
        try:
            analysis = await face_engine.analyse((media_dir / row["photo"]).read_bytes(), limits, strict=True)
        except (OSError, faces.ImageRefused):
            failed += 1
            continue
        if analysis.encoding is None:
            failed += 1
            continue
        await FacePhoto.update({FacePhoto.encoding: analysis.encoding}).where(FacePhoto.id == row["id"])
        rebuilt += 1
    return rebuilt, failed
