"""The schedule end to end, every second, on a real warehouse in a temp folder: real loads and
builds as child processes, the real lock, SIGTERM to the real scheduler. Each run loads the
shipped sample (unless a test points a source elsewhere), so every good build gives the same
marts."""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from helpers.environment import child_env
from helpers.warehouse_harness import Warehouse
from schedule_process import EVERY_SECOND, ScheduleProcess
from service_api.service_harness import Sink

from scheduler.alerts import Alerts
from scheduler.loop import Scheduler
from scheduler.runs import read_records, summary
from scheduler.settings import ScheduleSettings
from warehouse.catalog import MART_NAMES
from warehouse.lock import warehouse_lock
from warehouse.webhook import Webhook

pytestmark = pytest.mark.slow
CLOSED_PORT = "http://127.0.0.1:9/ads"


def runs_path(warehouse: Warehouse) -> Path:
    return warehouse.paths.state_dir / "scheduled_runs.jsonl"


def start(warehouse: Warehouse, **env: str) -> ScheduleProcess:
    return ScheduleProcess(
        runs_path(warehouse), SCHEDULE=EVERY_SECOND, **warehouse.settings(), **env
    )


def marts_of(snapshot: Path) -> dict[str, list[tuple]]:
    """Every mart of the published snapshot, read as a reader does (read-only)."""
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return {
            name: con.execute(
                f"select * exclude (source_load_id) from marts.{name} order by all"
            ).fetchall()
            for name in MART_NAMES
        }


def dbt_starts(line: str) -> bool:
    return "Running with dbt=" in line


def assert_each_run_starts_after_the_last_ended(records: list[dict]) -> None:
    """Times that passed during a run are not run afterwards."""
    for before, after in zip(records, records[1:], strict=False):
        assert after["scheduled_for"] > before["finished_at"], (before, after)


def test_a_tick_while_the_warehouse_is_busy_is_skipped_and_the_next_one_runs(
    tmp_path: Path,
) -> None:
    warehouse = Warehouse(tmp_path)
    held = ExitStack()
    held.enter_context(warehouse_lock(warehouse.paths.state_dir, "a test holding the warehouse"))
    schedule = start(warehouse)
    try:
        schedule.wait_for_line(lambda line: '"event": "schedule_started"' in line)
        first = schedule.wait_for_records(lambda records: len(records) >= 1)[0]
        held.close()
        records = schedule.wait_for_records(lambda rs: rs[-1]["status"] == "ok", timeout=60)
        exit_code = schedule.terminate()
    finally:
        held.close()
        schedule.kill()

    assert first["status"] == "skipped", first
    assert first["exit_codes"] == {"load": 2, "build": None, "freshness": None}
    assert "the warehouse is busy: held by" in first["reason"]
    assert "a test holding the warehouse" in first["reason"]
    assert {r["status"] for r in records[:-1]} == {"skipped"}
    ok = records[-1]
    assert ok["exit_codes"] == {"load": 0, "build": 0, "freshness": 0}
    assert ok["reason"] is None and ok["freshness"] == {"ads": "pass", "crm": "pass"}
    assert ok["load"]["status"] == "ok" and ok["load"]["load_id"]
    assert {name: s["loaded"] for name, s in ok["load"]["sources"].items()} == {
        "ads": 595,
        "crm": 402,
    }
    assert_each_run_starts_after_the_last_ended(records)
    assert set(marts_of(warehouse.paths.snapshot_path)) == set(MART_NAMES)

    assert exit_code == 0, schedule.output()
    # Every second there is a tick: SIGTERM may find the next run started, and stops it.
    after = read_records(runs_path(warehouse))[len(records) :]
    assert len(after) <= 1, after
    interrupted = bool(after) and "stopped (SIGTERM)" in after[0]["reason"]
    if after:
        assert after[0]["status"] == "failed", after
        assert interrupted or after[0]["reason"] == "stopped before the load started", after
    assert schedule.lines[-1].startswith(
        "Scheduler stopped by SIGTERM: "
        + ("the running " if interrupted else "no load or build was interrupted")
    )
    output = schedule.output()
    assert "Build ok in" in output, "the steps' output is passed through"
    assert output.count('"event": "run_started"') == len(read_records(runs_path(warehouse)))
    result = summary(runs_path(warehouse))
    assert result["next_run"] is None, "a stopped scheduler has no next run"
    assert result["runs_by_status"]["ok"] == 1
    assert result["runs_by_status"]["skipped"] == len(records) - 1


def test_a_failed_load_is_recorded_alerted_and_the_schedule_goes_on_to_a_good_run(
    tmp_path: Path, httpserver
) -> None:
    """The Scheduler as the service runs it: a background thread, a stop event; its alerts to a
    real receiver that checks their signatures."""
    warehouse = Warehouse(tmp_path)
    # the sample loaded once before: a first build needs the raw tables of both sources
    assert warehouse.load(None, None)["status"] == "ok"
    path = runs_path(warehouse)
    stop = threading.Event()
    seen: list[dict] = []

    def env() -> dict[str, str]:
        """The steps' environment: the Ads API is down until a run has been recorded; the
        second run's load sets the stop event, which lets that run finish, build included."""
        if not path.exists():
            return child_env(**warehouse.settings(), ADS_API_URL=CLOSED_PORT, HTTP_MAX_RETRIES="0")
        if not stop.is_set():
            seen.append(summary(path))  # what the service would show now: a run in progress
            stop.set()
        return child_env(**warehouse.settings())

    settings = ScheduleSettings(EVERY_SECOND, ZoneInfo("UTC"), path, warehouse.paths.state_dir)
    receiver = Sink(httpserver, "alert-secret", path="/alerts")
    alerts = Alerts(Webhook(receiver.url, "alert-secret"), tmp_path / "alerts.json")
    scheduler = Scheduler(settings, env=env, stop_event=stop, alerts=alerts)
    thread = threading.Thread(target=scheduler.run, daemon=True)
    thread.start()
    thread.join(90)
    assert not thread.is_alive(), "the stop event did not stop the schedule"

    assert seen[0]["running"]["step"] == "load" and seen[0]["next_run"] is None
    assert seen[0]["runs_by_status"] == {"ok": 0, "failed": 1, "skipped": 0}
    failed, ok = read_records(path)
    assert failed["status"] == "failed"
    assert failed["exit_codes"] == {"load": 1, "build": 0, "freshness": 0}, (
        "crm landed, so it was built"
    )
    assert "ads: source ads: connection error" in failed["reason"]
    assert failed["load"]["sources"]["ads"]["status"] == "failed"
    assert failed["load"]["sources"]["crm"]["status"] == "ok"
    assert ok["status"] == "ok" and ok["exit_codes"] == {"load": 0, "build": 0, "freshness": 0}
    assert ok["load"]["sources"]["ads"]["loaded"] == 595
    assert_each_run_starts_after_the_last_ended(read_records(path))
    assert summary(path)["next_run"] is None
    # one message per change of state: the failures, then the recoveries; fresh data is no news
    sent = [json.loads(body) for body in receiver.accepted]
    assert [(m["subject"], m["kind"]) for m in sent] == [
        ("scheduled_run", "failure"),
        ("source:ads", "failure"),
        ("scheduled_run", "recovery"),
        ("source:ads", "recovery"),
    ]
    assert len(receiver.received) == 4
    assert "connection error" in sent[1]["detail"] and sent[1]["run"]["status"] == "failed"
    assert sent[2]["previous_since"] == sent[0]["since"], "since when it was failing"


def test_sigterm_during_a_build_lets_it_end_and_exits_0_with_the_snapshot_whole(
    tmp_path: Path,
) -> None:
    warehouse = Warehouse(tmp_path)
    schedule = start(warehouse)
    try:
        schedule.wait_for_records(lambda records: len(records) >= 1, timeout=60)
        before = marts_of(warehouse.paths.snapshot_path)  # the next build publishes in seconds
        # the second run's build, inside dbt (the build holds the lock from before dbt starts)
        first_build = schedule.wait_for_line(dbt_starts)
        second_build = schedule.wait_for_line(dbt_starts, after=first_build + 1)
        schedule.wait_for_line(lambda line: " START " in line, after=second_build)
        exit_code = schedule.terminate()
    finally:
        schedule.kill()

    assert exit_code == 0, schedule.output()
    assert schedule.lines[-1].startswith("Scheduler stopped by SIGTERM: the running build got")
    first, stopped = read_records(runs_path(warehouse))
    assert first["status"] == "ok"
    assert stopped["status"] == "failed" and stopped["interrupted"] is True
    assert stopped["exit_codes"] == {"load": 0, "build": -15, "freshness": None}
    assert "build stopped (SIGTERM)" in stopped["reason"]
    assert "Build ok in" not in schedule.output().split("Running with dbt=")[-1]
    assert marts_of(warehouse.paths.snapshot_path) == before, "the last good snapshot, whole"
    with warehouse_lock(warehouse.paths.state_dir, "test"):
        pass  # the lock went with the build
    assert summary(runs_path(warehouse))["next_run"] is None
