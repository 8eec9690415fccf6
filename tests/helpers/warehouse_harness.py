"""The test harness of a warehouse: load payloads, build, query. Everything real, nothing mocked.

A module of its own (not conftest.py) so any test folder can import it: several folders have a
conftest.py, and `from conftest import ...` would find whichever comes first on the path.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from load.config import Settings
from load.pipeline import run as run_loader
from warehouse.build import build
from warehouse.paths import WarehousePaths

# The worked example of CONTRACT §7 (a copy of shared/examples, so a lone clone can test).
EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "worked_example"


class Warehouse:
    """One test's warehouse: load payloads, build, query. Everything real, nothing mocked."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("DUCKDB_PATH", str(root / "warehouse.duckdb"))
        monkeypatch.delenv("ADMIRA_STATE_DIR", raising=False)
        monkeypatch.delenv("SNAPSHOT_PATH", raising=False)
        monkeypatch.delenv("REPORTING_TIMEZONE", raising=False)
        monkeypatch.delenv("ARCHIVE_URL", raising=False)  # the archive: lake/ beside the file
        monkeypatch.setenv("HTTP_BACKOFF_SECONDS", "0.01")
        self.paths = WarehousePaths.from_env()
        self._payloads = 0

    def write_payload(self, source: str, records: list) -> Path:
        """Write records in the API envelope of `source` (ads or crm) and return the file."""
        self._payloads += 1
        key = {"ads": "performance", "crm": "opportunities"}[source]
        path = self.root / f"{source}-{self._payloads}.json"
        path.write_text(json.dumps({"external": {source: {key: records}}}))
        return path

    def load(
        self,
        ads: str | Path | list | None,
        crm: str | Path | list | None,
        since: dt.date | str | None = None,
    ) -> dict:
        """Run the loader on URLs, files or record lists (a list is written as a payload)."""
        for source, value in (("ads", ads), ("crm", crm)):
            if isinstance(value, list):
                value = self.write_payload(source, value)
            self.monkeypatch.setenv(f"{source.upper()}_API_URL", str(value))
        if isinstance(since, str):
            since = dt.date.fromisoformat(since)
        return run_loader(Settings.from_env(), since)

    def build(self, since: str | None = None, full_refresh: bool = False) -> None:
        ok = build(self.paths, dt.date.fromisoformat(since) if since else None, full_refresh)
        assert ok, "dbt build failed (see its output above)"

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.paths.duckdb_path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def mart(self, name: str) -> list[tuple]:
        """Every row of a mart without the load id column, in grain order."""
        with duckdb.connect(str(self.paths.duckdb_path), read_only=True) as con:
            columns = [
                c[0]
                for c in con.execute(f"describe marts.{name}").fetchall()
                if c[0] != "source_load_id"
            ]
            return con.execute(
                f"select {', '.join(columns)} from marts.{name} order by all"
            ).fetchall()
