"""The warehouse of a test: load payloads, build, query. Everything real, nothing mocked.

One class for every suite: the `warehouse` fixture (tests/conftest.py), the session fixtures
that build a warehouse once, and the reliability suite's Site (tests/reliability/
warehouse_site.py), which adds child processes and row-by-row contents.

A module of its own (not conftest.py) so any test folder can import it: several folders have a
conftest.py, and `from conftest import ...` would find whichever comes first on the path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from helpers.environment import isolated, scrub
from helpers.payloads import envelope
from load.config import Settings
from load.pipeline import run as run_loader
from warehouse.build import build
from warehouse.paths import RAW_CATALOG, WarehousePaths


class Warehouse:
    """A warehouse folder: `warehouse.duckdb` (analytics), `warehouse_raw.duckdb` (the raw
    layer), `.admira/` (lock, dlt state, metrics, last runs) and `published/`, unless
    `state_dir` or `snapshot_dir` put those elsewhere.

    With the test's monkeypatch, the process environment is this warehouse's from now until the
    test ends: every setting of helpers.environment.SETTINGS is unset but the warehouse's own,
    and a test may change one between steps or call the product's code directly. Without one,
    the environment is left alone and each load and build sets it for its own duration only:
    for a warehouse that outlives a test (in a session fixture) or one of several at a time.
    """

    def __init__(
        self,
        root: Path,
        monkeypatch: pytest.MonkeyPatch | None = None,
        *,
        state_dir: Path | None = None,
        snapshot_dir: Path | None = None,
    ) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        self.state_dir = state_dir  # ADMIRA_STATE_DIR, when not the default root/.admira
        self.snapshot_dir = snapshot_dir  # where SNAPSHOT_PATH is, when not root/published
        db = (root / "warehouse.duckdb").resolve()
        self.paths = WarehousePaths(
            db,
            (state_dir or db.parent / ".admira").resolve(),
            ((snapshot_dir or db.parent / "published") / db.name).resolve(),
        )
        self._payloads = 0
        if monkeypatch is not None:
            scrub(monkeypatch, **self.settings())

    def settings(self) -> dict[str, str]:
        """The settings this warehouse's runs get (every other one of SETTINGS is unset)."""
        values = {"DUCKDB_PATH": str(self.paths.duckdb_path), "HTTP_BACKOFF_SECONDS": "0.01"}
        if self.state_dir:
            values["ADMIRA_STATE_DIR"] = str(self.paths.state_dir)
        if self.snapshot_dir:
            values["SNAPSHOT_PATH"] = str(self.paths.snapshot_path)
        return values

    @contextmanager
    def environment(self, **values: str | None) -> Iterator[None]:
        """The environment of a run on this warehouse, with `values` (None: unset) on top."""
        if self.monkeypatch is None:
            with isolated(**{**self.settings(), **values}):
                yield
            return
        for name, value in values.items():  # they stay, as every setting the test made
            if value is None:
                self.monkeypatch.delenv(name, raising=False)
            else:
                self.monkeypatch.setenv(name, value)
        yield

    def write_payload(self, source: str, records: list) -> Path:
        """Write records in the API envelope of `source` (ads or crm) and return the file."""
        self._payloads += 1
        path = self.root / f"{source}-{self._payloads}.json"
        path.write_bytes(envelope(source, records))
        return path

    def load(
        self,
        ads: str | Path | list | None,
        crm: str | Path | list | None,
        since: dt.date | str | None = None,
        **env: str,
    ) -> dict:
        """Run the loader in this process on URLs, files or record lists (a list is written as
        a payload; None is the shipped sample), with `env` set on top."""
        urls = {}
        for source, value in (("ads", ads), ("crm", crm)):
            if isinstance(value, list):
                value = self.write_payload(source, value)
            urls[f"{source.upper()}_API_URL"] = None if value is None else str(value)
        if isinstance(since, str):
            since = dt.date.fromisoformat(since)
        with self.environment(**urls, **env):
            return run_loader(Settings.from_env(), since)

    def build(self, since: dt.date | str | None = None, full_refresh: bool = False) -> bool:
        """`make build` in this process (reuses the session's dbt parse: a few seconds)."""
        if isinstance(since, str):
            since = dt.date.fromisoformat(since)
        with self.environment():
            ok = build(self.paths, since, full_refresh)
        assert ok, "dbt build failed (see its output above)"
        return ok

    @contextmanager
    def connect(self, analytics: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """The analytics file (or `analytics`, e.g. the snapshot) read-only, with the raw file
        attached read-only where there is one: `raw.<table>` reads the raw layer, as in dbt.
        Before any build there is no analytics file: then the raw file alone."""
        analytics = analytics or self.paths.duckdb_path
        main = str(analytics) if analytics.exists() else ":memory:"
        with duckdb.connect(main, read_only=main != ":memory:") as con:
            if self.paths.raw_path.exists():
                con.execute(f"attach '{self.paths.raw_path}' as {RAW_CATALOG} (read_only)")
                main = con.execute("select current_database()").fetchone()[0]
                con.execute(f"set search_path = '{main}.main,{RAW_CATALOG}.raw'")
            yield con

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.connect() as con:
            return con.execute(sql, params or []).fetchall()

    def mart(self, name: str) -> list[tuple]:
        """Every row of a mart (or of `schema.table`) without the load id column, in order."""
        relation = name if "." in name else f"marts.{name}"
        with self.connect() as con:
            columns = [
                c[0]
                for c in con.execute(f"describe {relation}").fetchall()
                if c[0] != "source_load_id"
            ]
            return con.execute(
                f"select {', '.join(columns)} from {relation} order by all"
            ).fetchall()
