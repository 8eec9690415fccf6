"""The service against a warehouse built once from the worked example (CONTRACT §7): health,
readiness, Prometheus metrics, the metrics API, signed exports, request ids and access logs.
A real server process, a real upstream HTTP server for the loader and a real sink."""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import duckdb
import pytest
from helpers.email_scan import assert_no_email
from helpers.environment import run_module
from helpers.warehouse_harness import Warehouse
from prometheus_client.parser import text_string_to_metric_families
from pytest_httpserver import HTTPServer
from service_harness import ServiceProcess, Sink

# The check value of the issue: key admira_secret_example, body [] -> this signature.
SECRET = "admira_secret_example"
SIGNATURE_OF_EMPTY_ARRAY = "ee96ad23e929e883cf5ef27be1b5b9b377ab83a5714e9774cd1b1887eb963edc"
CAMPAIGN_COLUMNS = [
    "date",
    "channel",
    "campaign_id",
    "utm_campaign",
    "utm_source",
    "utm_medium",
    "clicks",
    "impressions",
    "cost",
    "leads",
    "opportunities",
    "closed_won",
    "revenue",
    "cpc",
    "cpa",
    "cvr_lead_to_opp",
    "cvr_opp_to_won",
    "roas",
]


@pytest.fixture(scope="module")
def http():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture(scope="module")
def sink(http):
    return Sink(http, SECRET)


@pytest.fixture(scope="module")
def served(tmp_path_factory, examples, http, sink):
    """The example loaded over HTTP with since=2025-08-01, built, and the service on it."""
    mp = pytest.MonkeyPatch()
    warehouse = Warehouse(tmp_path_factory.mktemp("service-reads"), mp)
    for name in ("ads", "crm"):
        http.expect_request(f"/{name}").respond_with_data(
            (examples / f"{name}.json").read_bytes(), content_type="application/json"
        )
    load_started = time.time()
    summary = warehouse.load(http.url_for("/ads"), http.url_for("/crm"), dt.date(2025, 8, 1))
    load_finished = time.time()
    assert summary["status"] == "ok", summary
    warehouse.build()
    service = ServiceProcess(
        warehouse.root,
        DUCKDB_PATH=str(warehouse.paths.duckdb_path),
        SINK_URL=sink.url,
        SINK_SECRET=SECRET,
        SINK_MAX_RETRIES="2",
        SINK_BACKOFF_SECONDS="0.01",
    ).start()
    try:
        yield service, warehouse, (load_started, load_finished)
    finally:
        service.stop()
        mp.undo()


def campaign_rows(warehouse, where: str = "true", params: list | None = None) -> list[dict]:
    """The mart read directly, in the documented order: what the API must return."""
    columns = ", ".join(["report_date"] + CAMPAIGN_COLUMNS[1:])
    with duckdb.connect(str(warehouse.paths.snapshot_path), read_only=True) as con:
        cursor = con.execute(
            f"select {columns} from marts.fct_campaign_daily where {where} "
            "order by report_date, channel, campaign_id, utm_campaign, utm_source, utm_medium",
            params or [],
        )
        return [
            dict(zip(CAMPAIGN_COLUMNS, (row[0].isoformat(), *row[1:]), strict=True))
            for row in cursor.fetchall()
        ]


def test_healthz(served):
    service, _, _ = served
    response = service.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_after_a_load_and_build(served):
    service, _, _ = served
    response = service.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready" and body["failed"] == []
    assert set(body["checks"]) == {
        "snapshot",
        "marts",
        "last_load",
        "last_build",
        "source_freshness",
    }
    assert body["checks"]["source_freshness"]["detail"] == "not checked yet: make freshness"


def test_channel_returns_the_mart_in_order(served):
    service, warehouse, _ = served
    response = service.get("/metrics/channel")
    assert response.status_code == 200
    body = response.json()
    expected = campaign_rows(warehouse)
    assert body == {"data": expected, "count": len(expected), "limit": 100, "offset": 0}
    assert list(body["data"][0]) == CAMPAIGN_COLUMNS


def test_channel_has_the_worked_example_split(served):
    """CONTRACT §7: 2025-08-01 back_to_school splits 4/3/1/5000 by clicks 1200:300."""
    service, _, _ = served
    rows = service.get("/metrics/channel?from=2025-08-01&to=2025-08-01").json()["data"]
    by_campaign = {(r["channel"], r["campaign_id"], r["utm_campaign"]): r for r in rows}
    c1001 = by_campaign[("google_ads", "C-1001", "back_to_school")]
    c1002 = by_campaign[("google_ads", "C-1002", "back_to_school")]
    orphan = by_campaign[("", "", "orphan_campaign")]
    assert (c1001["leads"], c1001["opportunities"], c1001["closed_won"], c1001["revenue"]) == (
        pytest.approx(3.2),
        pytest.approx(2.4),
        pytest.approx(0.8),
        pytest.approx(4000),
    )
    assert (c1002["leads"], c1002["opportunities"], c1002["closed_won"], c1002["revenue"]) == (
        pytest.approx(0.8),
        pytest.approx(0.6),
        pytest.approx(0.2),
        pytest.approx(1000),
    )
    assert orphan["revenue"] == 800 and orphan["cost"] == 0
    assert orphan["cpc"] is None and orphan["roas"] is None  # no clicks, no cost: NULL, not 0
    assert all(r["date"] == "2025-08-01" for r in rows)


def test_channel_pages_are_stable_and_complete(served):
    service, _, _ = served
    everything = service.get("/metrics/channel?limit=1000").json()
    pages = []
    for offset in range(0, everything["count"] + 2, 2):
        page = service.get(f"/metrics/channel?limit=2&offset={offset}").json()
        assert page["count"] == everything["count"]
        assert (page["limit"], page["offset"]) == (2, offset)
        pages += page["data"]
    assert pages == everything["data"]
    assert everything["count"] > 2


def test_channel_filter_is_case_insensitive(served):
    service, warehouse, _ = served
    body = service.get("/metrics/channel?channel=%20Google_ADS%20").json()
    expected = campaign_rows(warehouse, "channel = 'google_ads'")
    assert body["data"] == expected and body["count"] == len(expected) > 0


def test_channel_date_range_is_inclusive(served):
    service, warehouse, _ = served
    body = service.get("/metrics/channel?from=2025-08-02&to=2025-08-03").json()
    expected = campaign_rows(warehouse, "report_date between '2025-08-02' and '2025-08-03'")
    assert body["data"] == expected and len(expected) > 0


def test_channel_parameters_are_bound_not_formatted(served):
    service, _, _ = served
    body = service.get("/metrics/channel", params={"channel": "google_ads' or '1'='1"}).json()
    assert body == {"data": [], "count": 0, "limit": 100, "offset": 0}


def test_funnel_rows_and_totals_of_a_day(served):
    """CONTRACT §7, 2025-08-01: three funnel rows; totals recomputed from the sums."""
    service, _, _ = served
    body = service.get("/metrics/funnel?from=2025-08-01&to=2025-08-01").json()
    triples = [(r["utm_campaign"], r["utm_source"], r["utm_medium"]) for r in body["data"]]
    assert triples == [
        ("back_to_school", "google", "cpc"),
        ("orphan_campaign", "newsletter", "email"),
        ("unknown", "unknown", "paid_social"),
    ]
    totals = body["totals"]
    clicks, cost, leads, opps, won, revenue = 1500 + 500, 450.75 + 120.5, 6, 4, 2, 5800
    assert (
        totals["clicks"],
        totals["cost"],
        totals["leads"],
        totals["opportunities"],
        totals["closed_won"],
        totals["revenue"],
    ) == (clicks, pytest.approx(cost), leads, opps, won, pytest.approx(revenue))
    assert totals["cpc"] == pytest.approx(cost / clicks)
    assert totals["cpa"] == pytest.approx(cost / leads)
    assert totals["cvr_lead_to_opp"] == pytest.approx(opps / leads)
    assert totals["cvr_opp_to_won"] == pytest.approx(won / opps)
    assert totals["roas"] == pytest.approx(revenue / cost)
    assert body["count"] == 3


def test_funnel_by_campaign_with_zero_denominators(served):
    """summer_sale had impressions but no clicks and no cost: cpc and roas are NULL."""
    service, _, _ = served
    body = service.get("/metrics/funnel?utm_campaign=Summer_Sale").json()
    assert [(r["date"], r["leads"]) for r in body["data"]] == [("2025-08-03", 3)]
    totals = body["totals"]
    assert totals["cpc"] is None and totals["roas"] is None
    assert totals["cvr_lead_to_opp"] == pytest.approx(2 / 3)


def test_funnel_of_an_empty_range(served):
    service, _, _ = served
    body = service.get("/metrics/funnel?from=2030-01-01").json()
    assert body["data"] == [] and body["count"] == 0
    assert body["totals"]["leads"] == 0 and body["totals"]["cpa"] is None


@pytest.mark.parametrize(
    ("method", "path", "parameter"),
    [
        ("GET", "/metrics/channel?from=2025-13-01", "from"),
        ("GET", "/metrics/channel?limit=abc", "limit"),
        ("GET", "/metrics/channel?limit=-1", "limit"),
        ("GET", "/metrics/channel?limit=1001", "limit"),
        ("GET", "/metrics/channel?offset=1.5", "offset"),
        ("GET", "/metrics/channel?from=2025-08-02&to=2025-08-01", "to"),
        ("GET", "/metrics/channel?form=2025-08-01", "form"),
        ("GET", "/metrics/funnel?to=2025-02-30", "to"),
        ("GET", "/metrics/funnel?from=2025-08-09&to=2025-08-01", "to"),
        ("GET", "/metrics/funnel?from=20250801", "from"),
        ("POST", "/export/run", "date"),
        ("POST", "/export/run?date=tomorrow", "date"),
        ("POST", "/ingest/run?since=2025-8-1", "since"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(served, method, path, parameter):
    service, _, _ = served
    response = service.request(method, path)
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == parameter
    assert parameter in body["error"]


def test_an_email_in_a_parameter_is_not_echoed(served):
    service, _, _ = served
    response = service.get("/metrics/channel?from=ana@example.com")  # the client checks too
    assert response.status_code == 400 and response.json()["parameter"] == "from"
    assert "redacted" in response.json()["error"]


def test_unknown_route_and_method_are_json(served):
    service, _, _ = served
    missing = service.get("/nowhere")
    assert missing.status_code == 404 and "error" in missing.json()
    wrong_method = service.post("/healthz")
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()
    assert service.get("/ingest/runs/not-a-run").status_code == 404


def test_metrics_parse_and_carry_loader_and_service_series(served):
    service, warehouse, (load_started, load_finished) = served
    service.get("/healthz")
    response = service.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}

    def value(family: str, sample: str, **labels: str) -> float:
        return next(
            s.value
            for s in families[family].samples
            if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())
        )

    # The loader made one HTTP request per source, both answered 200.
    assert value("ingest_requests", "ingest_requests_total", source="ads", status="200") == 1
    assert value("ingest_requests", "ingest_requests_total", source="crm", status="200") == 1
    assert families["ingest_failures"].type == "counter"
    assert value("ingest_latency_seconds", "ingest_latency_seconds_count", source="ads") == 1
    assert families["ingest_latency_seconds"].type == "histogram"
    # The service's own series.
    assert (
        value(
            "admira_http_requests",
            "admira_http_requests_total",
            route="/healthz",
            method="GET",
            status="200",
        )
        >= 1
    )
    assert families["admira_http_request_duration_seconds"].type == "histogram"
    built_at = os.stat(warehouse.paths.snapshot_path).st_mtime
    assert value(
        "admira_last_successful_build_timestamp_seconds",
        "admira_last_successful_build_timestamp_seconds",
    ) == pytest.approx(built_at)
    last_load = value(
        "admira_last_successful_load_timestamp_seconds",
        "admira_last_successful_load_timestamp_seconds",
    )
    assert load_started <= last_load <= load_finished


def test_export_sends_the_signed_day(served, sink):
    service, warehouse, _ = served
    before = len(sink.accepted)
    response = service.post("/export/run?date=2025-08-01", headers={"X-Request-ID": "export-1"})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = campaign_rows(warehouse, "report_date = '2025-08-01'")
    assert (body["rows"], body["attempts"], body["sink_status"]) == (len(expected), 1, 204)
    # The sink accepted it (it answers 401 to a wrong signature) and got exactly the rows.
    assert len(sink.accepted) == before + 1
    sent, headers = sink.received[-1]
    assert json.loads(sent) == expected
    assert headers["X-Signature"] == sink.expected_signature(sent)
    assert headers["X-Request-Id"] == "export-1"
    assert headers["Content-Type"] == "application/json"


def test_export_of_an_empty_day_sends_the_empty_array(served, sink):
    service, _, _ = served
    response = service.post("/export/run?date=2030-01-01")
    assert response.status_code == 200
    assert response.json()["rows"] == 0 and "empty" in response.json()["message"]
    sent, headers = sink.received[-1]
    assert sent == b"[]"
    assert headers["X-Signature"] == SIGNATURE_OF_EMPTY_ARRAY  # the check value


def test_export_retries_a_failing_sink(served, sink):
    service, _, _ = served
    sink.fail_next = 2
    before = len(sink.received)
    response = service.post("/export/run?date=2025-08-03")
    assert response.status_code == 200, response.text
    assert response.json()["attempts"] == 3
    assert len(sink.received) == before + 3


def test_export_gives_up_with_502_after_the_retries(served, sink):
    service, _, _ = served
    sink.fail_next = 10
    try:
        response = service.post("/export/run?date=2025-08-03")
    finally:
        sink.fail_next = 0
    assert response.status_code == 502
    body = response.json()
    assert body["attempts"] == 3 and "503" in body["error"]


def test_export_refused_by_the_sink_is_502_without_retry(served, sink):
    service, _, _ = served
    sink.secret, saved = "another secret", sink.secret
    before = len(sink.received)
    try:
        response = service.post("/export/run?date=2025-08-03")
    finally:
        sink.secret = saved
    assert response.status_code == 502
    assert "401" in response.json()["error"] and response.json()["attempts"] == 1
    assert len(sink.received) == before + 1


def test_request_id_is_honoured_or_created_and_logged(served):
    service, _, _ = served
    given = service.get("/healthz", headers={"X-Request-ID": "trace-42.a"})
    assert given.headers["X-Request-ID"] == "trace-42.a"
    created = service.get("/metrics/channel?limit=1")
    created_id = created.headers["X-Request-ID"]
    assert len(created_id) == 32 and created_id != "trace-42.a"
    forged = service.get("/healthz", headers={"X-Request-ID": 'x" injected'})
    assert forged.headers["X-Request-ID"] != 'x" injected'
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        records = {r.get("request_id"): r for r in service.log_records()}
        if "trace-42.a" in records and created_id in records:
            break
        time.sleep(0.05)
    line = records["trace-42.a"]
    assert (line["event"], line["route"], line["method"], line["status"]) == (
        "http_request",
        "/healthz",
        "GET",
        200,
    )
    assert isinstance(line["latency_ms"], float)
    assert records[created_id]["route"] == "/metrics/channel"


def test_the_service_log_holds_no_email_or_secret(served):
    service, _, _ = served
    service.get("/metrics/channel?channel=ana@example.com")
    time.sleep(0.2)
    text = service.log_path.read_text()
    assert_no_email(text, "the service log")
    assert SECRET not in text


def test_readyz_is_503_when_the_data_is_older_than_the_limit(served):
    _, warehouse, _ = served
    root = warehouse.root / "strict"
    root.mkdir()
    strict = ServiceProcess(
        root, DUCKDB_PATH=str(warehouse.paths.duckdb_path), READY_MAX_AGE_SECONDS="1"
    ).start()
    try:
        built_at = os.stat(warehouse.paths.snapshot_path).st_mtime
        time.sleep(max(0.0, built_at + 1.5 - time.time()))
        response = strict.get("/readyz")
    finally:
        strict.stop()
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["last_load", "last_build"]
    assert "older than the 1s limit" in body["checks"]["last_build"]["detail"]
    assert body["checks"]["marts"]["ok"] is True


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PORT", "eighty"), ("READY_MAX_AGE_SECONDS", "soon"), ("SINK_MAX_RETRIES", "-1")],
)
def test_a_bad_setting_stops_the_service_with_a_clear_message(tmp_path, variable, value):
    result = run_module(
        "service", DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"), **{variable: value}
    )
    assert result.returncode != 0
    assert f"{variable}={value!r}" in result.stderr
    assert "Traceback" not in result.stderr
