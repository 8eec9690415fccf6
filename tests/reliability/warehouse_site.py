"""A warehouse folder the scenarios run against, and what it holds, for row-by-row comparison.

A site is the folder of a real deployment: `warehouse.duckdb`, `.admira/` (lock, dlt state,
metrics, last runs) and `published/`: the Warehouse of tests/helpers/warehouse_harness.py,
extended. Scenarios copy a prepared site, break a run on it, rerun normally and compare what it
holds with an uninterrupted run's site.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
from helpers import REPO_ROOT
from helpers.environment import child_env
from helpers.marts import MARTS
from helpers.warehouse_harness import Warehouse

KILL_SWITCH = Path(__file__).resolve().parent / "kill_switch.py"
CURRENT_TABLES = ("ads_performance", "crm_opportunities")
APPEND_TABLES = (
    "ads_performance_history",
    "crm_opportunities_history",
    "ads_load_windows",
    "rejected_records",
)
# Columns that differ between two runs of the same data: when, and under which load id.
RUN_COLUMNS = {"_dlt_load_id", "_dlt_id", "ingested_at", "source_load_id"}


@dataclass(frozen=True)
class WarehouseContents:
    """Everything a reader or the next build depends on, without run-specific columns."""

    current: dict[str, list[tuple]]  # raw tables holding the current rows
    appended: dict[str, dict[str, list[tuple]]]  # append-only raw tables, rows per load id
    marts: dict[str, list[tuple]]
    loads: dict[str, int]  # dlt load id -> status (0: complete)


class Site(Warehouse):
    """The harness's warehouse without a monkeypatch (each load and build sets the environment
    for its own duration: sites live in session fixtures, several at a time), plus runs as
    child processes and its contents, row by row."""

    def settings(self) -> dict[str, str]:
        """Every file spelled out for the children, short backoffs, plain unbuffered output."""
        return {
            **super().settings(),
            "ADMIRA_STATE_DIR": str(self.paths.state_dir),
            "SNAPSHOT_PATH": str(self.paths.snapshot_path),
            "HTTP_BACKOFF_MAX_SECONDS": "2",
            "PYTHONUNBUFFERED": "1",
            "DBT_USE_COLORS": "false",
        }

    def env(self, ads_url: str = "", crm_url: str = "", **extra: str) -> dict[str, str]:
        """The environment of a child process run on this site."""
        return child_env(
            **{**self.settings(), "ADS_API_URL": ads_url, "CRM_API_URL": crm_url, **extra}
        )

    def run(
        self,
        module: str,
        *args: str,
        env: dict[str, str] | None = None,
        kill_at: str | None = None,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess:
        """`python -m <module>` as its own process, optionally killed at a named point."""
        command = [sys.executable, "-m", module, *args]
        if kill_at:
            command = [sys.executable, str(KILL_SWITCH), kill_at, module, *args]
        return subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=env or self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def start(self, module: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=REPO_ROOT,
            env=env or self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )

    def copy_to(self, root: Path) -> Site:
        shutil.copytree(self.root, root, symlinks=True)
        return Site(root)

    def contents(self) -> WarehouseContents:
        """The raw layer and the analytics file's marts."""
        with self.connect() as con:
            current = {t: _rows(con, f"raw.{t}") for t in CURRENT_TABLES}
            appended = {t: _rows_per_load(con, f"raw.{t}") for t in APPEND_TABLES}
            loads = dict(con.execute("select load_id, status from raw._dlt_loads").fetchall())
            marts = marts_in(con)
        return WarehouseContents(current, appended, marts, loads)

    def snapshot_marts(self) -> dict[str, list[tuple]]:
        """The marts that readers see: the published snapshot's, opened alone."""
        with duckdb.connect(str(self.paths.snapshot_path), read_only=True) as con:
            return marts_in(con)


def marts_in(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {m: _rows(con, f"marts.{m}") for m in MARTS if _exists(con, "marts", m)}


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    )


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    names = [row[0] for row in con.execute(f"describe {relation}").fetchall()]
    return [n for n in names if n not in RUN_COLUMNS]


def _comparable(row: tuple) -> tuple:
    """Floats to 12 significant digits: sums over the same rows in another order (an
    incremental rebuild, DuckDB's parallel aggregation) may differ in the last bits."""
    return tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in row)


def _rows(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple]:
    columns = ", ".join(f'"{c}"' for c in _columns(con, relation))
    rows = con.execute(f"select {columns} from {relation} order by all").fetchall()
    return [_comparable(row) for row in rows]


def _rows_per_load(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, list[tuple]]:
    columns = ", ".join(f'"{c}"' for c in _columns(con, relation))
    groups: dict[str, list[tuple]] = defaultdict(list)
    for load_id, *row in con.execute(
        f"select _dlt_load_id, {columns} from {relation} order by all"
    ).fetchall():
        groups[load_id].append(_comparable(tuple(row)))
    return dict(groups)
