"""Where the warehouse, its published snapshot and the run state live (one place for all).

Two DuckDB files with two audiences (docs/contract.md §5): the raw file, which the loader writes
and dbt reads, holds the personal data and is readable by its owner only; the analytics file,
which dbt writes, holds staging, intermediate, marts and audit, and is what gets published.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# The catalog name under which dbt attaches the raw file (profiles.yml `attach`, the sources'
# `database`); not its stem, so RAW_DUCKDB_PATH may name the file as it likes.
RAW_CATALOG = "raw_layer"
# DuckDB names a file's catalog after its stem; a stem equal to a schema makes every
# "name.table" reference ambiguous ("Ambiguous reference to catalog or schema").
RESERVED_STEMS = {
    "raw",
    "raw_staging",
    "staging",
    "intermediate",
    "marts",
    "audit",
    "main",
    RAW_CATALOG,
}


def default_raw_path(duckdb_path: Path) -> Path:
    """`warehouse.duckdb` -> `warehouse_raw.duckdb` (profiles.yml applies the same rule)."""
    name = duckdb_path.name
    raw = f"{name[: -len('.duckdb')]}_raw.duckdb" if name.endswith(".duckdb") else f"{name}_raw"
    return duckdb_path.with_name(raw)


@dataclass(frozen=True)
class WarehousePaths:
    duckdb_path: Path  # the analytics file, which builds write and publish
    state_dir: Path  # lock, dlt pipeline state, last-run summaries, metrics
    snapshot_path: Path  # read-only copy of the analytics file, published after each build
    raw_path: Path = None  # the raw layer, which loads write (default: default_raw_path)

    def __post_init__(self) -> None:
        if self.raw_path is None:
            object.__setattr__(self, "raw_path", default_raw_path(self.duckdb_path))

    @property
    def semantic_manifest_path(self) -> Path:
        """The semantic layer's manifest of the snapshot, published beside it by each build."""
        return self.snapshot_path.with_name("semantic_manifest.json")

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
        raw = os.environ.get("RAW_DUCKDB_PATH")
        raw_path = Path(raw).resolve() if raw else default_raw_path(duckdb_path)
        if raw_path.stem.lower() in RESERVED_STEMS or raw_path == duckdb_path:
            raise SystemExit(
                f"RAW_DUCKDB_PATH={raw_path}: the raw file needs its own name, neither the "
                f"analytics file's nor a schema's (e.g. warehouse_raw.duckdb)"
            )
        return cls(duckdb_path, state_dir.resolve(), snapshot_path, raw_path)
