"""The read-only snapshot that readers (analysts, the service) open instead of the warehouse.

DuckDB allows one writing process per file, and a reader in another process fails while a
load or build writes. So after each successful build the warehouse is checkpointed and copied
next to the published snapshot, then renamed over it: readers never block a writer and never see
a half-built state; one that has the old snapshot open keeps reading the old file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb


def publish(warehouse: Path, snapshot: Path) -> None:
    """Atomically replace `snapshot` with a consistent copy of `warehouse` (hold the lock)."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("checkpoint")  # everything in the main file, nothing left in the WAL
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    partial = snapshot.with_name(f".{snapshot.name}.partial")
    try:
        shutil.copyfile(warehouse, partial)
        os.replace(partial, snapshot)
    except OSError:
        partial.unlink(missing_ok=True)  # a full disk: give the space back, keep the old one
        raise
