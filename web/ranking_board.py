"""The public ranking board: the hall's screen shows its latest published quarter (the
windows ranked with their grades, the excellent ones highlighted, the service stars with
their photos) in large type, refreshing itself; no sign-in, and nothing the director has
not published (assessment/ranking.py)."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import File, Template

from assessment import ranking
from assessment.scoring import Grade
from hall.services import get_hall
from web.guards import PUBLIC
from web.pages import config, render

REFRESH_SECONDS = 60
# A published board changes once a quarter: a screen may keep a star's photo for a while.
PHOTO_CACHE = {"Cache-Control": "public, max-age=600"}


class RankingBoard(Controller):
    path = "/board/ranking"

    @get("/{hall_id:int}", opt=PUBLIC)
    async def board(self, request: Request, hall_id: FromPath[int]) -> Template:
        settings = config(request)
        hall = await get_hall(hall_id=hall_id, scope=None)
        now = settings.local_now()
        section = await ranking.latest_published(hall_id=hall_id, now=now, media_dir=settings.media_dir)
        published_at = section.report.published_at if section else None
        return render(
            request,
            "board/ranking.html",
            hall=hall,
            section=section,
            quarter_name=ranking.quarter_name(section.report.quarter) if section else "",
            published_on=published_at.astimezone(settings.timezone).date() if published_at else None,
            grades=Grade,
            refresh_seconds=REFRESH_SECONDS,
            now=now,
        )

    @get("/{hall_id:int}/photos/{staff_id:int}", opt=PUBLIC)
    async def photo(self, request: Request, hall_id: FromPath[int], staff_id: FromPath[int]) -> File:
        path = await ranking.star_photo(
            hall_id=hall_id,
            staff_id=staff_id,
            now=config(request).local_now(),
            media_dir=config(request).media_dir,
        )
        return File(
            path=path, media_type="image/jpeg", content_disposition_type="inline", headers=PHOTO_CACHE
        )


ROUTES = [RankingBoard]
