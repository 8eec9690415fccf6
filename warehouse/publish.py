"""The read-only snapshot that readers (analysts, the service) open instead of the warehouse.

DuckDB allows one writing process per file, and a reader in another process fails while a
load or build writes. So after each successful build the analytics file (never the raw file,
which holds the personal data: docs/contract.md §2) is checkpointed, copied next to the
published snapshot and renamed over it in one atomic step: readers never block a writer and
never see a half-built state; one that has the old snapshot open keeps reading the old file.

A whole copy, on purpose: the first release rewrote a second, older snapshot chunk by chunk,
which needs that copy on disk between builds; only the name swap stayed. Where Linux can
(renameat2 with RENAME_EXCHANGE) the copy and the snapshot swap names and the old file is then
removed: a rename over the snapshot makes ext4 write the whole copy out at once (about 0.45 s at
5M rows per source, against 0.15 s for the swap and the removal). Measured in docs/decisions.md.
"""

from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

import duckdb

_LIBC = ctypes.CDLL(None) if os.name == "posix" else None


def publish(warehouse: Path, snapshot: Path, beside: tuple[tuple[Path, Path], ...] = ()) -> None:
    """Atomically replace `snapshot` with a consistent copy of `warehouse` (hold the lock), then
    each (source, published) file of `beside`, e.g. the semantic manifest that describes it."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("checkpoint")  # everything in the main file, nothing left in the WAL
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    partial = snapshot.with_name(f".{snapshot.name}.partial")
    try:
        shutil.copyfile(warehouse, partial)  # in the kernel (sendfile), no user-space buffer
    except OSError:
        partial.unlink(missing_ok=True)  # a full disk: give the space back, keep the old one
        raise
    if snapshot.exists() and _exchange(partial, snapshot):
        partial.unlink()  # the replaced snapshot; a reader that has it open keeps it
    else:
        os.replace(partial, snapshot)
    # What the first release kept between publishes: one published copy is all `published/` holds.
    snapshot.with_name(f".{snapshot.name}.previous").unlink(missing_ok=True)
    for source, published in beside:
        if source.exists():
            partial = published.with_name(f".{published.name}.partial")
            shutil.copyfile(source, partial)
            os.replace(partial, published)


def _exchange(one: Path, other: Path) -> bool:
    """Swap two names in one atomic step; False where the C library, the kernel or the file
    system cannot (then the caller renames over)."""
    renameat2 = getattr(_LIBC, "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd, rename_exchange = -100, 2
    return renameat2(at_cwd, os.fsencode(one), at_cwd, os.fsencode(other), rename_exchange) == 0
