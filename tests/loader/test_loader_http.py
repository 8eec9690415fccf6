"""The loader against a real local HTTP server: retries, timeouts, failures, logs and metrics."""

from __future__ import annotations

import json
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pytest_httpserver import HTTPServer
from werkzeug import Response

ADS_OK = {
    "external": {
        "ads": {
            "performance": [
                {
                    "date": "2025-08-01",
                    "campaign_id": "C-1",
                    "channel": "google_ads",
                    "clicks": 10,
                    "impressions": 100,
                    "cost": 5.0,
                    "utm_campaign": "a",
                    "utm_source": "b",
                    "utm_medium": "c",
                },
            ]
        }
    }
}
CRM_OK = {
    "external": {
        "crm": {
            "opportunities": [
                {
                    "opportunity_id": "O-1",
                    "contact_email": "x@example.com",
                    "stage": "lead",
                    "amount": 0,
                    "created_at": "2025-08-01T10:00:00Z",
                    "utm_campaign": "a",
                    "utm_source": "b",
                    "utm_medium": "c",
                },
            ]
        }
    }
}


def serve_ok(httpserver: HTTPServer, source: str) -> str:
    body = ADS_OK if source == "ads" else CRM_OK
    httpserver.expect_request(f"/{source}").respond_with_json(body)
    return httpserver.url_for(f"/{source}")


def log_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def raw_counts(warehouse) -> dict[str, int]:
    tables = ("ads_performance", "crm_opportunities", "rejected_records")
    return {t: warehouse.query(f"select count(*) from raw.{t}")[0][0] for t in tables}


def test_500_then_200_succeeds_after_a_retry(warehouse, httpserver: HTTPServer, capfd):
    httpserver.expect_ordered_request("/ads").respond_with_data("boom", status=500)
    httpserver.expect_ordered_request("/ads").respond_with_json(ADS_OK)
    summary = warehouse.load(httpserver.url_for("/ads"), serve_ok(httpserver, "crm"))
    assert summary["status"] == "ok"
    assert summary["sources"]["ads"]["loaded"] == 1
    fetches = [e for e in log_lines(capfd.readouterr().err) if e["event"] == "fetch"]
    ads = [e for e in fetches if e["source"] == "ads"]
    assert [(e["status"], e["attempt"]) for e in ads] == [("500", 1), ("200", 2)]


def test_429_waits_for_retry_after(warehouse, httpserver: HTTPServer):
    httpserver.expect_ordered_request("/ads").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request("/ads").respond_with_json(ADS_OK)
    started = time.monotonic()
    summary = warehouse.load(httpserver.url_for("/ads"), serve_ok(httpserver, "crm"))
    assert summary["status"] == "ok"
    assert time.monotonic() - started >= 1.0  # backoff alone is 0.01 s in tests


def test_retry_after_is_capped_by_the_longest_backoff(
    warehouse, httpserver: HTTPServer, monkeypatch
):
    monkeypatch.setenv("HTTP_BACKOFF_MAX_SECONDS", "0.2")
    httpserver.expect_ordered_request("/ads").respond_with_data(
        "slow down", status=503, headers={"Retry-After": "3600"}
    )
    httpserver.expect_ordered_request("/ads").respond_with_json(ADS_OK)
    started = time.monotonic()
    summary = warehouse.load(httpserver.url_for("/ads"), serve_ok(httpserver, "crm"))
    assert summary["status"] == "ok"
    assert time.monotonic() - started < 30, "waited the hour the server asked for"


def test_404_fails_at_once_and_changes_nothing(warehouse, httpserver: HTTPServer, capfd):
    ads_url, crm_url = serve_ok(httpserver, "ads"), serve_ok(httpserver, "crm")
    warehouse.load(ads_url, crm_url)
    before = raw_counts(warehouse)
    httpserver.clear()
    httpserver.expect_request("/gone").respond_with_data("not here", status=404)
    capfd.readouterr()
    summary = warehouse.load(httpserver.url_for("/gone"), serve_ok(httpserver, "crm"))
    assert summary["status"] == "failed"
    error = summary["sources"]["ads"]["error"]
    assert "source ads" in error and "HTTP 404" in error and "/gone" in error
    attempts = [
        e
        for e in log_lines(capfd.readouterr().err)
        if e["event"] == "fetch" and e["source"] == "ads"
    ]
    assert len(attempts) == 1, "a 404 is not retried"
    assert raw_counts(warehouse) == before


def test_the_other_source_still_loads(warehouse, httpserver: HTTPServer):
    httpserver.expect_request("/ads").respond_with_data("down", status=503)
    summary = warehouse.load(httpserver.url_for("/ads"), serve_ok(httpserver, "crm"))
    assert summary["sources"]["ads"]["status"] == "failed"
    assert "after 5 attempts" in summary["sources"]["ads"]["error"]  # 1 + HTTP_MAX_RETRIES=4
    assert summary["sources"]["crm"]["status"] == "ok"
    assert warehouse.query("select opportunity_id from raw.crm_opportunities") == [("O-1",)]


def test_a_slow_server_times_out_after_the_retries(warehouse, httpserver: HTTPServer, monkeypatch):
    monkeypatch.setenv("HTTP_TIMEOUT_SECONDS", "0.3")
    monkeypatch.setenv("HTTP_MAX_RETRIES", "1")

    def slow(_request):
        time.sleep(0.8)
        return Response(json.dumps(ADS_OK), content_type="application/json")

    httpserver.expect_request("/ads").respond_with_handler(slow)
    summary = warehouse.load(httpserver.url_for("/ads"), serve_ok(httpserver, "crm"))
    error = summary["sources"]["ads"]["error"]
    assert "timed out after 0.3s after 2 attempts" in error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>502 Bad Gateway</body></html>", "not JSON"),
        (b"", "empty"),
        (b'{"external": {"ads": {"performance": [{"date": "2025-08-01"', "not valid JSON"),
        (b'{"external": {"ads": {"performance": {"date": "2025-08-01"}}}}', "not a list"),
        (b'[{"date": "2025-08-01"}]', "not the envelope"),
        (b'{"external": "ads"}', "not the envelope"),
    ],
)
def test_a_body_that_is_not_the_envelope_fails_cleanly(
    warehouse, httpserver: HTTPServer, body, message
):
    httpserver.expect_request("/ads").respond_with_data(body, content_type="application/json")
    summary = warehouse.load(httpserver.url_for("/ads"), serve_ok(httpserver, "crm"))
    assert summary["sources"]["ads"]["status"] == "failed"
    assert message in summary["sources"]["ads"]["error"]
    assert summary["sources"]["crm"]["status"] == "ok"


def test_credentials_are_redacted_and_since_is_sent(warehouse, httpserver: HTTPServer, capfd):
    httpserver.expect_request(
        "/ads", query_string={"token": "s3cret", "since": "2025-08-01"}
    ).respond_with_json(ADS_OK)
    url = httpserver.url_for("/ads").replace("http://", "http://user:pa55@") + "?token=s3cret"
    summary = warehouse.load(url, serve_ok(httpserver, "crm"), since="2025-08-01")
    assert summary["sources"]["ads"]["status"] == "ok"
    err = capfd.readouterr().err
    assert "s3cret" not in err and "pa55" not in err


def test_log_lines_and_metrics_file(warehouse, httpserver: HTTPServer, capfd):
    httpserver.expect_ordered_request("/ads").respond_with_data("x", status=503)
    httpserver.expect_ordered_request("/ads").respond_with_json(ADS_OK)
    warehouse.load(httpserver.url_for("/ads"), serve_ok(httpserver, "crm"))
    events = log_lines(capfd.readouterr().err)
    fetches = [e for e in events if e["event"] == "fetch"]
    for fetch in fetches:
        assert {"request_id", "source", "url", "status", "latency_ms", "attempt"} <= fetch.keys()
        assert fetch["latency_ms"] >= 0
    request_ids = [e["request_id"] for e in fetches]
    assert len(set(request_ids)) == len(request_ids)
    seen_ids = {r.headers.get("X-Request-ID") for r, _ in httpserver.log}
    assert set(request_ids) <= seen_ids  # sent as X-Request-ID too
    summaries = {e["source"]: e for e in events if e["event"] == "source_summary"}
    assert summaries["ads"]["received"] == 1 and summaries["ads"]["loaded"] == 1
    assert summaries["ads"]["window"] == ["2025-08-01", "2025-08-01"]
    assert {"rejected", "skipped_before_since", "extract_seconds"} <= summaries["crm"].keys()

    prom = (warehouse.paths.state_dir / "ingest.prom").read_text()
    families = {f.name: f for f in text_string_to_metric_families(prom)}
    requests = {
        (s.labels["source"], s.labels["status"]): s.value
        for s in families["ingest_requests"].samples
    }
    assert requests == {("ads", "503"): 1, ("ads", "200"): 1, ("crm", "200"): 1}
    failures = {
        (s.labels["source"], s.labels["reason"]): s.value
        for s in families["ingest_failures"].samples
    }
    assert failures == {("ads", "http_503"): 1}
    counts = {
        s.labels["source"]: s.value
        for s in families["ingest_latency_seconds"].samples
        if s.name == "ingest_latency_seconds_count"
    }
    assert counts == {"ads": 2, "crm": 1}
    kinds = {name: family.type for name, family in families.items()}
    assert kinds == {
        "ingest_requests": "counter",
        "ingest_failures": "counter",
        "ingest_latency_seconds": "histogram",
        "ingest_last_success_timestamp_seconds": "gauge",
    }

    # Counters accumulate across runs.
    httpserver.clear()
    warehouse.load(serve_ok(httpserver, "ads"), serve_ok(httpserver, "crm"))
    prom = (warehouse.paths.state_dir / "ingest.prom").read_text()
    families = {f.name: f for f in text_string_to_metric_families(prom)}
    total = sum(s.value for s in families["ingest_requests"].samples)
    assert total == 5
