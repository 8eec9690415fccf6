"""`GET /kpis` and `GET /kpis/query`: the semantic layer's metrics by name, on the snapshot.

MetricFlow plans each query from the semantic manifest the last build published beside the
snapshot (semantic/layer.py); the SQL runs on the request's read-only snapshot cursor. Only
names the manifest knows are accepted, dates are typed time constraints, and the rows are
capped: no text of the caller reaches the SQL.

Name lists are taken as spelt, as dates and numbers are (service/params.py): an empty value, an
empty item (`a,,b`, a comma at either end), a padded name or a name twice is a 400, never read
as something else. A query MetricFlow refuses to plan (a trailing window or a period-over-period
change without a time in group_by) is a 400 with MetricFlow's reason, not a 500.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from service import params

QUERY_PARAMS = ("metrics", "group_by", "from", "to", "order", "limit")
DEFAULT_ROWS = 1000
MAX_ROWS = 10_000

# MetricFlow warns on stderr, outside the JSON log lines, when a range lies outside the days it
# knows; _time_bounds has already moved such a range to where it finds no day, as it would.
logging.getLogger("metricflow_semantics.filters.time_constraint").setLevel(logging.ERROR)


class SemanticLayers:
    """The layer of the newest published manifest, loaded on first use (MetricFlow takes about
    half a second to import) and again whenever a build publishes another."""

    def __init__(self, manifest: Path) -> None:
        self.manifest = manifest
        self._lock = threading.Lock()
        self._layer = None
        self._identity: tuple[int, int] | None = None

    def current(self):
        from semantic.layer import SemanticLayer

        try:
            stat = os.stat(self.manifest)
        except FileNotFoundError:
            return SemanticLayer(self.manifest)  # raises ManifestUnavailable, saying what to do
        identity = (stat.st_ino, stat.st_mtime_ns)
        with self._lock:
            if self._layer is None or identity != self._identity:
                self._layer, self._identity = SemanticLayer(self.manifest), identity
            return self._layer


def names(query: Mapping[str, str], name: str, required: bool = False) -> list[str]:
    """A comma-separated list of names as spelt; not given is an empty list. Whether each name
    is known is the layer's check (UnknownName); `order` names may start with `-`."""
    value = query.get(name)
    if value is None or (value == "" and required):
        if required:
            raise params.ParamError(name, f"{name} is required: a comma-separated list of names")
        return []
    if value == "":
        raise params.ParamError(
            name, f"{name} is empty: give a comma-separated list of names, or leave it out"
        )
    listed = value.split(",")
    bare = [item.removeprefix("-") if name == "order" else item for item in listed]
    if "" in bare:
        raise params.ParamError(
            name,
            f"{name} has an empty name: names are separated by single commas, none at either end",
        )
    for index, item in enumerate(bare):
        if item in bare[:index]:
            raise params.ParamError(name, f"{name} lists {params._shown(item)} twice")
    return listed


def _time_bounds(
    start: dt.date | None, end: dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    """The dates moved into the days MetricFlow knows (2000-01-01 to 2040-12-31): it clamps an
    earlier start itself, but a later end is an error (and there is no data beyond it anyway)."""
    from metricflow_semantics.filters.time_constraint import TimeRangeConstraint

    first = TimeRangeConstraint.ALL_TIME_BEGIN().date()
    last = TimeRangeConstraint.ALL_TIME_END().date()
    return (
        None if start is None else min(max(start, first), last + dt.timedelta(days=1)),
        None if end is None else max(min(end, last), first - dt.timedelta(days=1)),
    )


def _refused_plan(exc: Exception) -> params.ParamError:
    """MetricFlow's reasons for not planning a query of known names, as a 400: each error's
    message, without the object dumps it carries."""
    reasons = re.findall(r"Message:\s*(.+?)\s*(?:Issue Location:|$)", str(exc), re.DOTALL)
    text = " ".join(" ".join(reason.split()) for reason in reasons) or str(exc).splitlines()[0]
    text = re.sub(r" in input metrics: \(Pydantic.*?\)\)\.", ".", text)
    parameter = "group_by" if "group-by" in text or "group by" in text else "metrics"
    return params.ParamError(parameter, f"MetricFlow cannot plan this query: {text[:500]}")


def _json_value(value: Any) -> Any:
    """Time group-by values are days (the first of their period), YYYY-MM-DD as everywhere else
    in the API; MetricFlow returns them as midnight timestamps."""
    if isinstance(value, dt.datetime) and value.time() == dt.time() and value.tzinfo is None:
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def kpi_rows(layer, cursor: duckdb.DuckDBPyConnection, query: Mapping[str, str]) -> dict:
    """The rows of a query by names, as objects keyed by those names."""
    from metricflow_semantics.errors.error_classes import InvalidQueryException

    params.only(query, QUERY_PARAMS)
    start, end = _time_bounds(*params.date_range(query))
    metrics = names(query, "metrics", required=True)
    group_by = names(query, "group_by")
    order_by = names(query, "order")
    limit = params.whole_number(query, "limit", DEFAULT_ROWS, 1, MAX_ROWS)
    try:
        sql = layer.plan(metrics, group_by, start, end, order_by, limit)
    except InvalidQueryException as exc:
        raise _refused_plan(exc) from None
    cursor.execute(sql)
    columns = [column[0] for column in cursor.description]
    data = [
        {name: _json_value(value) for name, value in zip(columns, row, strict=True)}
        for row in cursor.fetchall()
    ]
    return {"data": data, "count": len(data)}
