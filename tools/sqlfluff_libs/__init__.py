"""dbt's Jinja context, stubbed for SQLFluff's jinja templater (pyproject.toml, tool.sqlfluff).

SQLFluff renders the models without dbt or a database; its dbt builtins cover ref, source,
config, this and is_incremental, and these names cover the rest, enough to render the DuckDB
SQL the models compile to. `execute` is False, so the macros take their parse-time paths and
never query. var() reads the vars of dbt_project.yml: the ratios and the e-mail pattern too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from jinja2 import pass_context

_VARS = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml").read_text()
)["vars"]

execute = False


def var(name: str, default: Any = None) -> Any:
    value = _VARS.get(name, default)
    if isinstance(value, str) and "{{" in value:  # dbt renders it (an env_var): a placeholder
        return name
    return value


def env_var(name: str, default: str = "") -> str:
    return default


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
)
exceptions = _Namespace(raise_compiler_error=_raise_compiler_error)
modules = _Namespace(re=re)
flags = _Namespace(FULL_REFRESH=False, WHICH="compile", SELECT=None)
target = _Namespace(type="duckdb", name="duckdb", schema="main", database="warehouse")
model = _Namespace(resource_type="model")
graph: dict[str, Any] = {"nodes": {}}
