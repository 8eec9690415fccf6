"""One writer at a time: an advisory lock next to the warehouse.

DuckDB allows a single writing process per file. Loads and builds take this lock first, so a
second writer stops at once with a message saying who holds it, instead of failing half-way
on DuckDB's own file lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusy(Exception):
    """Another load or build holds the warehouse."""


class WarehouseNotWritable(WarehouseBusy):
    """The lock file cannot be created (a read-only folder, a full disk): no writer could work
    there either. A WarehouseBusy, so every command stops with its message, not a traceback."""


@contextmanager
def warehouse_lock(state_dir: Path, what: str) -> Iterator[None]:
    path = state_dir / "warehouse.lock"
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
    except OSError as exc:
        raise WarehouseNotWritable(
            f"cannot write the warehouse's state folder: {exc.strerror} ({path})"
        ) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise WarehouseBusy(f"the warehouse is busy: held by {holder} ({path})") from None
        holder = {
            "pid": os.getpid(),
            "what": what,
            "since": time.time(),
            "command": " ".join(sys.argv),
        }
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(holder))
            handle.flush()
        except OSError as exc:
            raise WarehouseNotWritable(
                f"cannot write the warehouse's state folder: {exc.strerror} ({path})"
            ) from None
        yield
    finally:
        handle.close()  # closing releases the lock, also when the process is killed
