"""Where the warehouse, its published snapshot and the run state live (one place for all)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# DuckDB names a file's catalog after its stem; a stem equal to a schema makes every
# "name.table" reference ambiguous ("Ambiguous reference to catalog or schema").
RESERVED_STEMS = {"raw", "raw_staging", "staging", "intermediate", "marts", "audit", "main"}


@dataclass(frozen=True)
class WarehousePaths:
    duckdb_path: Path  # the one file loads and builds write
    state_dir: Path  # lock, dlt pipeline state, last-run summaries, metrics
    snapshot_path: Path  # read-only copy published after each successful build

    @classmethod
    def from_env(cls) -> WarehousePaths:
        duckdb_path = Path(os.environ.get("DUCKDB_PATH") or "warehouse.duckdb").resolve()
        if duckdb_path.stem.lower() in RESERVED_STEMS:
            raise SystemExit(
                f"DUCKDB_PATH={duckdb_path}: a file named {duckdb_path.name} clashes with the "
                f"schema {duckdb_path.stem!r}; choose another name (e.g. warehouse.duckdb)"
            )
        state_dir = Path(os.environ.get("ADMIRA_STATE_DIR") or duckdb_path.parent / ".admira")
        # Same file name in another folder: the snapshot keeps the catalog name its views use.
        snapshot = (
            os.environ.get("SNAPSHOT_PATH") or duckdb_path.parent / "published" / duckdb_path.name
        )
        snapshot_path = Path(snapshot).resolve()
        if snapshot_path.stem != duckdb_path.stem:
            raise SystemExit(
                f"SNAPSHOT_PATH={snapshot_path}: must have the same file name as DUCKDB_PATH "
                f"({duckdb_path.name}) so the views inside it resolve"
            )
        return cls(duckdb_path, state_dir.resolve(), snapshot_path)
