"""Read-only access to the published snapshot, reopened whenever a build replaces it.

The service never opens the warehouse that loads and builds write (DuckDB has one writer and a
reader would block it or fail). It reads the snapshot `make build` publishes by renaming a fresh
copy over the old one. Two traps shape this module:

- DuckDB caches database instances by path inside a process: connecting to the same path again
  while a connection is open returns the *old* file's data after a rename. So each generation is
  its own in-memory instance that ATTACHes the snapshot file read-only, never a cached one.
- A request may still be reading the old generation when a new one opens; it finishes on the old
  file (still readable after the rename) and the old generation closes after its last reader.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb


class SnapshotUnavailable(Exception):
    """No published snapshot to read (yet), or it cannot be opened."""


@dataclass
class _Generation:
    identity: tuple[int, int, int, int]
    connection: duckdb.DuckDBPyConnection
    readers: int = 0
    retired: bool = False


def _identity(path: Path) -> tuple[int, int, int, int]:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise SnapshotUnavailable(
            f"no published snapshot at {path} yet: run `make run` (or load and `make build`)"
        ) from None
    return (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class SnapshotReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        # The snapshot keeps the warehouse's file name, so its stem is the catalog name that
        # the views inside it were created with.
        self.catalog = path.stem
        self._lock = threading.Lock()
        self._current: _Generation | None = None

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only cursor on the newest snapshot, for one request (one thread)."""
        generation, cursor = self._acquire()
        try:
            cursor.execute(f"use {_quote(self.catalog)}")
            yield cursor
        finally:
            cursor.close()
            self._release(generation)

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._retire(self._current)
                self._current = None

    def _acquire(self) -> tuple[_Generation, duckdb.DuckDBPyConnection]:
        with self._lock:
            identity = _identity(self.path)
            if self._current is None or self._current.identity != identity:
                if self._current is not None:
                    self._retire(self._current)
                    self._current = None
                self._current = _Generation(identity, self._open())
            cursor = self._current.connection.cursor()
            self._current.readers += 1
            return self._current, cursor

    def _release(self, generation: _Generation) -> None:
        with self._lock:
            generation.readers -= 1
            if generation.retired and generation.readers == 0:
                generation.connection.close()

    def _retire(self, generation: _Generation) -> None:
        generation.retired = True
        if generation.readers == 0:
            generation.connection.close()

    def _open(self) -> duckdb.DuckDBPyConnection:
        connection = duckdb.connect(":memory:")
        try:
            connection.execute(f"attach ? as {_quote(self.catalog)} (read_only)", [str(self.path)])
        except duckdb.Error as exc:
            connection.close()
            first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SnapshotUnavailable(
                f"the snapshot at {self.path} cannot be opened: {first_line}"
            ) from None
        return connection
