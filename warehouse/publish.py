"""The read-only snapshot that readers (analysts, the service) open instead of the warehouse.

DuckDB allows one writing process per file, and a reader in another process fails while a
load or build writes. So after each successful build the analytics file (never the raw file,
which holds the personal data: docs/contract.md §2) is checkpointed, copied next to the
published snapshot and renamed over it in one atomic step: readers never block a writer and
never see a half-built state; one that has the old snapshot open keeps reading the old file.

A plain copy, on purpose: the first release rewrote the previous snapshot chunk by chunk, read
both files ahead in a thread and swapped names with renameat2, which paid while the snapshot
held the raw layer; against the analytics file alone it does not (docs/decisions.md, "The
publish: a plain copy").
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
        shutil.copyfile(warehouse, partial)  # in the kernel (sendfile), no user-space buffer
    except OSError:
        partial.unlink(missing_ok=True)  # a full disk: give the space back, keep the old one
        raise
    os.replace(partial, snapshot)
    # What the first release kept between publishes: one published copy is all `published/` holds.
    snapshot.with_name(f".{snapshot.name}.previous").unlink(missing_ok=True)
