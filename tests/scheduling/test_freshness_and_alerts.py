"""Freshness and alerts on a real warehouse: dbt source freshness decides pass / warn / error,
`/readyz` of the real service follows it, and a real receiver on 127.0.0.1 checks the signature
of every alert and sees one message per change of state.

The raw rows are made old by moving their `ingested_at` back in the raw file, as if the last
load had happened that long ago."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import REPO_ROOT
from helpers.environment import child_env
from helpers.warehouse_harness import Warehouse
from service_api.service_harness import ServiceProcess, Sink

from scheduler.alerts import Alerts, subjects
from warehouse.freshness import check
from warehouse.webhook import Webhook

pytestmark = pytest.mark.slow
SECRET = "alert-test-secret"
ADS_TABLES = ("ads_performance", "ads_performance_history", "ads_load_windows")


def age_ads_rows(warehouse: Warehouse, hours: float) -> None:
    """Every Ads row landed `hours` before now (the CRM rows stay as loaded)."""
    with duckdb.connect(str(warehouse.paths.raw_path)) as con:
        for table in ADS_TABLES:
            con.execute(
                f"update raw.{table} set ingested_at = now() - to_microseconds(?::bigint)",
                [int(hours * 3600 * 1e6)],
            )


def freshness_states(warehouse: Warehouse) -> dict[str, str]:
    return check(warehouse.paths).by_source()


def test_freshness_drives_readiness_and_alerts_once_per_change(tmp_path, monkeypatch, httpserver):
    warehouse = Warehouse(tmp_path, monkeypatch)
    assert warehouse.load(None, None)["status"] == "ok"
    warehouse.build()
    receiver = Sink(httpserver, SECRET, path="/alerts")
    receiver.fail_next = 1  # the first message is retried once
    alerts = Alerts(Webhook(receiver.url, SECRET, backoff_seconds=0.01), tmp_path / "alerts.json")
    service = ServiceProcess(tmp_path, DUCKDB_PATH=str(warehouse.paths.duckdb_path)).start()
    seen = []
    try:
        # 26 h and 50 h are the defaults: 30 h old warns, 60 h old is an error
        for hours, expected, ready in (
            (0, "pass", True),
            (30, "warn", True),
            (31, "warn", True),
            (60, "error", False),
            (61, "error", False),
            (0, "pass", True),
        ):
            age_ads_rows(warehouse, hours)
            states = freshness_states(warehouse)
            assert states == {"ads": expected, "crm": "pass"}, hours
            response = service.get("/readyz")
            check_body = response.json()["checks"]["source_freshness"]
            assert (response.status_code == 200) is ready, response.json()
            assert check_body["ok"] is ready and f"ads {expected}" in check_body["detail"]
            if expected != "pass":
                assert "ads.ads_performance: newest row" in check_body["detail"]
            record = {"status": "ok", "reason": None, "load": None}
            seen += alerts.observe(subjects(record, states), run=record)
        metrics = service.get("/metrics").text
    finally:
        service.stop()

    messages = [json.loads(body) for body in receiver.accepted]
    assert [(m["subject"], m["kind"], m["state"], m["previous_state"]) for m in messages] == [
        ("freshness:ads", "failure", "warn", "pass"),
        ("freshness:ads", "failure", "error", "warn"),
        ("freshness:ads", "recovery", "pass", "error"),
    ]
    assert seen == messages
    assert len(receiver.received) == 4, "one retry of the first message, nothing else"
    assert 'admira_source_freshness_status{source="ads",status="pass"} 1.0' in metrics


def test_a_refused_alert_is_sent_again_at_the_next_run(tmp_path, httpserver):
    """The receiver's 4xx is final for that run; the state is kept, so the next run retries."""
    receiver = Sink(httpserver, "another-secret", path="/alerts")  # so every signature is wrong
    alerts = Alerts(Webhook(receiver.url, SECRET, max_retries=0), tmp_path / "alerts.json")
    failed = {"status": "failed", "reason": "build exited 1: boom", "load": None}
    assert alerts.observe(subjects(failed, None), run=failed) == []
    receiver.secret = SECRET
    sent = alerts.observe(subjects(failed, None), run=failed)
    assert [m["subject"] for m in sent] == ["scheduled_run"]
    assert len(receiver.received) == 2 and len(receiver.accepted) == 1


def test_an_alert_names_no_email_and_no_secret(tmp_path, httpserver):
    receiver = Sink(httpserver, SECRET, path="/alerts")
    alerts = Alerts(Webhook(receiver.url, SECRET), tmp_path / "alerts.json")
    record = {
        "status": "failed",
        "reason": "load: crm: HTTP 500 from https://user:pw@crm.example/api?token=abc: jane@x.org",
        "load": {
            "sources": {"crm": {"status": "failed", "error": "bad row of jane.doe@example.com"}}
        },
    }
    alerts.observe(subjects(record, None), run=record)
    bodies = b"".join(receiver.accepted).decode()
    assert len(receiver.accepted) == 2  # the run and the source
    for leaked in ("jane@x.org", "jane.doe@example.com", "pw@", "token=abc", SECRET):
        assert leaked not in bodies


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALERT_WEBHOOK_URL": "http://127.0.0.1:9/a"}, "setting ALERT_SECRET is not set"),
        ({"ALERT_WEBHOOK_URL": "ftp://x", "ALERT_SECRET": "s"}, "is not an http(s) URL"),
        ({"FRESHNESS_WARN_AFTER_HOURS": "1.5"}, "not a whole number of hours"),
    ],
)
def test_bad_alert_and_freshness_settings_are_refused_in_one_line(tmp_path, env, message):
    command = "scheduler" if "ALERT_WEBHOOK_URL" in env else "warehouse.freshness"
    result = subprocess.run(
        [sys.executable, "-m", command],
        cwd=REPO_ROOT,
        env=child_env(SCHEDULE="0 6 * * *", DUCKDB_PATH=str(tmp_path / "w.duckdb"), **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_freshness_before_any_load_is_an_error_that_says_so(tmp_path: Path, monkeypatch):
    warehouse = Warehouse(tmp_path, monkeypatch)
    recorded = check(warehouse.paths)
    assert recorded.status() == "error"
    assert "no load yet" in recorded.tables[0].describe(0)
