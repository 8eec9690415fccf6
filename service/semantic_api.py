"""`GET /kpis` and `GET /kpis/query`: the semantic layer's metrics by name, on the snapshot.

MetricFlow plans each query from the semantic manifest the last build published beside the
snapshot (semantic/layer.py); the SQL runs on the request's read-only snapshot cursor. Only
names the manifest knows are accepted, dates are typed time constraints, and the rows are
capped: no text of the caller reaches the SQL.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from service import params

QUERY_PARAMS = ("metrics", "group_by", "from", "to", "order", "limit")
DEFAULT_ROWS = 1000
MAX_ROWS = 10_000


class SemanticLayers:
    """The layer of the newest published manifest, loaded on first use (MetricFlow takes about
    half a second to import) and again whenever a build publishes another."""

    def __init__(self, manifest: Path) -> None:
        self.manifest = manifest
        self._lock = threading.Lock()
        self._layer = None
        self._identity: tuple[int, int] | None = None

    def current(self):
        from semantic.layer import ManifestUnavailable, SemanticLayer

        try:
            stat = os.stat(self.manifest)
        except FileNotFoundError:
            raise ManifestUnavailable(
                f"no semantic manifest at {self.manifest} yet: run `make build` to publish one"
            ) from None
        identity = (stat.st_ino, stat.st_mtime_ns)
        with self._lock:
            if self._layer is None or identity != self._identity:
                self._layer, self._identity = SemanticLayer(self.manifest), identity
            return self._layer


def names(query: Mapping[str, str], name: str, required: bool = False) -> list[str]:
    """A comma-separated list of names, trimmed; none given is an empty list."""
    value = query.get(name)
    listed = [item.strip() for item in (value or "").split(",") if item.strip()]
    if required and not listed:
        raise params.ParamError(name, f"{name} is required: a comma-separated list of names")
    return listed


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def kpi_rows(layer, cursor: duckdb.DuckDBPyConnection, query: Mapping[str, str]) -> dict:
    """The rows of a query by names, as objects keyed by those names."""
    params.only(query, QUERY_PARAMS)
    start, end = params.date_range(query)
    sql = layer.plan(
        metrics=names(query, "metrics", required=True),
        group_by=names(query, "group_by"),
        start=start,
        end=end,
        order_by=names(query, "order"),
        limit=params.whole_number(query, "limit", DEFAULT_ROWS, 1, MAX_ROWS),
    )
    cursor.execute(sql)
    columns = [column[0] for column in cursor.description]
    data = [
        {name: _json_value(value) for name, value in zip(columns, row, strict=True)}
        for row in cursor.fetchall()
    ]
    return {"data": data, "count": len(data)}
