"""contracts/service.openapi.json against the running service: every documented operation is
called, and each answer has a documented status, media type and body; every route the service
has is documented, and nothing else is."""

from __future__ import annotations

import json
import shutil
import time

import jsonschema
import pytest
import requests
from helpers import REPO_ROOT
from prometheus_client.parser import text_string_to_metric_families
from pytest_httpserver import HTTPServer
from service_harness import ServiceProcess

DOCUMENT = json.loads((REPO_ROOT / "contracts" / "service.openapi.json").read_text())


@pytest.fixture(scope="module")
def service(built_template, tmp_path_factory):
    """The service on a copy of the built template, a sink that takes every export, and
    source URLs that fail at once (an ingest run then ends quickly, without a build)."""
    root = tmp_path_factory.mktemp("openapi")
    shutil.copytree(built_template, root, dirs_exist_ok=True)
    sink = HTTPServer(host="127.0.0.1", port=0)
    sink.start()
    sink.expect_request("/sink", method="POST").respond_with_data("ok")
    sink.expect_request("/refuse", method="POST").respond_with_data("no", status=400)
    missing = str(root / "no-such-payload.json")
    env = {
        "DUCKDB_PATH": str(root / "warehouse.duckdb"),
        "SINK_URL": sink.url_for("/sink"),
        "SINK_SECRET": "admira_secret_example",
        "ADS_API_URL": missing,
        "CRM_API_URL": missing,
    }
    running = ServiceProcess(root, **env).start(timeout=60)
    try:
        yield running, root, env, sink
    finally:
        running.stop()
        sink.clear()
        sink.stop()


def operation(path: str, method: str) -> dict:
    assert path in DOCUMENT["paths"], f"{path} is not documented"
    assert method in DOCUMENT["paths"][path], f"{method.upper()} {path} is not documented"
    return DOCUMENT["paths"][path][method]


def check_answer(path: str, method: str, response: requests.Response) -> None:
    """The status is documented for the operation, and so are the media type and the body."""
    responses = operation(path, method)["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method.upper()} {path} answered {status}: {response.text}"
    content = responses[status]["content"]
    media = response.headers["content-type"].split(";")[0].strip()
    assert media in content, f"{method.upper()} {path} {status} answered {media}"
    if media == "application/json":
        schema = {**content[media]["schema"], "components": DOCUMENT["components"]}
        jsonschema.validate(response.json(), schema, cls=jsonschema.Draft202012Validator)
    else:
        list(text_string_to_metric_families(response.text))  # Prometheus text that parses
    for header in responses[status].get("headers", {}):
        assert header in response.headers, f"{method.upper()} {path} {status} lacks {header}"


# (method, path as documented, the request's path and query, the status it must answer)
CALLS = [
    ("get", "/healthz", "/healthz", 200),
    ("get", "/readyz", "/readyz", 200),
    ("get", "/metrics", "/metrics", 200),
    ("get", "/metrics/channel", "/metrics/channel?from=2025-03-01&to=2025-03-02&limit=3", 200),
    ("get", "/metrics/channel", "/metrics/channel?channel=Google_Ads&offset=5", 200),
    ("get", "/metrics/channel", "/metrics/channel?limit=abc", 400),
    ("get", "/metrics/channel", "/metrics/channel?colour=red", 400),
    ("get", "/metrics/funnel", "/metrics/funnel?from=2025-03-01&utm_campaign=SPRING", 200),
    ("get", "/metrics/funnel", "/metrics/funnel?from=2030-01-01", 200),
    ("get", "/metrics/funnel", "/metrics/funnel?from=2025-13-01", 400),
    ("get", "/kpis", "/kpis", 200),
    ("get", "/kpis", "/kpis?metrics=roas", 400),
    (
        "get",
        "/kpis/query",
        "/kpis/query?metrics=roas,spend&group_by=metric_time__week,campaign_day__channel"
        "&from=2025-03-01&to=2025-03-31&order=-roas&limit=5",
        200,
    ),
    ("get", "/kpis/query", "/kpis/query?metrics=profit", 400),
    ("get", "/kpis/query", "/kpis/query?metrics=spend_wow", 400),
    ("post", "/ingest/run", "/ingest/run?since=yesterday", 400),
    ("get", "/ingest/runs/{run_id}", "/ingest/runs/no-such-run", 404),
    ("post", "/export/run", "/export/run?date=2025-03-01", 200),
    ("post", "/export/run", "/export/run", 400),
]


@pytest.mark.parametrize(("method", "path", "target", "status"), CALLS)
def test_each_answer_is_as_documented(service, method, path, target, status):
    running, *_ = service
    response = requests.request(method, running.url + target, timeout=60)
    assert response.status_code == status, response.text
    check_answer(path, method, response)


def test_an_ingest_run_is_as_documented_from_start_to_end(service):
    running, *_ = service
    started = requests.post(running.url + "/ingest/run?since=2025-03-01", timeout=60)
    assert started.status_code == 202
    check_answer("/ingest/run", "post", started)
    status_url = started.json()["status_url"]
    deadline = time.monotonic() + 120
    while True:
        run = requests.get(running.url + status_url, timeout=60)
        check_answer("/ingest/runs/{run_id}", "get", run)
        if run.json()["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert run.json()["status"] == "failed", "both sources point at a missing file"


def test_a_refusing_sink_and_a_missing_sink_are_as_documented(service, tmp_path):
    running, root, env, sink = service
    for name in ("refusing", "unset"):
        (tmp_path / name).mkdir()
    other = ServiceProcess(tmp_path / "refusing", **{**env, "SINK_URL": sink.url_for("/refuse")})
    other.start(timeout=60)
    unset = ServiceProcess(tmp_path / "unset", **{**env, "SINK_URL": ""}).start(timeout=60)
    try:
        refused = requests.post(other.url + "/export/run?date=2025-03-01", timeout=60)
        assert refused.status_code == 502
        check_answer("/export/run", "post", refused)
        missing = requests.post(unset.url + "/export/run?date=2025-03-01", timeout=60)
        assert missing.status_code == 503
        check_answer("/export/run", "post", missing)
    finally:
        other.stop()
        unset.stop()


def test_every_route_is_documented_and_every_documented_operation_is_called():
    from starlette.routing import Route

    from service.app import create_app
    from service.settings import ServiceSettings

    app = create_app(ServiceSettings.from_env())
    served = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}
    assert served == documented
    called = {(path, method) for method, path, _, _ in CALLS} | {
        ("/ingest/run", "post"),
        ("/ingest/runs/{run_id}", "get"),
    }
    assert called == documented


def test_an_undocumented_path_is_a_json_404(service):
    running, *_ = service
    response = requests.get(running.url + "/metrics/campaigns", timeout=60)
    assert response.status_code == 404 and "error" in response.json()
    assert "/metrics/campaigns" not in DOCUMENT["paths"]
