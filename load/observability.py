"""Structured JSON logs and the Prometheus text file of the loader.

The metrics are counters across runs, so they are kept in a small JSON state file next to the
`.prom` file and both are rewritten atomically after every run (the `.prom` file by
prometheus_client's write_to_textfile): a node-exporter textfile collector or the service can
read the `.prom` file at any moment and never see half of it.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, write_to_textfile
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def log(event: str, **fields: Any) -> None:
    """Write one JSON log line to stderr (stdout is kept for the human summary)."""
    line = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
    sys.stderr.write(json.dumps(line, default=str) + "\n")
    sys.stderr.flush()


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that readers see the old or the new file, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class IngestMetrics:
    """ingest_requests_total, ingest_failures_total and ingest_latency_seconds, cumulative."""

    def __init__(self, prom_path: Path) -> None:
        self.prom_path = prom_path
        self.state_path = prom_path.with_suffix(".state.json")
        state: dict[str, Any] = {}
        if self.state_path.exists():
            try:
                state = json.loads(self.state_path.read_text())
            except ValueError:
                state = {}  # a damaged state file restarts the counters rather than the run
        self.requests: dict[str, float] = state.get("requests", {})
        self.failures: dict[str, float] = state.get("failures", {})
        self.latency: dict[str, dict[str, Any]] = state.get("latency", {})
        self.last_success: dict[str, float] = state.get("last_success", {})

    def request(self, source: str, status: str, seconds: float) -> None:
        key = json.dumps([source, status])
        self.requests[key] = self.requests.get(key, 0) + 1
        hist = self.latency.setdefault(
            source, {"buckets": [0] * len(LATENCY_BUCKETS), "sum": 0.0, "count": 0}
        )
        for i, bound in enumerate(LATENCY_BUCKETS):
            if seconds <= bound:
                hist["buckets"][i] += 1
        hist["sum"] += seconds
        hist["count"] += 1

    def failure(self, source: str, reason: str) -> None:
        key = json.dumps([source, reason])
        self.failures[key] = self.failures.get(key, 0) + 1

    def success(self, source: str) -> None:
        self.last_success[source] = time.time()

    def write(self) -> None:
        state = {
            "requests": self.requests,
            "failures": self.failures,
            "latency": self.latency,
            "last_success": self.last_success,
        }
        write_atomically(self.state_path, json.dumps(state))
        registry = CollectorRegistry()
        registry.register(_Totals(self))
        self.prom_path.parent.mkdir(parents=True, exist_ok=True)
        write_to_textfile(str(self.prom_path), registry)  # written aside, then renamed


class _Totals(Collector):
    """The totals of every run so far, as Prometheus metric families.

    A client library's metrics live as long as their process; the loader's span runs, so the
    totals are kept in the state file and this collector hands them to the registry."""

    def __init__(self, metrics: IngestMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        m = self.metrics
        yield _counter(
            "ingest_requests",
            "Source requests made by the loader, by HTTP status.",
            ["source", "status"],
            m.requests,
        )
        yield _counter(
            "ingest_failures",
            "Failed source requests and payloads, by reason.",
            ["source", "reason"],
            m.failures,
        )
        latency = HistogramMetricFamily(
            "ingest_latency_seconds", "Latency of source requests.", labels=["source"]
        )
        for source, hist in sorted(m.latency.items()):
            buckets = [
                (floatToGoString(bound), count)
                for bound, count in zip(LATENCY_BUCKETS, hist["buckets"], strict=True)
            ]
            latency.add_metric([source], [*buckets, ("+Inf", hist["count"])], hist["sum"])
        yield latency
        last_success = GaugeMetricFamily(
            "ingest_last_success_timestamp_seconds",
            "When each source last loaded.",
            labels=["source"],
        )
        for source, ts in sorted(m.last_success.items()):
            last_success.add_metric([source], ts)
        yield last_success


def _counter(name: str, doc: str, labels: list[str], totals: dict[str, float]) -> Metric:
    """A counter family from totals keyed by their label values (a JSON list)."""
    family = CounterMetricFamily(name, doc, labels=labels)
    for key, value in sorted(totals.items()):
        family.add_metric(json.loads(key), value)
    return family
