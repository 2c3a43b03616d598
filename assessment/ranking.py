"""A quarter's ranking as published (季度公示): what a hall's publication shows, for its
documents (assessment/ranking_export.py) and its public board (web/ranking_board.py).

Nothing leaves the office before the director has published it: a quarter that is not
published is refused, and the board shows the latest published one. A county centre reads
every hall in its reach that has published the quarter, all at once (`scores.quarter_reports`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessment import scores
from assessment.schemas import QuarterRead, StarRead
from assessment.tables import QuarterPublication
from hall import db
from hall.errors import Conflict, InvalidInput, NotFound
from hall.schemas import HallRead
from hall.services import HallScope, get_hall, hall_scope, list_halls, list_windows, staff_photo
from hall.tables import Staff

QUARTER_NAMES = ("第一季度", "第二季度", "第三季度", "第四季度")
PERIOD = "{year}年{quarter}"
QUARTER_TEXT = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


def quarter_name(quarter: dt.date) -> str:
    """2026-07-01 -> 第三季度."""
    return QUARTER_NAMES[(quarter.month - 1) // 3]


def quarter_period(quarter: dt.date) -> str:
    """2026-07-01 -> 2026年第三季度."""
    return PERIOD.format(year=quarter.year, quarter=quarter_name(quarter))


def quarter_from_label(text: str) -> dt.date:
    """ "2026-Q3" -> 2026-07-01."""
    found = QUARTER_TEXT.match(text.strip())
    if found is None:
        raise InvalidInput.single("quarter", "季度", "格式不正确，应为 YYYY-Qn，如 2026-Q3")
    return dt.date(int(found.group(1)), (int(found.group(2)) - 1) * 3 + 1, 1)


@dataclass(frozen=True)
class Section:
    """One hall's published quarter as its documents and its board show it."""

    report: QuarterRead
    stars: list[StarRead]  # the quarter's first, then the monthly ones
    photos: dict[int, Path]  # staff id -> photo file, for the stars who have one

    def shown(self) -> dict[str, Any]:
        """What the section shows, JSON-able, for the document's fingerprint (a new photo is
        new content)."""
        return {
            "report": self.report.model_dump(mode="json", exclude={"proposed_star", "unsigned_months"}),
            "photos": {
                staff_id: hashlib.sha256(path.read_bytes()).hexdigest()
                for staff_id, path in self.photos.items()
            },
        }


def _stars(report: QuarterRead) -> list[StarRead]:
    return ([report.star] if report.star else []) + list(report.monthly_stars)


async def _photos(staff_ids: set[int], media_dir: Path) -> dict[int, Path]:
    if not staff_ids:
        return {}
    rows = await Staff.select(Staff.id, Staff.photo).where(db.any_of(Staff.id, staff_ids))
    return {
        row["id"]: media_dir / row["photo"]
        for row in rows
        if row["photo"] and (media_dir / row["photo"]).is_file()
    }


async def _sections(reports: list[QuarterRead], media_dir: Path) -> list[Section]:
    photos = await _photos({star.staff_id for report in reports for star in _stars(report)}, media_dir)
    sections = []
    for report in reports:
        stars = _stars(report)
        sections.append(
            Section(
                report,
                stars,
                {star.staff_id: photos[star.staff_id] for star in stars if star.staff_id in photos},
            )
        )
    return sections


@dataclass(frozen=True)
class Publication:
    """A quarter's published rankings in a hall's reach, the hall's own first."""

    hall: HallRead
    quarter: dt.date
    sections: list[Section]
    unpublished: list[str]  # halls with windows in reach that have not published it


async def published_quarter(
    *, hall_id: int, quarter: dt.date, now: dt.datetime, media_dir: Path, scope: HallScope
) -> Publication:
    """The quarter as published in the hall and the halls below it; Conflict when none has
    published it."""
    hall = await get_hall(hall_id=hall_id, scope=scope)
    quarter = scores.quarter_of(quarter)
    reach = await hall_scope(hall_id=hall_id)
    if scope is not None:
        reach = reach & scope
    halls = sorted(await list_halls(scope=reach), key=lambda h: (h.id != hall_id, h.id))
    published = {
        row["hall"]
        for row in await QuarterPublication.select(QuarterPublication.hall).where(
            db.any_of(QuarterPublication.hall, [h.id for h in halls])
            & (QuarterPublication.quarter == quarter)
        )
    }
    if not published:
        raise Conflict("{quarter}的考核结果尚未公示", quarter=scores.quarter_label(quarter))
    with_windows = {window.hall_id for window in await list_windows(scope=reach) if window.active}
    reports = await scores.quarter_reports(
        hall_ids=[h.id for h in halls if h.id in published], quarter=quarter, now=now
    )
    return Publication(
        hall,
        quarter,
        await _sections(list(reports.values()), media_dir),
        [h.name for h in halls if h.id in with_windows and h.id not in published],
    )


async def latest_published(*, hall_id: int, now: dt.datetime, media_dir: Path) -> Section | None:
    """The hall's most recent published quarter, as published: what its public board shows.
    None before its first publication."""
    await get_hall(hall_id=hall_id, scope=None)
    latest = (
        await QuarterPublication.select(QuarterPublication.quarter)
        .where(QuarterPublication.hall == hall_id)
        .order_by(QuarterPublication.quarter, ascending=False)
        .first()
    )
    if latest is None:
        return None
    report = await scores.quarter_report(hall_id=hall_id, quarter=latest["quarter"], now=now, scope=None)
    return (await _sections([report], media_dir))[0]


async def star_photo(*, hall_id: int, staff_id: int, now: dt.datetime, media_dir: Path) -> Path:
    """A service star's photo for the hall's board: only a star of the latest published
    quarter's, so that the board opens no one else's photo."""
    section = await latest_published(hall_id=hall_id, now=now, media_dir=media_dir)
    if section is None or staff_id not in {star.staff_id for star in section.stars}:
        raise NotFound("没有找到编号为 {id} 的人员", id=staff_id)
    return await staff_photo(staff_id=staff_id, media_dir=media_dir, scope=frozenset({hall_id}))
