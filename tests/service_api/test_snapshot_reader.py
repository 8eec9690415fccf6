"""The snapshot reader follows a snapshot replaced by rename, while a request still reading the
old file finishes on it (DuckDB would otherwise hand back its cached instance of the old file)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from service.snapshot_reader import SnapshotReader, SnapshotUnavailable


def database(path: Path, version: int) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.t as select {version} as version")
    return path


def publish(source: Path, snapshot: Path) -> None:
    partial = snapshot.with_name(".partial")
    shutil.copyfile(source, partial)
    os.replace(partial, snapshot)


def version(reader: SnapshotReader) -> int:
    with reader.cursor() as cursor:
        return cursor.execute("select version from marts.t").fetchone()[0]


def test_a_replaced_snapshot_is_read_at_the_next_request(tmp_path):
    one, two = database(tmp_path / "one.duckdb", 1), database(tmp_path / "two.duckdb", 2)
    snapshot = tmp_path / "published" / "warehouse.duckdb"
    snapshot.parent.mkdir()
    reader = SnapshotReader(snapshot)
    with pytest.raises(SnapshotUnavailable, match="no published snapshot"):
        version(reader)
    publish(one, snapshot)
    with reader.cursor() as in_flight:
        assert in_flight.execute("select version from marts.t").fetchone()[0] == 1
        publish(two, snapshot)
        assert version(reader) == 2  # a new request sees the new file at once
        # the request that started on the old file keeps reading it
        assert in_flight.execute("select version from marts.t").fetchone()[0] == 1
    assert version(reader) == 2
    reader.close()


def test_the_snapshot_is_read_only(tmp_path):
    snapshot = tmp_path / "warehouse.duckdb"
    publish(database(tmp_path / "one.duckdb", 1), snapshot)
    reader = SnapshotReader(snapshot)
    with reader.cursor() as cursor, pytest.raises(duckdb.Error, match="read-only"):
        cursor.execute("delete from marts.t")
    reader.close()
