"""`/readyz` and `/metrics` show what `make schedule` recorded: its runs by status and its next
run (none while no scheduler runs)."""

from __future__ import annotations

from helpers.warehouse_harness import Warehouse
from service_api.service_harness import ServiceProcess

from scheduler.runs import append_record


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
