"""A worker killed in the middle of a job: another worker redoes the job, and what the job
makes exists once."""

from __future__ import annotations

import pytest

from tests.faults.conftest import (
    PostgresCluster,
    RedisServer,
    app_environ,
    new_hall,
    query,
    wait_for,
    worker_for,
)
from tests.server import AppServer, admin_api

pytestmark = pytest.mark.faults

# Enough people for the month's PDF to take the worker a moment.
STAFF = 25
# A killed worker's job is redone once this (plus arq's 10 s) has passed since it started.
JOB_TIMEOUT_SECONDS = "15"


def test_a_document_job_whose_worker_was_killed_is_redone_once(
    postgres: PostgresCluster, redis_server: RedisServer, servers: list
) -> None:
    redis_server.start()
    database_url = postgres.create_database()
    server = AppServer(demo_data=False, environ=app_environ(database_url, REDIS_URL=redis_server.url))
    servers.append(server)
    server.start()
    admin = admin_api(server)
    hall = new_hall(admin, [f"S{number:04d}" for number in range(STAFF)])
    worker = worker_for(server, JOB_TIMEOUT_SECONDS=JOB_TIMEOUT_SECONDS)
    servers.append(worker)
    worker.start()

    job = admin.call(
        "POST",
        "/api/documents/jobs",
        expect=202,
        json={"hall_id": hall["id"], "kind": "attendance_month", "period": "2026-10", "format": "pdf"},
    )

    def state() -> str:
        return query(database_url, "SELECT state FROM document_job WHERE id = $1", job["id"])[0]["state"]

    wait_for(lambda: state() == "running", 60, "the worker to start the job", every=0.05)
    worker.kill()
    assert state() == "running", "the job finished before its worker was killed: make it longer"
    assert query(database_url, "SELECT id FROM generated_file") == []

    second = worker_for(server, JOB_TIMEOUT_SECONDS=JOB_TIMEOUT_SECONDS)
    servers.append(second)
    second.start()
    wait_for(lambda: state() == "done", 90, "another worker to redo the job")

    files = query(database_url, "SELECT id, format FROM generated_file")
    assert [row["format"] for row in files] == ["pdf"]
    done = admin.call("GET", f"/api/documents/jobs/{job['id']}")
    assert done["document_id"] == files[0]["id"]
    assert admin.client.get(f"/api/documents/{files[0]['id']}/file").content.startswith(b"%PDF")
