"""Publishing the snapshot: a byte-identical copy of the analytics file renamed over the old one;
a reader that has the old one open keeps it; `published/` holds one copy between builds."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.publish import publish

READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
sys.stdin.readline()
print(*con.execute("select min(version), count(*), sum(n) from marts.t").fetchone(), flush=True)
"""


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "warehouse.duckdb", tmp_path / "published" / "warehouse.duckdb"


def write_version(warehouse: Path, version: int) -> None:
    """A new version of the warehouse: one table rewritten, another one left as it was."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create table if not exists marts.untouched as select range as n from range(500000)"
        )
        con.execute(
            f"create or replace table marts.t as select {version} as version, range as n "
            "from range(200000)"
        )


def version_in(snapshot: Path) -> tuple:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return con.execute("select min(version), count(*), sum(n) from marts.t").fetchone()


def test_every_publish_is_the_warehouse_and_published_holds_one_copy(site):
    warehouse, snapshot = site
    for version in (1, 2, 3):
        write_version(warehouse, version)
        publish(warehouse, snapshot)
        assert filecmp.cmp(warehouse, snapshot, shallow=False)
        assert version_in(snapshot) == (version, 200_000, sum(range(200_000)))
        assert [p.name for p in snapshot.parent.iterdir()] == ["warehouse.duckdb"]


def test_a_reader_of_the_old_snapshot_keeps_reading_it(site):
    warehouse, snapshot = site
    write_version(warehouse, 1)
    publish(warehouse, snapshot)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(snapshot)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline() == "open\n"
        for version in (2, 3):
            write_version(warehouse, version)
            publish(warehouse, snapshot)
            assert filecmp.cmp(warehouse, snapshot, shallow=False)
        out, _ = reader.communicate("go\n", timeout=60)
    finally:
        reader.kill()
    assert out.split() == ["1", "200000", str(sum(range(200_000)))], "the reader's file changed"
    assert version_in(snapshot)[0] == 3


def test_the_first_releases_extra_copies_are_removed(site):
    """It kept the replaced snapshot as `.previous` for the next publish to rewrite; a publish
    killed half-way leaves a `.partial`, which the next one overwrites."""
    warehouse, snapshot = site
    write_version(warehouse, 1)
    publish(warehouse, snapshot)
    for leftover in (".warehouse.duckdb.previous", ".warehouse.duckdb.partial"):
        (snapshot.parent / leftover).write_bytes(b"\xff" * 3_000_000)
    write_version(warehouse, 2)
    publish(warehouse, snapshot)
    assert [p.name for p in snapshot.parent.iterdir()] == ["warehouse.duckdb"]
    assert version_in(snapshot)[0] == 2
