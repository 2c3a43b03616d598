"""Documents kept with when and at whose request, once per content; made in the background
with their progress followed."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import openpyxl
from litestar.testing import AsyncTestClient

from attendance import months
from hall import documents
from hall import jobs as hall_jobs
from hall.background import InProcessJobQueue
from hall.config import get_config
from hall.documents import Export, Format
from hall.roles import Role
from hall.tables import DocumentJob, DocumentKind, GeneratedFile, Trigger
from tests.conftest import World

OCTOBER = dt.date(2026, 10, 1)


def _export(data: dict, content: bytes) -> Export:
    return Export(content, "示范镇-2026年10月考勤汇总.csv", Format.CSV, documents.fingerprint(data))


async def test_the_same_content_made_again_is_kept_once_and_a_change_is_kept_anew(world: World) -> None:
    data = {"people": [["王芳", 3]]}
    first = await documents.keep(
        _export(data, b"\xef\xbb\xbfa,b\r\n"),
        hall_id=world.town.id,
        kind=DocumentKind.ATTENDANCE_MONTH,
        period=OCTOBER,
        trigger=Trigger.SCHEDULE,
        actor_id=None,
    )
    # Made again later (its bytes carry another time), by someone else: the first stays.
    again = await documents.keep(
        _export(data, b"\xef\xbb\xbfa,b,later\r\n"),
        hall_id=world.town.id,
        kind=DocumentKind.ATTENDANCE_MONTH,
        period=OCTOBER,
        trigger=Trigger.PAGE,
        actor_id=next(iter(world.account_ids.values())),
    )
    assert again == first and await GeneratedFile.count() == 1
    path, read = await documents.document_file(document_id=first.id, scope=frozenset({world.town.id}))
    assert path.read_bytes() == b"\xef\xbb\xbfa,b\r\n" and read.trigger == Trigger.SCHEDULE
    assert path.is_relative_to(get_config().media_dir)

    changed = await documents.keep(
        _export({"people": [["王芳", 4]]}, b"\xef\xbb\xbfa,c\r\n"),
        hall_id=world.town.id,
        kind=DocumentKind.ATTENDANCE_MONTH,
        period=OCTOBER,
        trigger=Trigger.PAGE,
        actor_id=None,
    )
    assert changed.id != first.id and await GeneratedFile.count() == 2
    listed = await documents.list_documents(scope=frozenset({world.town.id}), hall_id=world.town.id)
    assert [document.id for document in listed] == [changed.id, first.id]  # newest first
    assert await documents.list_documents(scope=frozenset({world.other_town.id})) == []


# ---- the schedule --------------------------------------------------------------------------------


async def _made(hall_id: int) -> list[tuple[str, bool]]:
    rows = await GeneratedFile.select(GeneratedFile.format, GeneratedFile.draft).where(
        (GeneratedFile.hall == hall_id) & (GeneratedFile.period == OCTOBER)
    )
    return sorted((row["format"], row["draft"]) for row in rows)


async def test_the_first_makes_last_months_summary_as_a_draft_and_closing_it_makes_the_final_one(
    world: World,
) -> None:
    first = dt.datetime(2026, 11, 1, 6, 30)
    assert await hall_jobs.generate_monthly_documents({}, local_now=first) == 2  # both towns
    drafts = [("csv", True), ("pdf", True), ("xlsx", True)]
    assert await _made(world.town.id) == drafts
    # The job run again (a worker retrying it): nothing more.
    await hall_jobs.generate_monthly_documents({}, local_now=first)
    assert await _made(world.town.id) == drafts

    await months.close_month(
        hall_id=world.town.id,
        month=OCTOBER,
        scope=None,
        actor_id=world.account_ids[Role.CLERK],
        now=dt.datetime(2026, 11, 2, 9, 0),
    )
    await hall_jobs.generate_documents(
        {}, hall_id=world.town.id, kind=DocumentKind.ATTENDANCE_MONTH.value, period=OCTOBER
    )
    assert await _made(world.town.id) == sorted([*drafts, ("csv", False), ("pdf", False), ("xlsx", False)])
    assert await _made(world.other_town.id) == drafts


# ---- asked for from the page ------------------------------------------------------------------------


async def _run_queued(client: AsyncTestClient, job_id: int) -> None:
    """Let the job run: the app's own process runs it without Redis (its loop is the test
    client's, so wait for it to end); with Redis a worker would, and the test is that worker."""
    if not isinstance(client.app.state.jobs, InProcessJobQueue):
        await hall_jobs.make_document({}, job_id=job_id)
    for _ in range(600):
        if (await documents.job_state(job_id=job_id, scope=None)).state in ("done", "failed"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"document job {job_id} did not end")


async def test_a_clerk_asks_for_a_summary_follows_its_progress_and_downloads_it(
    world: World, client: AsyncTestClient
) -> None:
    asked = await client.post(
        "/documents",
        data={"hall_id": world.town.id, "kind": "attendance_month", "period": "2026-10", "format": "xlsx"},
        headers=world.cookie(Role.CLERK),
        follow_redirects=False,
    )
    assert asked.status_code == 303
    job_id = int(asked.headers["location"].rsplit("/", 1)[1])
    page = await client.get(f"/documents/jobs/{job_id}", headers=world.cookie(Role.CLERK))
    assert page.status_code == 200 and 'id="progress"' in page.text
    await _run_queued(client, job_id)

    job = (await client.get(f"/api/documents/jobs/{job_id}", headers=world.auth(Role.CLERK))).json()
    assert job["state"] == "done" and job["done"] == job["total"] > 0
    downloaded = await client.get(f"/documents/{job['document_id']}", headers=world.cookie(Role.CLERK))
    assert downloaded.status_code == 200
    assert downloaded.headers["content-type"].startswith(documents.CONTENT_TYPES[Format.XLSX])
    workbook = openpyxl.load_workbook(io.BytesIO(downloaded.content))
    assert len(workbook.sheetnames) == 3
    listed = await client.get(
        "/documents", params={"hall_id": world.town.id}, headers=world.cookie(Role.CLERK)
    )
    assert f'data-document-id="{job["document_id"]}"' in listed.text

    # Window staff may not.
    assert (await client.get("/documents", headers=world.cookie(Role.STAFF))).status_code == 403


async def test_a_bad_period_is_refused_in_chinese_and_a_refused_document_fails_with_its_reason(
    world: World, client: AsyncTestClient
) -> None:
    refused = await client.post(
        "/api/documents/jobs",
        json={"hall_id": world.town.id, "kind": "attendance_month", "period": "2026/10", "format": "pdf"},
        headers=world.auth(Role.CLERK),
    )
    assert (refused.status_code, refused.json()["detail"]) == (422, "期间：格式不正确，应为 YYYY-MM")
    assert await DocumentJob.count() == 0

    # A ranking of a quarter not published: the job fails and says why.
    asked = await client.post(
        "/api/documents/jobs",
        json={"hall_id": world.town.id, "kind": "quarter_ranking", "period": "2026-Q3", "format": "pdf"},
        headers=world.auth(Role.DIRECTOR),
    )
    assert asked.status_code == 202
    await _run_queued(client, asked.json()["id"])
    job = (
        await client.get(f"/api/documents/jobs/{asked.json()['id']}", headers=world.auth(Role.DIRECTOR))
    ).json()
    assert job["state"] == "failed" and "公示" in job["error"] and job["document_id"] is None
    assert await GeneratedFile.count() == 0


async def test_a_job_cut_off_at_its_timeout_says_so_rather_than_running_for_ever(world: World) -> None:
    job = await documents.request_document(
        hall_id=world.town.id,
        kind=DocumentKind.ATTENDANCE_MONTH,
        period=OCTOBER,
        format=Format.PDF,
        actor_id=None,
        scope=None,
    )
    running = asyncio.create_task(documents.run_job(job_id=job.id, now=get_config().local_now()))
    for _ in range(1000):
        if (await documents.job_state(job_id=job.id, scope=None)).state == "running":
            break
        await asyncio.sleep(0.01)
    running.cancel()  # as arq does to a job past its timeout
    try:
        await running
    except asyncio.CancelledError:
        pass
    state = await documents.job_state(job_id=job.id, scope=None)
    assert (state.state, state.error, state.document_id) == ("failed", documents.TIMED_OUT, None)
    assert await GeneratedFile.count() == 0
