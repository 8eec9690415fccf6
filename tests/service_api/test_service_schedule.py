"""`/readyz` and `/metrics` show what `make schedule` recorded: its runs by status and its next
run (none while no scheduler runs); with SCHEDULE set the service runs the schedule itself."""

from __future__ import annotations

import time

from helpers.warehouse_harness import Warehouse
from service_api.service_harness import ServiceProcess

from scheduler.runs import append_record, read_records, summary
from warehouse.lock import warehouse_lock


def test_readyz_and_metrics_count_the_scheduled_runs(tmp_path, monkeypatch):
    warehouse = Warehouse(tmp_path, monkeypatch)
    assert warehouse.load(None, None)["status"] == "ok"
    warehouse.build()
    runs = tmp_path / "runs.jsonl"
    for status in ("ok", "ok", "failed", "skipped"):
        append_record(runs, {"status": status, "scheduled_for": "2026-12-04T06:00:00+00:00"})
    service = ServiceProcess(
        tmp_path, DUCKDB_PATH=str(warehouse.paths.duckdb_path), SCHEDULE_RUNS_PATH=str(runs)
    ).start()
    try:
        schedule = service.get("/readyz").json()["schedule"]
        metrics = service.get("/metrics").text
    finally:
        service.stop()
    assert schedule == {"next_run": None, "runs_by_status": {"ok": 2, "failed": 1, "skipped": 1}}
    assert 'admira_scheduled_runs_total{status="ok"} 2.0' in metrics
    assert 'admira_scheduled_runs_total{status="failed"} 1.0' in metrics
    samples = [line for line in metrics.splitlines() if not line.startswith("#")]
    assert not [line for line in samples if line.startswith("admira_schedule_next_run")]


def test_the_service_runs_the_schedule_in_process_and_stops_it_cleanly(tmp_path, monkeypatch):
    """SCHEDULE set: the service loads, builds and checks freshness every second; /readyz and
    /metrics show it; SIGTERM to the service ends the running step and records the run."""
    warehouse = Warehouse(tmp_path, monkeypatch)
    runs = tmp_path / "runs.jsonl"
    service = ServiceProcess(
        tmp_path,
        DUCKDB_PATH=str(warehouse.paths.duckdb_path),
        SCHEDULE="* * * * * *",
        SCHEDULE_RUNS_PATH=str(runs),
    ).start()
    try:
        deadline = time.monotonic() + 120
        while not [r for r in read_records(runs) if r["status"] == "ok"]:
            assert time.monotonic() < deadline, service.log_path.read_text()[-3000:]
            time.sleep(0.2)
        ready = service.get("/readyz").json()
        metrics = service.get("/metrics").text
    finally:
        service.stop()
        exit_code = service.process.wait()

    log = service.log_path.read_text()
    # uvicorn re-raises the SIGTERM once its shutdown is complete
    assert exit_code == -15 and "Application shutdown complete" in log, log[-3000:]
    assert ready["schedule"]["runs_by_status"]["ok"] >= 1
    assert ready["checks"]["source_freshness"] == {"ok": True, "detail": "ads pass, crm pass"}
    assert 'admira_scheduled_runs_total{status="ok"}' in metrics
    records = read_records(runs)
    first = records[0]
    assert first["status"] == "ok" and first["freshness"] == {"ads": "pass", "crm": "pass"}
    assert first["exit_codes"] == {"load": 0, "build": 0, "freshness": 0}
    assert all(r["status"] in ("ok", "failed") for r in records), "nothing else wrote"
    assert all(r["status"] == "ok" or r["interrupted"] for r in records), records
    assert summary(runs)["next_run"] is None, "the stopped schedule has no next run"
    with warehouse_lock(warehouse.paths.state_dir, "test"):
        pass  # no step holds the warehouse any more
    assert '"event": "schedule_started"' in log and "Traceback" not in log
