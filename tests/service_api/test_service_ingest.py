"""Ingest runs through the service on a warehouse that starts empty: /readyz goes 503 -> 200
around the first build, one run at a time (409), reads keep answering while a run loads and
builds, a newly published snapshot is served without a restart, failures say why."""

from __future__ import annotations

import collections
import time

import duckdb
import pytest
from helpers.email_scan import assert_no_email
from prometheus_client.parser import text_string_to_metric_families
from service_harness import ServiceProcess

from warehouse.lock import warehouse_lock
from warehouse.paths import WarehousePaths


@pytest.fixture(scope="module")
def service(tmp_path_factory, examples):
    """The service on a folder with no warehouse yet; the sources are the example files."""
    root = tmp_path_factory.mktemp("service-ingest")
    service = ServiceProcess(
        root,
        DUCKDB_PATH=str(root / "warehouse.duckdb"),
        ADS_API_URL=str(examples / "ads.json"),
        CRM_API_URL=str(examples / "crm.json"),
    ).start()
    service.paths = WarehousePaths(
        root / "warehouse.duckdb", root / ".admira", root / "published" / "warehouse.duckdb"
    )
    service.finished_runs = []
    try:
        yield service
    finally:
        service.stop()


def run_to_the_end(service, query: str = "") -> dict:
    response = service.post(f"/ingest/run{query}")
    assert response.status_code == 202, response.text
    run_id = response.json()["run_id"]
    assert response.headers["Location"] == f"/ingest/runs/{run_id}"
    run = service.wait_for_run(run_id)
    service.finished_runs.append(run["status"])
    return run


@pytest.fixture(scope="module")
def first_build(service):
    """A successful first run, unless test_readyz_503_then_200... already made it."""
    if not service.paths.snapshot_path.exists():
        run = run_to_the_end(service, "?since=2025-08-01")
        assert run["status"] == "succeeded", run["error"]
    return service


def snapshot_count(service) -> int:
    with duckdb.connect(str(service.paths.snapshot_path), read_only=True) as con:
        return con.execute("select count(*) from marts.fct_campaign_daily").fetchone()[0]


def test_readyz_503_then_200_around_the_first_build(service):
    before = service.get("/readyz")
    assert before.status_code == 503
    assert set(before.json()["failed"]) == {"snapshot", "marts", "last_load", "last_build"}
    no_data = service.get("/metrics/channel")
    assert no_data.status_code == 503 and "snapshot" in no_data.json()["error"]

    started = service.post("/ingest/run?since=2025-08-01")
    assert started.status_code == 202
    run_id = started.json()["run_id"]
    second = service.post("/ingest/run")
    assert second.status_code == 409
    assert second.json()["run_id"] == run_id

    run = service.wait_for_run(run_id)
    service.finished_runs.append(run["status"])
    assert run["status"] == "succeeded", run["error"]
    assert [(s["name"], s["exit_code"]) for s in run["steps"]] == [("load", 0), ("build", 0)]
    assert run["since"] == "2025-08-01" and run["error"] is None
    crm = run["summary"]["sources"]["crm"]
    assert crm["rejected"] == 1  # CONTRACT §7: the record with an empty created_at
    assert run["build"]["status"] == "ok"

    after = service.get("/readyz")
    assert after.status_code == 200, after.text
    assert service.get("/metrics/channel").json()["count"] == snapshot_count(service)


def test_reads_answer_during_a_run_and_see_the_new_snapshot(first_build):
    service = first_build
    count_before = service.get("/metrics/channel").json()["count"]
    response = service.post("/ingest/run")  # no since: the days before 2025-08-01 come in too
    assert response.status_code == 202
    run_id = response.json()["run_id"]
    answered_while_running = 0
    counts_seen = set()
    while True:
        status = service.get(f"/ingest/runs/{run_id}").json()["status"]
        if status in ("succeeded", "failed"):
            break
        reads = [
            service.get("/healthz"),
            service.get("/readyz"),
            service.get("/metrics/channel?limit=5"),
            service.get("/metrics/funnel?from=2025-08-01"),
        ]
        still = service.get(f"/ingest/runs/{run_id}").json()["status"]
        if status == still == "running":
            assert [r.status_code for r in reads] == [200, 200, 200, 200]
            counts_seen.add(reads[2].json()["count"])
            answered_while_running += 1
        time.sleep(0.1)
    run = service.wait_for_run(run_id)
    service.finished_runs.append(run["status"])
    assert run["status"] == "succeeded", run["error"]
    assert answered_while_running >= 3
    count_after = service.get("/metrics/channel").json()["count"]
    assert count_after == snapshot_count(service) > count_before
    # The build replaces the snapshot in one rename near its end: readers saw the old data or
    # the new, never a half-built state in between.
    assert counts_seen <= {count_before, count_after} and count_before in counts_seen
    print("step seconds:", [(s["name"], s["seconds"]) for s in run["steps"]])


def test_a_run_fails_with_the_lock_holders_message(first_build):
    service = first_build
    with warehouse_lock(service.paths.state_dir, "a test holding the warehouse"):
        run = run_to_the_end(service, "?since=2025-08-01")
    assert run["status"] == "failed"
    assert "busy" in run["error"] and "a test holding the warehouse" in run["error"]
    assert [s["name"] for s in run["steps"]] == ["load"]  # no build after a failed load
    assert run["summary"] is None  # the loader wrote no record: it never started
    assert service.get("/readyz").status_code == 200  # the published data is still good


def test_export_without_a_sink_is_503(first_build):
    response = first_build.post("/export/run?date=2025-08-01")
    assert response.status_code == 503
    assert "SINK_URL" in response.json()["error"] and "SINK_SECRET" in response.json()["error"]


def test_metrics_count_the_runs(first_build):
    service = first_build
    families = {f.name: f for f in text_string_to_metric_families(service.get("/metrics").text)}
    counted = {
        s.labels["status"]: s.value
        for s in families["admira_ingest_runs"].samples
        if s.name == "admira_ingest_runs_total"
    }
    assert counted == dict(collections.Counter(service.finished_runs))
    assert "ingest_requests" in families  # the loader's file, passed on


def test_run_records_and_logs_hold_no_email(first_build):
    service = first_build
    for record in service.log_records():
        if record.get("event") == "ingest_run_finished":
            run = service.get(f"/ingest/runs/{record['run_id']}")  # the client checks it
            assert run.status_code == 200
    assert_no_email(service.log_path.read_text(), "the service log")
