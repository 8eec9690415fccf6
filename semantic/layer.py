"""The semantic layer in a process: metrics and dimensions by name, planned by MetricFlow.

The metrics are declared once in dbt_project/models/marts/semantic/. A build publishes the
semantic manifest dbt wrote beside the snapshot it describes (`published/semantic_manifest.json`,
WarehousePaths.semantic_manifest_path), so the names a reader asks for match the snapshot.
MetricFlow plans each query into DuckDB SQL (`explain`); the SQL then runs on a read-only cursor
of the snapshot: MetricFlow never opens a database here.

Only names the manifest knows get in: metrics, group-by items and order-by items are checked
against it (UnknownName lists the known ones), dates are typed time constraints and the row
count is an integer. Nothing a caller sends is pasted into SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIME_GRAINS = ("day", "week", "month", "quarter", "year")


class UnknownName(ValueError):
    """A metric, group-by or order-by name the semantic manifest does not know."""

    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        super().__init__(f"unknown {kind} {name!r}")
        self.kind, self.name, self.known = kind, name, known


class ManifestUnavailable(Exception):
    """No published semantic manifest to plan with (yet), or an unreadable one."""


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    description: str


def _planner(semantic_manifest):
    """MetricFlow's engine with a SQL client that only describes DuckDB (its engine type and
    renderer): it never runs a statement, the SQL runs on the caller's snapshot cursor.
    Imported here: MetricFlow takes about half a second to import."""
    from metricflow.engine.metricflow_engine import MetricFlowEngine
    from metricflow.protocols.sql_client import SqlEngine
    from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    class DuckDbDialect:
        sql_engine_type = SqlEngine.DUCKDB
        sql_plan_renderer = DuckDbSqlPlanRenderer()

        def _refuse(self, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("the semantic layer plans only; queries run on a snapshot cursor")

        query = execute = dry_run = _refuse

        def close(self) -> None:
            pass

        def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
            return f"${bind_parameter_key}"

    return MetricFlowEngine(
        semantic_manifest_lookup=SemanticManifestLookup(semantic_manifest),
        sql_client=DuckDbDialect(),
    )


class SemanticLayer:
    """MetricFlow on one semantic manifest (a new manifest: a new SemanticLayer)."""

    def __init__(self, manifest: Path) -> None:
        from metricflow_semantics.model.dbt_manifest_parser import (
            parse_manifest_from_dbt_generated_manifest,
        )

        try:
            text = manifest.read_text()
            semantic_manifest = parse_manifest_from_dbt_generated_manifest(text)
        except FileNotFoundError:
            raise ManifestUnavailable(
                f"no semantic manifest at {manifest} yet: run `make build` to publish one"
            ) from None
        except (OSError, ValueError) as exc:
            raise ManifestUnavailable(
                f"the semantic manifest {manifest} is unreadable: {exc}"
            ) from None
        self._engine = _planner(semantic_manifest)
        self.metrics = tuple(
            MetricInfo(m.name, m.label or m.name, m.description or "")
            for m in sorted(semantic_manifest.metrics, key=lambda m: m.name)
        )
        self.metric_names = tuple(m.name for m in self.metrics)
        self.dimensions = self._group_by_names()

    def _group_by_names(self) -> tuple[str, ...]:
        """Every name `group_by` takes: metric_time and each time dimension at every grain,
        each categorical dimension, qualified by its entity (`campaign_day__channel`), of any
        semantic model (MetricFlow lists only those common to the metrics it is given, so
        it is asked metric by metric)."""
        names = {f"metric_time__{grain}" for grain in TIME_GRAINS}
        dimensions = [
            dimension
            for metric in self.metric_names
            for dimension in self._engine.list_dimensions([metric])
        ]
        for dimension in dimensions:
            if dimension.dunder_name.startswith("metric_time"):
                continue  # listed above
            if dimension.type_params is not None:  # a time dimension
                names |= {f"{dimension.dunder_name}__{grain}" for grain in TIME_GRAINS}
            else:
                names.add(dimension.dunder_name)
        return tuple(sorted(names))

    def plan(
        self,
        metrics: list[str],
        group_by: list[str] = (),
        start: dt.date | None = None,
        end: dt.date | None = None,
        order_by: list[str] = (),
        limit: int | None = None,
    ) -> str:
        """The SQL of a query by names (checked here first), for a snapshot cursor."""
        if not metrics:
            raise UnknownName("metric", "", list(self.metric_names))
        for name in metrics:
            self._check("metric", name, self.metric_names)
        for name in group_by:
            self._check("group_by", name, self.dimensions)
        for name in order_by:
            self._check("order", name.removeprefix("-"), (*metrics, *group_by))
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        request = MetricFlowQueryRequest.create(
            metric_names=list(metrics),
            group_by_names=list(group_by),
            order_by_names=list(order_by),
            limit=limit,
            time_constraint_start=_instant(start),
            time_constraint_end=_instant(end),
        )
        return self._engine.explain(request).sql_statement.sql

    @staticmethod
    def _check(kind: str, name: str, known: tuple[str, ...]) -> None:
        if name not in known:
            raise UnknownName(kind, name, list(known))


def _instant(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day, dt.time())


def describe(layer: SemanticLayer) -> dict:
    """What `GET /kpis` and `make kpis` list: the metrics and the group-by names."""
    return {
        "metrics": [
            {"name": m.name, "label": m.label, "description": m.description} for m in layer.metrics
        ],
        "dimensions": list(layer.dimensions),
    }
