"""Publishing the snapshot: a byte-identical copy of the warehouse swapped with the old one. The
file the publish before replaced is rewritten in place only when no reader has it open."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse import publish as publishing
from warehouse.publish import publish

pytestmark = pytest.mark.skipif(
    not publishing.REUSES_PREVIOUS, reason="no open file description locks here"
)

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


def test_every_publish_is_the_warehouse_and_an_unread_previous_file_is_reused(site):
    warehouse, snapshot = site
    inodes = []
    for version in (1, 2, 3):
        write_version(warehouse, version)
        publish(warehouse, snapshot)
        assert filecmp.cmp(warehouse, snapshot, shallow=False)
        assert version_in(snapshot) == (version, 200_000, sum(range(200_000)))
        inodes.append(snapshot.stat().st_ino)
    assert inodes[1] != inodes[0]
    assert inodes[2] == inodes[0], "the third publish should have rewritten the first file"
    assert sorted(p.name for p in snapshot.parent.iterdir()) == [
        ".warehouse.duckdb.previous",
        "warehouse.duckdb",
    ]


def test_a_file_a_reader_still_has_open_is_left_alone(site):
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
        first_file = snapshot.stat().st_ino
        for version in (2, 3):  # the third publish would rewrite the first file if it could
            write_version(warehouse, version)
            publish(warehouse, snapshot)
            assert filecmp.cmp(warehouse, snapshot, shallow=False)
        assert snapshot.stat().st_ino != first_file
        out, _ = reader.communicate("go\n", timeout=60)
    finally:
        reader.kill()
    assert out.split() == ["1", "200000", str(sum(range(200_000)))], "the reader's file changed"
    assert version_in(snapshot)[0] == 3


def test_whatever_the_previous_file_holds_the_publish_is_the_warehouse(site):
    """A publish killed half-way through rewriting it leaves any bytes there."""
    warehouse, snapshot = site
    for version in (1, 2):
        write_version(warehouse, version)
        publish(warehouse, snapshot)
    previous = snapshot.with_name(".warehouse.duckdb.previous")
    with previous.open("r+b") as garbled:
        garbled.seek(previous.stat().st_size // 3)
        garbled.write(b"\xff" * 3_000_000)
        garbled.seek(0, 2)
        garbled.write(b"\x00" * 5_000_000)  # longer than the warehouse, too
    write_version(warehouse, 3)
    publish(warehouse, snapshot)
    assert filecmp.cmp(warehouse, snapshot, shallow=False)
    assert version_in(snapshot)[0] == 3


def test_without_such_locks_every_copy_is_fresh_and_no_previous_is_kept(site, monkeypatch):
    monkeypatch.setattr(publishing, "REUSES_PREVIOUS", False)
    warehouse, snapshot = site
    for version in (1, 2, 3):
        write_version(warehouse, version)
        publish(warehouse, snapshot)
        assert filecmp.cmp(warehouse, snapshot, shallow=False)
    assert [p.name for p in snapshot.parent.iterdir()] == ["warehouse.duckdb"]
