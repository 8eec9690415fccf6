"""Where the archive lives: the raw payloads the loader fetched and the months retention moved.

ARCHIVE_URL is a local folder or any fsspec URL (`s3://bucket/admira`, `memory://…` in tests);
by default the `lake/` folder next to the warehouse file, i.e. the repo root for the default
DUCKDB_PATH. It is not LAKE_URL: that one is where dlt can land the raw tables as Parquet
(RAW_DESTINATION=filesystem); the two may share a bucket, never a folder:

    <ARCHIVE_URL>/raw_payloads/source=<ads|crm>/ingest_date=YYYY-MM-DD/…json.gz  (the loader)
    <ARCHIVE_URL>/archive/<schema>.<table>/month=YYYY-MM/part-NNNN.parquet  (make archive)
"""

from __future__ import annotations

import os
from pathlib import Path

from warehouse.paths import WarehousePaths


def archive_url(paths: WarehousePaths) -> str:
    """ARCHIVE_URL as given for a URL, or an absolute local folder."""
    url = (os.environ.get("ARCHIVE_URL") or "").strip().rstrip("/")
    if not url:
        return str(paths.duckdb_path.parent / "lake")
    if "://" in url:
        return url.removeprefix("file://") if url.startswith("file://") else url
    return str(Path(url).resolve())


def is_local(url: str) -> bool:
    return "://" not in url
