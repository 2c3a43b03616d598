"""A county's published quarter as the ranking PDF: 50 township halls of 10 windows (500
windows, 2,500 staff), each with its service stars' photos.

    .venv/bin/python bench/ranking_export.py [--halls 50] [--windows 500] [--staff 2500] [--runs 3]

Creates a throw-away PostgreSQL database on the server of DATABASE_URL (default: the local
one) and a throw-away media folder, migrates the database and fills it (asyncpg COPY; set-up
is not measured) with 2026-Q3 as a county looks once every township has published it:

- the county centre (no windows) over `--halls` township halls, `--windows` windows and
  `--staff` people spread over them (bench/assessment_quarter.py's organisation);
- the three months signed off, with every window's and person's score as signed
  (`MonthScore`): 85 to 100, one person of each hall at 100 each month (its service star,
  a different one each month) with a 600x800 JPEG photo, as `normalise_photo` stores them;
- each hall's quarter published: its ranking frozen (`QuarterResult`: the mean of the
  three months, the grade, upheld complaints for one window in ten) and July's star chosen
  as the quarter's.

Measured, in this process, with the product's connection pool: `export_ranking` of the
county as a PDF (every hall's section: its ranking, its stars with photos, its bars), `--runs`
times; the first run pays what a fresh process pays (xhtml2pdf's import, the font's
registration). Beside it: the reading alone (`published_quarter`: the publications, every
hall's report, the photos), the XLSX of the same, and the load average, because other work on
the shared 2-core machine stretches the wall clock.

Target (issue 8): the quarter ranking PDF for 500 windows under 10 s, judged on the slowest
run. The ratio printed is figure / target: below 1 meets it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.assessment_quarter import MONTHS, QUARTER, County, _database_url, _organisation, _server  # noqa: E402

NOW = dt.datetime(2026, 10, 20, 9, 0)  # hall-local: the quarter is over and published
TARGET_SECONDS = 10.0
CAPS = {"attendance": 30, "discipline": 30, "hygiene": 10, "service": 30}


def _photo(rng: random.Random) -> bytes:
    """A 600x800 JPEG about the size of a stored staff photo: a smooth picture with grain."""
    from PIL import Image, ImageFilter

    image = Image.effect_noise((600, 800), 40).convert("RGB")
    image = Image.blend(
        image.filter(ImageFilter.GaussianBlur(3)), Image.new("RGB", (600, 800), _tint(rng)), 0.5
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def _tint(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randint(60, 200), rng.randint(60, 200), rng.randint(60, 200))


def _categories(total: int) -> dict[str, list[int]]:
    """Points lost, all of them in attendance and service: [cap, deducted, counted]."""
    lost = 100 - total
    attendance = min(lost, CAPS["attendance"])
    return {
        "attendance": [CAPS["attendance"], attendance, attendance],
        "discipline": [CAPS["discipline"], 0, 0],
        "hygiene": [CAPS["hygiene"], 0, 0],
        "service": [CAPS["service"], lost - attendance, lost - attendance],
    }


def _grade(score: Decimal, upheld: int) -> str:
    if score >= 95 and not upheld:
        return "excellent"
    return "standard" if score >= 85 else "ordinary"


async def _publish(
    connection: asyncpg.Connection, county: County, media_dir: Path, rng: random.Random
) -> int:
    """The three months signed off and every hall's quarter published; returns how many
    photos were written."""
    signed = dt.datetime(2026, 10, 10, 2, 0, tzinfo=dt.UTC)
    await connection.copy_records_to_table(
        "month_sign_off",
        columns=["hall", "month", "signed_by", "signed_at"],
        records=[(hall, month, None, signed) for hall in county.halls for month in MONTHS],
    )
    scores, stars, window_totals = [], {}, {}
    for hall in county.halls:
        people = [person for window in county.windows[hall] for person in county.people[window]]
        stars[hall] = [people[index * len(people) // len(MONTHS)] for index in range(len(MONTHS))]
        for index, month in enumerate(MONTHS):
            for window in county.windows[hall]:
                total = rng.randint(85, 100)
                window_totals.setdefault(window, []).append(total)
                scores.append((hall, month, window, None, json.dumps(_categories(total)), 0, total))
            for person in people:
                total = 100 if person == stars[hall][index] else rng.randint(85, 99)
                scores.append((hall, month, None, person, json.dumps(_categories(total)), 0, total))
    await connection.copy_records_to_table(
        "month_score",
        columns=["hall", "month", "window", "staff", "categories", "bonus", "total"],
        records=scores,
    )
    photos = 0
    (media_dir / "staff").mkdir(parents=True, exist_ok=True)
    for hall in county.halls:
        for person in set(stars[hall]):
            (media_dir / "staff" / f"{person}.jpg").write_bytes(_photo(rng))
            await connection.execute(
                "UPDATE staff SET photo = $1 WHERE id = $2", f"staff/{person}.jpg", person
            )
            photos += 1
    published = dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)
    publications = await connection.fetch(
        "INSERT INTO quarter_publication (hall, quarter, star, star_score, published_by, published_at)"
        " SELECT unnest($1::int[]), $2, unnest($3::int[]), '', NULL, $4 RETURNING id, hall",
        county.halls,
        QUARTER,
        [stars[hall][0] for hall in county.halls],
        published,
    )
    results = []
    for row in publications:
        windows = county.windows[row["hall"]]
        upheld = {window: 1 if rng.random() < 0.1 else 0 for window in windows}
        means = {
            window: (Decimal(sum(window_totals[window])) / 3).quantize(Decimal("0.01"), ROUND_HALF_UP)
            for window in windows
        }
        ranked = sorted(windows, key=lambda window: (-means[window], upheld[window], window))
        for rank, window in enumerate(ranked, start=1):
            evaluations = rng.randint(300, 700)
            results.append(
                (
                    row["id"],
                    window,
                    rank,
                    means[window],
                    json.dumps(window_totals[window]),
                    upheld[window],
                    evaluations,
                    evaluations - rng.randint(0, 40),
                    _grade(means[window], upheld[window]),
                )
            )
    await connection.copy_records_to_table(
        "quarter_result",
        columns=[
            "publication",
            "window",
            "rank",
            "score",
            "monthly",
            "upheld_complaints",
            "evaluations",
            "satisfied",
            "grade",
        ],
        records=results,
    )
    return photos


def _pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


async def _measure(halls: int, windows: int, staff: int, runs: int) -> None:
    name = f"bench_ranking_{uuid.uuid4().hex[:10]}"
    await _server(f'CREATE DATABASE "{name}"')
    url = _database_url(name)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-ranking-"))
    os.environ.update(
        {"DATABASE_URL": url, "DATABASE_POOL": "1", "DEMO_DATA": "0", "DATA_DIR": str(data_dir)}
    )
    from assessment import ranking, ranking_export
    from hall import db
    from hall.config import get_config
    from hall.documents import Format

    config = get_config()
    try:
        setup = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            await db.migrate()
        await db.start(config.database)
        rng = random.Random(20261012)
        connection = await asyncpg.connect(url)
        try:
            county = await _organisation(connection, halls, windows, staff)
            photos = await _publish(connection, county, config.media_dir, rng)
            await connection.execute("VACUUM ANALYZE")
        finally:
            await connection.close()
        print(
            f"{len(county.halls)} halls, {sum(map(len, county.windows.values())):,} windows,"
            f" {len(county.staff):,} staff; {QUARTER:%Y}-Q3 signed off and published in every hall,"
            f" {photos} star photos (set up in {time.perf_counter() - setup:.0f} s)"
        )

        load = os.getloadavg()[0]
        pdf_runs, last = [], None
        for _ in range(runs):
            started = time.perf_counter()
            last = await ranking_export.export_ranking(
                hall_id=county.county, quarter=QUARTER, format=Format.PDF, now=NOW
            )
            pdf_runs.append(time.perf_counter() - started)
        assert last is not None
        started = time.perf_counter()
        publication = await ranking.published_quarter(
            hall_id=county.county, quarter=QUARTER, now=NOW, media_dir=config.media_dir, scope=None
        )
        reading = time.perf_counter() - started
        lines = sum(len(section.report.lines) for section in publication.sections)
        if lines != windows or len(publication.sections) != halls:
            raise SystemExit(f"incomplete: {len(publication.sections)} sections, {lines} lines")
        started = time.perf_counter()
        xlsx = await ranking_export.export_ranking(
            hall_id=county.county, quarter=QUARTER, format=Format.XLSX, now=NOW
        )
        xlsx_seconds = time.perf_counter() - started
        load = max(load, os.getloadavg()[0])
        judged = max(pdf_runs)
        print(
            f"ranking PDF:  first {pdf_runs[0]:6.2f} s (a fresh process: xhtml2pdf imported, the font"
            f" registered), then {', '.join(f'{run:.2f}' for run in pdf_runs[1:])} s;"
            f" median {statistics.median(pdf_runs):.2f} s\n"
            f"  {_pages(last.content)} pages, {len(last.content) / 1e6:.1f} MB, {lines} ranking lines,"
            f" {sum(len(section.stars) for section in publication.sections)} star cards\n"
            f"  of which reading {reading:.2f} s (publications, every hall's report, the photos); the rest"
            f" is laying out and drawing\n"
            f"ranking XLSX: {xlsx_seconds:6.2f} s ({len(xlsx.content) / 1e3:.0f} kB)\n"
            f"ratio:        {judged / TARGET_SECONDS:6.2f}    (slowest PDF run / target"
            f" {TARGET_SECONDS:.0f} s): {'PASS' if judged < TARGET_SECONDS else 'MISS'};"
            f" load average {load:.1f} on"
            f" {os.cpu_count()} cores"
        )
    finally:
        await db.stop()
        await _server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halls", type=int, default=50)
    parser.add_argument("--windows", type=int, default=500)
    parser.add_argument("--staff", type=int, default=2500)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(_measure(arguments.halls, arguments.windows, arguments.staff, arguments.runs))


if __name__ == "__main__":
    main()
