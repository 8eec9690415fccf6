"""`/metrics`: the loader's Prometheus text file, then the service's own registry.

The loader rewrites its file atomically after every run (`ingest_requests_total`,
`ingest_failures_total`, `ingest_latency_seconds`, `ingest_last_success_timestamp_seconds`);
the service passes it on unchanged, so one scrape sees both. The service adds its request
counter and latency histogram, its ingest runs, and when the data was last loaded and built.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics import disable_created_metrics
from prometheus_client.registry import Collector

from service.freshness import freshness
from warehouse.freshness import STATES
from warehouse.freshness import current as current_freshness

disable_created_metrics()  # one series per counter; the *_created twins only add noise


class _FreshnessCollector(Collector):
    """Read at scrape time, so the gauges follow runs made by the service or by cron."""

    def __init__(self, prom_path: Path, snapshot_path: Path, state_dir: Path) -> None:
        self.prom_path = prom_path
        self.snapshot_path = snapshot_path
        self.state_dir = state_dir

    def collect(self) -> Iterator[GaugeMetricFamily]:
        fresh = freshness(self.prom_path, self.snapshot_path)
        load = GaugeMetricFamily(
            "admira_last_successful_load_timestamp_seconds",
            "When every source had last loaded successfully (the stalest source's success).",
        )
        build = GaugeMetricFamily(
            "admira_last_successful_build_timestamp_seconds",
            "When the snapshot the service reads was published by a successful build.",
        )
        if fresh.last_load is not None:
            load.add_metric([], fresh.last_load)
        if fresh.last_build is not None:
            build.add_metric([], fresh.last_build)
        yield load
        yield build
        yield from self._source_freshness()

    def _source_freshness(self) -> Iterator[GaugeMetricFamily]:
        """The last `make freshness`, judged now (absent until it has run)."""
        recorded = current_freshness(self.state_dir)
        status = GaugeMetricFamily(
            "admira_source_freshness_status",
            "1 for each source's freshness state now (pass, warn, error), 0 for the others.",
            labels=["source", "status"],
        )
        newest = GaugeMetricFamily(
            "admira_source_newest_row_timestamp_seconds",
            "When the newest row of each raw table landed (loaded_at_field ingested_at).",
            labels=["table"],
        )
        if recorded is not None:
            for source, state in recorded.by_source(time.time()).items():
                for candidate in STATES:
                    status.add_metric([source, candidate], float(candidate == state))
            for table in recorded.tables:
                if table.max_loaded_at is not None:
                    newest.add_metric([table.table], table.max_loaded_at)
        yield status
        yield newest


class _ScheduleCollector(Collector):
    """The schedule's runs by status and its next run (`make schedule`), read at scrape time
    from its run records (scheduler/runs.py)."""

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        from scheduler.runs import summary

        schedule = summary()
        runs = CounterMetricFamily(
            "admira_scheduled_runs", "Scheduled runs (load + build) by outcome.", labels=["status"]
        )
        for status, count in schedule["runs_by_status"].items():
            runs.add_metric([status], count)
        next_run = GaugeMetricFamily(
            "admira_schedule_next_run_timestamp_seconds",
            "When the running scheduler starts its next run (absent when none runs).",
        )
        if schedule["next_run"]:
            next_run.add_metric([], dt.datetime.fromisoformat(schedule["next_run"]).timestamp())
        yield runs
        yield next_run


class ServiceMetrics:
    def __init__(self, ingest_metrics_path: Path, snapshot_path: Path, state_dir: Path) -> None:
        self.ingest_metrics_path = ingest_metrics_path
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "admira_http_requests",
            "HTTP requests answered by the service, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "admira_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["route", "method"],
            registry=self.registry,
        )
        self.ingest_runs = Counter(
            "admira_ingest_runs",
            "Ingest runs (load + build) started by the service, by outcome.",
            ["status"],
            registry=self.registry,
        )
        self.registry.register(_FreshnessCollector(ingest_metrics_path, snapshot_path, state_dir))
        self.registry.register(_ScheduleCollector())

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def render(self) -> str:
        try:
            loader = self.ingest_metrics_path.read_text()
        except FileNotFoundError:
            loader = ""  # no load has run yet: the ingest_* families appear after the first
        if loader and not loader.endswith("\n"):
            loader += "\n"
        return loader + generate_latest(self.registry).decode()
