"""Run `python -m load` or `python -m warehouse.build` and SIGKILL it at a named point.

    python tests/reliability/kill_switch.py <point> <module> [args...]

The real program runs unchanged; the switch only wraps the call that marks the point and, when
it is reached, announces it on stderr and sends SIGKILL to its own process: no cleanup, no
`finally`, exactly what a power cut or the OOM killer does. A point that is never reached lets
the program finish normally, so a test sees exit code 0 instead of -9 and knows it tested
nothing. Test-only: the product has no fault-injection hook.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
from collections.abc import Callable
from types import SimpleNamespace


def die(point: str) -> None:
    sys.stderr.write(f"kill_switch: SIGKILL at {point}\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _after_land(point: str) -> None:
    """Right after dlt committed everything, before the run's metrics and records."""
    import load.pipeline

    land = load.pipeline._land

    def wrapped(*args, **kwargs):
        load_id = land(*args, **kwargs)
        die(point)
        return load_id

    load.pipeline._land = wrapped


def _on_dlt_sql(point: str, matches: Callable[[str], bool], after: bool) -> None:
    """When dlt sends a matching statement to DuckDB: kill before or after it ran."""
    from dlt.destinations.impl.duckdb.sql_client import DuckDbSqlClient

    execute_sql = DuckDbSqlClient.execute_sql

    def wrapped(self, sql, *args, **kwargs):
        if isinstance(sql, str) and matches(sql):
            if not after:
                die(point)
            result = execute_sql(self, sql, *args, **kwargs)
            die(point)
            return result
        return execute_sql(self, sql, *args, **kwargs)

    DuckDbSqlClient.execute_sql = wrapped


def _mid_window_replacement(point: str) -> None:
    """Inside dlt's merge transaction: the Ads window deleted, its new rows not inserted yet.
    The merge statements are run one by one (in the same open transaction) to stop between."""
    from dlt.destinations.impl.duckdb.sql_client import DuckDbSqlClient

    execute_many = DuckDbSqlClient.execute_many

    def wrapped(self, statements, *args, **kwargs):
        statements = list(statements)
        if not any(_deletes_from(s, '"ads_performance"') for s in statements):
            return execute_many(self, statements, *args, **kwargs)
        for statement in statements:
            self.execute_sql(statement, *args, **kwargs)
            if _deletes_from(statement, '"ads_performance"'):
                die(point)
        return []

    DuckDbSqlClient.execute_many = wrapped


def _deletes_from(sql: str, table: str) -> bool:
    head = sql.strip().upper()
    return head.startswith("DELETE FROM") and table.upper() in head.split("WHERE")[0]


def _mid_mart_replacement(point: str) -> None:
    """Inside dbt's transaction of the funnel mart: its days deleted, nothing inserted yet (the
    campaign mart may already be committed)."""
    from dbt.adapters.duckdb.environments.local import DuckDBCursorWrapper

    execute = DuckDBCursorWrapper.execute

    def wrapped(self, sql, bindings=None):
        lowered = sql.lower()
        if "delete from" in lowered and "fct_funnel_daily" in lowered and "insert into" in lowered:
            delete, _, _ = sql.partition(";")
            execute(self, delete, bindings)
            die(point)
        return execute(self, sql, bindings)

    DuckDBCursorWrapper.execute = wrapped


def _mid_snapshot_copy(point: str) -> None:
    """Half-way through writing the analytics file's copy that becomes the snapshot."""
    import warehouse.publish

    def half_copy(source, target):
        with open(source, "rb") as src, open(target, "wb") as copy:
            copy.write(src.read(os.path.getsize(source) // 2))
        die(point)

    warehouse.publish.shutil = SimpleNamespace(copyfile=half_copy)


def _in_raw_move(point: str, step: str) -> None:
    """Moving a single-file warehouse's raw layer out: its copy complete but not renamed into
    place ("rename"), or renamed but not yet dropped from the analytics file ("drop")."""
    import warehouse.raw_file as raw_file

    if step == "rename":
        copy = raw_file._copy_into_partial

        def copy_then_die(*args):
            copy(*args)
            die(point)

        raw_file._copy_into_partial = copy_then_die
    else:
        raw_file._drop_from_analytics = lambda analytics: die(point)


POINTS: dict[str, Callable[[str], None]] = {
    "after_land": _after_land,
    "staging_insert": lambda p: _on_dlt_sql(
        p, lambda sql: sql.startswith("INSERT INTO") and '"raw_staging"' in sql, after=True
    ),
    "history_append": lambda p: _on_dlt_sql(
        p,
        lambda sql: sql.startswith("INSERT INTO") and '"raw"."ads_performance_history"' in sql,
        after=True,
    ),
    "window_replacement": _mid_window_replacement,
    "mart_replacement": _mid_mart_replacement,
    "snapshot_copy": _mid_snapshot_copy,
    "raw_move_rename": lambda p: _in_raw_move(p, "rename"),
    "raw_move_drop": lambda p: _in_raw_move(p, "drop"),
}


def main() -> None:
    point, module, *args = sys.argv[1:]
    sys.path.insert(0, os.getcwd())
    POINTS[point](point)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
