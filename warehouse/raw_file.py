"""The raw layer's own DuckDB file: private to its owner, and the move out of a single file.

The raw file holds the personal data (docs/contract.md §2, Personal data): the loader writes it,
dbt attaches it read-only, nothing publishes it. It is created readable by its owner only (its
write-ahead log too), and so are the folders of the other copies of that data: dlt's load
packages, the payload archive, the raw months retention moved to the lake.

Warehouses of the first release kept the raw layer (schemas `raw` and `raw_staging`, dlt's
state tables included) in the analytics file. The first load, build or archive on such a file
moves it out (`move_raw_layer`), crash-safe at every step: the tables are copied into a partial
file that is renamed into place only once complete, and dropped from the analytics file only
after that, when the raw file is seen to hold every load the analytics file held.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import fsspec
from fsspec.implementations.local import LocalFileSystem

from warehouse.paths import WarehousePaths

RAW_SCHEMAS = ("raw", "raw_staging")  # dlt's dataset and its staging dataset (merges)
OWNER_ONLY = 0o600


class RawLayerError(Exception):
    """The raw layer cannot be read or moved; the message says what to do."""


@contextlib.contextmanager
def owner_only() -> Iterator[None]:
    """Files created in the block are readable and writable by their owner only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def private_folder(fs: fsspec.AbstractFileSystem, path: str) -> None:
    """A local folder of personal data, its owner's only (an object store's access is its
    bucket policy's)."""
    if isinstance(fs, LocalFileSystem):
        os.chmod(path, 0o700)


def restrict(raw_path: Path) -> None:
    """Make the raw file (and its write-ahead log, if any) owner-only, whoever created it."""
    for path in (raw_path, raw_path.with_name(raw_path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, OWNER_ONLY)


def require_raw_file(paths: WarehousePaths) -> None:
    """A build reads the raw file: say how to get one when there is none."""
    if not paths.raw_path.exists():
        raise RawLayerError(
            f"no raw layer at {paths.raw_path} (RAW_DUCKDB_PATH): run `make load` first"
        )


def move_raw_layer(paths: WarehousePaths) -> list[str]:
    """Move the raw schemas out of a single-file warehouse into the raw file; the tables moved
    (none for a warehouse of this layout). The caller holds the warehouse lock."""
    analytics, raw = paths.duckdb_path, paths.raw_path
    if not analytics.exists():
        return []
    try:
        with duckdb.connect(str(analytics), read_only=True) as con:
            tables = _raw_tables(con)
            held = _load_ids(con) if tables else set()
    except duckdb.Error:  # unreadable: the command that follows says why, in its own words
        return []
    if not tables:
        return []
    started = time.monotonic()
    try:
        _move(analytics, raw, tables, held)
    except (duckdb.Error, OSError) as exc:
        raise RawLayerError(
            f"moving the raw layer of {analytics} into {raw} stopped, nothing was lost "
            f"(the next run starts it again): {type(exc).__name__}: {exc}"
        ) from exc
    moved = [f"{schema}.{table}" for schema, table, _ in tables]
    print(
        f"Moved the raw layer ({len(moved)} tables) out of {analytics} into its own file "
        f"{raw} in {time.monotonic() - started:.1f}s: readers' snapshots no longer hold it."
    )
    return moved


def _move(analytics: Path, raw: Path, tables: list[tuple[str, str, str]], held: set[str]) -> None:
    if not raw.exists():
        os.replace(_copy_into_partial(analytics, raw, tables), raw)  # complete, or not there
    else:  # a move that stopped after its copy, or a raw file from elsewhere: check first
        with duckdb.connect(str(raw), read_only=True) as con:
            missing = held - _load_ids(con)
        if missing:
            raise RawLayerError(
                f"{analytics} holds a raw layer with {len(missing)} load(s) that the raw file "
                f"{raw} lacks; move one of the two files away, then run the command again"
            )
    _drop_from_analytics(analytics)


def _drop_from_analytics(analytics: Path) -> None:
    with duckdb.connect(str(analytics)) as con:
        con.execute("begin transaction")
        for schema in RAW_SCHEMAS:
            con.execute(f"drop schema if exists {schema} cascade")
        if _ledger_ddl(con):  # the raw months' archive records moved with them
            con.execute(f"delete from {_ledger()} where relation like 'raw.%'")
        con.execute("commit")
        con.execute("checkpoint")


def _raw_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        "select schema_name, table_name, sql from duckdb_tables() "
        "where database_name = current_database() and schema_name in $schemas order by all",
        {"schemas": list(RAW_SCHEMAS)},
    ).fetchall()


def _load_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    try:
        return {row[0] for row in con.execute("select load_id from raw._dlt_loads").fetchall()}
    except duckdb.CatalogException:  # no dlt load recorded (yet)
        return set()


def _copy_into_partial(analytics: Path, raw: Path, tables: list[tuple[str, str, str]]) -> Path:
    """Copy the tables, with their DDL, into a new file beside `raw`; return that file."""
    partial = raw.with_name(f".{raw.name}.partial")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)  # a move killed half-way: start again
    with owner_only(), duckdb.connect(str(partial)) as con:
        con.execute(f"attach '{_quote(str(analytics))}' as single_file (read_only)")
        for schema in sorted({schema for schema, _, _ in tables}):
            con.execute(f"create schema {schema}")
        for schema, table, ddl in tables:
            con.execute(ddl)  # unqualified: created in the new file, constraints and all
            con.execute(
                f'insert into {schema}."{table}" select * from single_file.{schema}."{table}"'
            )
        if ddl := _ledger_ddl(con, "single_file"):
            ledger = _ledger()
            con.execute(f"create schema {ledger.split('.')[0]}")
            con.execute(ddl)
            con.execute(
                f"insert into {ledger} from single_file.{ledger} where relation like 'raw.%'"
            )
        con.execute("checkpoint")
    restrict(partial)
    return partial


def _ledger() -> str:
    from warehouse.retention import LEDGER  # late: retention moves the raw layer first

    return LEDGER


def _ledger_ddl(con: duckdb.DuckDBPyConnection, database: str | None = None) -> str | None:
    """retention's ledger in `database` (default: the connection's own file), as its DDL."""
    schema, table = _ledger().split(".")
    row = con.execute(
        "select sql from duckdb_tables() where database_name = "
        "coalesce($database, current_database()) and schema_name = $schema "
        "and table_name = $table",
        {"database": database, "schema": schema, "table": table},
    ).fetchone()
    return row[0] if row else None


def _quote(text: str) -> str:
    return text.replace("'", "''")
