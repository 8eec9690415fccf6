"""Structured JSON logs and the Prometheus text file of the loader.

The metrics are counters across runs, so they are kept in a small JSON state file next to the
`.prom` file and both are rewritten atomically after every run: a node-exporter textfile
collector or the service can read the `.prom` file at any moment and never see half of it.
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
        write_atomically(self.prom_path, "\n".join(self._render()) + "\n")

    def _render(self) -> Iterable[str]:
        yield "# HELP ingest_requests_total Source requests made by the loader, by HTTP status."
        yield "# TYPE ingest_requests_total counter"
        for key, value in sorted(self.requests.items()):
            source, status = json.loads(key)
            yield f'ingest_requests_total{{source="{source}",status="{status}"}} {value}'
        yield "# HELP ingest_failures_total Failed source requests and payloads, by reason."
        yield "# TYPE ingest_failures_total counter"
        for key, value in sorted(self.failures.items()):
            source, reason = json.loads(key)
            yield f'ingest_failures_total{{source="{source}",reason="{reason}"}} {value}'
        yield "# HELP ingest_latency_seconds Latency of source requests."
        yield "# TYPE ingest_latency_seconds histogram"
        for source, hist in sorted(self.latency.items()):
            for bound, count in zip(LATENCY_BUCKETS, hist["buckets"], strict=True):
                yield f'ingest_latency_seconds_bucket{{source="{source}",le="{bound}"}} {count}'
            yield f'ingest_latency_seconds_bucket{{source="{source}",le="+Inf"}} {hist["count"]}'
            yield f'ingest_latency_seconds_sum{{source="{source}"}} {hist["sum"]}'
            yield f'ingest_latency_seconds_count{{source="{source}"}} {hist["count"]}'
        yield "# HELP ingest_last_success_timestamp_seconds When each source last loaded."
        yield "# TYPE ingest_last_success_timestamp_seconds gauge"
        for source, ts in sorted(self.last_success.items()):
            yield f'ingest_last_success_timestamp_seconds{{source="{source}"}} {ts}'
