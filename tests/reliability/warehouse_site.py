"""A warehouse folder the scenarios run against, and what it holds, for row-by-row comparison.

A site is the folder of a real deployment: `warehouse.duckdb`, `.admira/` (lock, dlt state,
metrics, last runs) and `published/`. Scenarios copy a prepared site, break a run on it, rerun
normally and compare what it holds with an uninterrupted run's site.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from load.config import Settings
from load.pipeline import run as run_loader
from warehouse.build import build
from warehouse.paths import WarehousePaths

REPO_ROOT = Path(__file__).resolve().parents[2]
KILL_SWITCH = Path(__file__).resolve().parent / "kill_switch.py"
# Settings a site chooses itself; the developer's shell must not leak into a scenario.
SITE_VARIABLES = (
    "DUCKDB_PATH",
    "ADMIRA_STATE_DIR",
    "SNAPSHOT_PATH",
    "INGEST_METRICS_PATH",
    "ADS_API_URL",
    "CRM_API_URL",
    "REPORTING_TIMEZONE",
    "HTTP_TIMEOUT_SECONDS",
    "HTTP_MAX_RETRIES",
    "HTTP_BACKOFF_SECONDS",
    "HTTP_BACKOFF_MAX_SECONDS",
    "RAW_DESTINATION",
    "LAKE_URL",
    "ARCHIVE_URL",
)
MARTS = ("fct_campaign_daily", "fct_funnel_daily", "fct_channel_daily")
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


@dataclass
class Site:
    root: Path
    state_dir: Path | None = None  # ADMIRA_STATE_DIR, when not the default root/.admira
    snapshot_dir: Path | None = None  # where SNAPSHOT_PATH is, when not root/published

    @property
    def paths(self) -> WarehousePaths:
        db = self.root / "warehouse.duckdb"
        return WarehousePaths(
            db,
            self.state_dir or self.root / ".admira",
            (self.snapshot_dir or self.root / "published") / db.name,
        )

    def env(self, ads_url: str = "", crm_url: str = "", **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SITE_VARIABLES}
        env.update(
            DUCKDB_PATH=str(self.paths.duckdb_path),
            ADMIRA_STATE_DIR=str(self.paths.state_dir),
            SNAPSHOT_PATH=str(self.paths.snapshot_path),
            ADS_API_URL=ads_url,
            CRM_API_URL=crm_url,
            HTTP_BACKOFF_SECONDS="0.01",
            HTTP_BACKOFF_MAX_SECONDS="2",
            PYTHONUNBUFFERED="1",
            DBT_USE_COLORS="false",
            **extra,
        )
        return env

    @contextmanager
    def environment(self, **env: str) -> Iterator[None]:
        """This process's environment as a run on this site sees it."""
        wanted = self.env(**env)
        names = set(SITE_VARIABLES) | (wanted.keys() - os.environ.keys()) | set(env)
        saved = {name: os.environ.get(name) for name in names}
        for name in names:
            os.environ.pop(name, None)
        os.environ.update({k: v for k, v in wanted.items() if k in names})
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def load(self, ads_url: str, crm_url: str, since: dt.date | None = None, **env: str) -> dict:
        """The loader in this process (fast: dlt and DuckDB are imported once)."""
        with self.environment(ads_url=ads_url, crm_url=crm_url, **env):
            return run_loader(Settings.from_env(), since)

    def build(self, full_refresh: bool = False) -> bool:
        """`make build` in this process (reuses dbt's parse: a few seconds)."""
        with self.environment():
            return build(self.paths, full_refresh=full_refresh)

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

    def contents(self, path: Path | None = None) -> WarehouseContents:
        with duckdb.connect(str(path or self.paths.duckdb_path), read_only=True) as con:
            current = {t: _rows(con, f"raw.{t}") for t in CURRENT_TABLES}
            appended = {t: _rows_per_load(con, f"raw.{t}") for t in APPEND_TABLES}
            marts = {m: _rows(con, f"marts.{m}") for m in MARTS if _exists(con, "marts", m)}
            loads = dict(con.execute("select load_id, status from raw._dlt_loads").fetchall())
        return WarehouseContents(current, appended, marts, loads)


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
