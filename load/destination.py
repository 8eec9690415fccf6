"""Where dlt lands the raw tables: the raw DuckDB file (default) or a lake of Parquet files.

RAW_DESTINATION=duckdb (the default) merges into the raw file at RAW_DUCKDB_PATH (default
`warehouse_raw.duckdb` beside the analytics file; warehouse/paths.py), readable by its owner
only: it holds the personal data, and dbt attaches it read-only.
RAW_DESTINATION=filesystem lands the same validated Arrow batches as Parquet under LAKE_URL
(a local folder, default `lake`; `s3://bucket/prefix` in production), one folder per raw table:
`<LAKE_URL>/raw/<table>/<load_id>.<file_id>.parquet`.

The lake is append only. dlt's filesystem destination cannot merge plain Parquet, and on
Delta/Iceberg it only upserts by primary key, which cannot express the Ads window replacement
(a delete-insert by report_date with tombstones for the days the source stopped reporting). So
in the lake the two "current" tables are logs of every version each load sent, tombstones
included, and the engine that reads the lake derives the current rows (macro
register_lake_tables): for each report_date the rows of the newest load that sent that day,
for each opportunity_id its newest version. That is exactly what dlt's merge keeps in DuckDB.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

DESTINATIONS = ("duckdb", "filesystem")
DEFAULT_LAKE_URL = "lake"


@dataclass(frozen=True)
class RawDestination:
    """The chosen destination of the raw tables, and how to name it in messages."""

    kind: str  # "duckdb" or "filesystem"
    location: str  # the DuckDB file, or the lake URL

    @classmethod
    def from_env(cls, raw_path: Path) -> RawDestination:
        kind = (os.environ.get("RAW_DESTINATION") or "duckdb").strip().lower()
        if kind not in DESTINATIONS:
            raise SystemExit(
                f"setting RAW_DESTINATION={kind!r} is not one of {', '.join(DESTINATIONS)}"
            )
        if kind == "duckdb":
            return cls(kind, str(raw_path))
        return cls(kind, lake_url())

    @property
    def is_lake(self) -> bool:
        return self.kind == "filesystem"

    def dlt_destination(self):
        import dlt  # late: load.pipeline configures dlt through the environment first

        if self.is_lake:
            return dlt.destinations.filesystem(bucket_url=self.location)
        return dlt.destinations.duckdb(self.location)

    def pipeline_name(self, base: str) -> str:
        """A pipeline (dlt state) per destination, so switching one never confuses the other."""
        return f"{base}_lake" if self.is_lake else base

    def run_options(self) -> dict:
        return {"loader_file_format": "parquet"} if self.is_lake else {}

    def adapt(self, dlt_sources: list) -> list:
        """In the lake, every raw table is appended: merged tables become logs of versions."""
        if not self.is_lake:
            return dlt_sources
        for source in dlt_sources:
            for resource in source.resources.values():
                disposition = resource.write_disposition
                if isinstance(disposition, dict):
                    disposition = disposition.get("disposition")
                if disposition != "merge":
                    continue
                # Tombstones are kept as rows: the reader drops them after picking the newest
                # load of each day (dlt would delete them in a merge).
                tombstones = {
                    name: {"hard_delete": False}
                    for name, column in (resource.columns or {}).items()
                    if column.get("hard_delete")
                }
                resource.apply_hints(write_disposition="append", columns=tombstones or None)
        return dlt_sources


def lake_url() -> str:
    """LAKE_URL as dlt and Spark both read it: a URL as given, a local folder made absolute."""
    url = (os.environ.get("LAKE_URL") or DEFAULT_LAKE_URL).strip()
    if urlparse(url).scheme in ("", "file") and "://" not in url:
        return str(Path(url).resolve())
    return url
