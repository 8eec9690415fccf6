"""Schemathesis (the pinned CLI) against contracts/service.openapi.json and the real service:
every operation, every check, zero failures.

The service runs on a warehouse of its own that its first ingest run builds from the worked
example (local files; the module fixtures of test_service_reads.py are not shared across
modules), with a real sink that verifies the export signature. Schemathesis runs twice: the
examples, coverage and fuzzing phases, then, once the ingest runs it started have ended, the
stateful phase, so that its POST /ingest/run is answered 202 and the link to the run is followed.

This module is also the CLI's hooks file (SCHEMATHESIS_HOOKS): `map_case` below.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from helpers import REPO_ROOT, TESTS
from pytest_httpserver import HTTPServer
from service_harness import ServiceProcess, Sink

CONTRACT = REPO_ROOT / "contracts" / "service.openapi.json"
OPERATIONS = sum(len(item) for item in json.loads(CONTRACT.read_text())["paths"].values())
SECRET = "schemathesis_secret"
# Fixed, so that a failure reproduces with the command the assertion prints.
SEED = 20250801
MAX_EXAMPLES = 50  # per operation and phase: about 700 cases in both runs, under a minute
LINKS = re.compile(r"API Links:\s+(\d+) covered / (\d+) selected")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


KPI_QUERY = "/kpis/query"
KPI_LISTS = {
    p["name"]: re.compile(p["schema"]["pattern"])
    for p in json.loads(CONTRACT.read_text())["paths"][KPI_QUERY]["get"]["parameters"]
    if p["name"] in ("metrics", "group_by", "order")
}
TIME_GROUP_BY = re.compile(r"(metric_time|campaign_day__report_date)__[a-z]+")
NEEDS_TIME = re.compile(r".+_(trailing_[0-9]+d|wow|mom)")  # as the contract's description says


def _names(query: dict[str, Any], name: str) -> list[str] | None:
    """A list parameter's names when it is valid by the contract's pattern, else None."""
    value = query.get(name)
    if isinstance(value, str) and KPI_LISTS[name].search(value):
        return value.split(",")
    return None


def _kpi_query(query: dict[str, Any]) -> dict[str, Any]:
    """The rules of /kpis/query across its lists, which a JSON Schema cannot state: no name
    twice, a time in group_by for a trailing window or a period-over-period change, order names
    the query has. Only valid lists are changed, and they stay valid."""
    query = dict(query)
    metrics, group_by, order = (_names(query, name) for name in ("metrics", "group_by", "order"))
    if metrics is not None:
        metrics = list(dict.fromkeys(metrics))
        query["metrics"] = ",".join(metrics)
    if group_by is not None:
        group_by = list(dict.fromkeys(group_by))
    if metrics and any(NEEDS_TIME.fullmatch(m) for m in metrics) and "group_by" not in query:
        group_by = []
    if group_by is not None:
        if metrics and any(NEEDS_TIME.fullmatch(m) for m in metrics):
            if not any(TIME_GROUP_BY.fullmatch(g) for g in group_by):
                group_by.append("metric_time__day")
        query["group_by"] = ",".join(group_by)
    if order is not None and metrics is not None and ("group_by" not in query or group_by):
        names, kept = {*metrics, *(group_by or [])}, {}
        for item in order:
            if item.removeprefix("-") in names:
                kept.setdefault(item.removeprefix("-"), item)
        if kept:
            query["order"] = ",".join(kept.values())
        else:
            del query["order"]
    return query


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    """The rules a JSON Schema cannot state: `to` is not before `from` (the contract documents
    that 400), and those of /kpis/query's name lists (_kpi_query). Two valid dates in the wrong
    order are swapped, so a case stays exactly as valid or invalid as it was drawn and positive
    cases are really valid."""
    if case.operation.path == KPI_QUERY and case.query:
        case.query = _kpi_query(case.query)
    query = case.query
    if query and _is_date(query.get("from")) and _is_date(query.get("to")):
        if query["to"] < query["from"]:  # ISO dates sort as text
            case.query = {**query, "from": query["to"], "to": query["from"]}
    return case


@dataclass(frozen=True)
class Served:
    service: ServiceProcess
    finished_run: str  # a run id GET /ingest/runs/{run_id} answers 200 for
    sink: Sink


def _run_events(service: ServiceProcess) -> tuple[set[str], set[str]]:
    """Run ids started and finished, from the service log (a line being written is skipped)."""
    started: set[str] = set()
    finished: set[str] = set()
    for line in service.log_path.read_text().splitlines():
        try:
            record = json.loads(line) if line.startswith("{") else {}
        except ValueError:
            continue
        if record.get("event") == "ingest_run_started":
            started.add(record["run_id"])
        elif record.get("event") == "ingest_run_finished":
            finished.add(record["run_id"])
    return started, finished


def wait_until_idle(service: ServiceProcess) -> None:
    """Every ingest run that Schemathesis started has ended: the next phase then gets a 202, and
    no load or build is left writing into the folder (or using this session's dbt target)."""
    while True:
        started, finished = _run_events(service)
        if started <= finished:
            return
        for run_id in started - finished:
            service.wait_for_run(run_id, timeout=180)
        time.sleep(0.05)  # its status is final a moment before its last log line


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, examples: Path) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("service-schemathesis")
    http = HTTPServer(host="127.0.0.1", port=0)
    http.start()
    sink = Sink(http, SECRET)
    service = ServiceProcess(
        root,
        DUCKDB_PATH=str(root / "warehouse.duckdb"),
        ADS_API_URL=str(examples / "ads.json"),
        CRM_API_URL=str(examples / "crm.json"),
        SINK_URL=sink.url,
        SINK_SECRET=SECRET,
        SINK_MAX_RETRIES="1",
        SINK_BACKOFF_SECONDS="0.01",
    )
    try:
        service.start()
        started = service.post("/ingest/run?since=2025-08-01")
        assert started.status_code == 202, started.text
        run = service.wait_for_run(started.json()["run_id"])
        assert run["status"] == "succeeded", run["error"]
        assert service.get("/readyz").status_code == 200
        yield Served(service, run["id"], sink)
    finally:
        if service.process is not None and service.process.poll() is None:
            wait_until_idle(service)
        service.stop()
        http.clear()
        http.stop()


def run_schemathesis(served: Served, folder: Path, phases: str) -> tuple[dict[str, Any], str]:
    """`schemathesis run` with every check, asserted clean; its JSON report and its output."""
    folder.mkdir()
    config = folder / "schemathesis.toml"
    # Half the drawn run ids are one that exists, so the 200 answer is checked too, not only 404.
    config.write_text(
        f"[dictionaries.runs]\nvalues = [{json.dumps(served.finished_run)}]\n\n"
        '[parameters]\n"path.run_id" = { dictionary = "runs", probability = 0.5 }\n'
    )
    report = folder / "report.json"
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run"),
        *(str(CONTRACT), "--url", served.service.url, "--phases", phases, "--checks", "all"),
        *("--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED)),
        *("--generation-database", "none", "--continue-on-failure", "--request-timeout", "60"),
        *("--no-color", "--report", "json", "--report-json-path", str(report)),
    ]
    env = {
        **os.environ,
        # The hooks are this module, imported by name (loaded as a file, it would not be in
        # sys.modules, which its dataclass needs); its imports must resolve in the CLI too
        # (service_harness beside it, helpers in tests/).
        "SCHEMATHESIS_HOOKS": Path(__file__).stem,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(TESTS), str(REPO_ROOT)]),
    }
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = completed.stdout + completed.stderr
    print(f"schemathesis {phases}: {time.monotonic() - started:.1f}s\n{output[-3000:]}")
    assert report.exists(), f"no report from {' '.join(command)}:\n{output}"
    summary = json.loads(report.read_text())
    assert completed.returncode == 0, f"schemathesis {phases} failed:\n{output}"
    assert summary["failures"] == [] and summary["errors"] == [], output
    assert summary["complete"] and summary["stop_reason"] == "completed", summary
    assert summary["test_cases"]["generated"] > 0
    assert summary["test_cases"]["with_failures"] == summary["test_cases"]["errored"] == 0
    warned = {name: found for name, found in summary["warnings"].items() if found}
    assert not warned, f"schemathesis warned: {warned}\n{output}"
    for phase in phases.split(","):
        assert summary["phases"][phase]["status"] in ("success", "skip"), summary["phases"]
    return summary, output


def test_schemathesis_finds_no_mismatch(served: Served, tmp_path: Path) -> None:
    summary, _ = run_schemathesis(served, tmp_path / "cases", "examples,coverage,fuzzing")
    # The contract has no examples, so that phase skips; the others must run.
    assert summary["phases"]["coverage"]["status"] == "success"
    assert summary["phases"]["fuzzing"]["status"] == "success"
    operations = summary["operations"]
    assert operations["total"] == operations["tested"] == OPERATIONS, operations
    # Each operation was reached with a request it accepted, not only refused.
    accepted = {
        operation: sum(rates["accepted"] for rates in phases.values())
        for operation, phases in summary["valid_rates"].items()
    }
    assert len(accepted) == OPERATIONS and all(accepted.values()), accepted
    assert served.sink.accepted, "no export reached the sink"

    wait_until_idle(served.service)
    stateful, output = run_schemathesis(served, tmp_path / "stateful", "stateful")
    assert stateful["phases"]["stateful"]["status"] == "success", stateful["phases"]
    links = LINKS.search(output)  # the JSON report does not count them
    assert links and int(links[1]) == int(links[2]) > 0, "the link to the run was not followed"
    print(
        "schemathesis cases:",
        summary["test_cases"]["generated"],
        "+ stateful",
        stateful["test_cases"]["generated"],
    )
