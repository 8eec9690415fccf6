"""dbt's Jinja context, stubbed for SQLFluff's jinja templater (pyproject.toml, tool.sqlfluff).

SQLFluff renders the models without dbt or a database; its dbt builtins cover ref, source,
config, this and is_incremental, and these names cover the rest, enough to render the DuckDB
SQL the models compile to. `execute` is False, so the macros take their parse-time paths and
never query. var() reads the vars of dbt_project.yml, and `graph.metrics` the semantic layer's
metrics (as dbt's graph holds them: a measure, numerator or denominator as {name}), so the
marts render with their ratio columns.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, pass_context

_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
_VARS = yaml.safe_load((_PROJECT / "dbt_project.yml").read_text())["vars"]
_METRICS = yaml.safe_load(
    (_PROJECT / "models" / "marts" / "semantic" / "_semantic__metrics.yml").read_text()
)["metrics"]

execute = False


def env_var(name: str, default: str = "") -> str:
    return default


def var(name: str, default: Any = None) -> Any:
    value = _VARS.get(name, default)
    if isinstance(value, str) and "{{" in value:  # dbt renders it (an env_var): its default
        return Environment().from_string(value).render(env_var=env_var)
    return value


def run_query(sql: str) -> None:
    raise RuntimeError("run_query needs a database: SQLFluff renders with execute False")


class _Namespace:
    def __init__(self, **names: Any) -> None:
        self.__dict__.update(names)


@pass_context
def _dispatch(context: Any, name: str, macro_namespace: str | None = None) -> Any:
    """The DuckDB implementation of a macro, as dbt's adapter.dispatch picks it."""
    for candidate in (f"duckdb__{name}", f"default__{name}", name):
        if candidate in context:
            return context[candidate]
    raise KeyError(f"no macro {name} to dispatch to")


def _raise_compiler_error(message: str) -> None:
    raise RuntimeError(message)


adapter = _Namespace(
    dispatch=_dispatch,
    get_relation=lambda **kwargs: None,
    get_columns_in_relation=lambda relation: [],
)
dbt = _Namespace(
    cast=lambda expression, data_type: f"cast({expression} as {data_type})",
    type_string=lambda: "varchar",
    date_trunc=lambda part, expression: f"date_trunc('{part}', {expression})",
    dateadd=lambda part, amount, expression: f"{expression} + ({amount}) * interval 1 {part}",
    datediff=lambda first, second, part: f"date_diff('{part}', {first}, {second})",
    concat=lambda fields: f"concat({', '.join(fields)})",
    date_spine=lambda part, start, end: (
        f"select unnest(range({start}, {end}, interval 1 {part})) as date_{part}"
    ),
)
exceptions = _Namespace(raise_compiler_error=_raise_compiler_error)
modules = _Namespace(re=re)
flags = _Namespace(FULL_REFRESH=False, WHICH="compile", SELECT=None)
target = _Namespace(type="duckdb", name="duckdb", schema="main", database="warehouse")
model = _Namespace(resource_type="model")
graph: dict[str, Any] = {
    "nodes": {},
    "metrics": {
        f"metric.admira.{metric['name']}": {
            "name": metric["name"],
            "type": metric["type"],
            "config": {"meta": metric.get("config", {}).get("meta", {})},
            "type_params": {
                key: {"name": value} if isinstance(value, str) else value
                for key, value in metric.get("type_params", {}).items()
            },
        }
        for metric in _METRICS
    },
}
