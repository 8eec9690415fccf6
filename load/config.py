"""Settings of the loader, read from the environment once per run.

Every setting has a default that works on a fresh clone, so `make load` needs no configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from admira.paths import WarehousePaths
from load.destination import RawDestination

SAMPLE_DIR = Path(__file__).parent / "sample"


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"setting {name}={raw!r} is not a number") from exc


@dataclass(frozen=True)
class Settings:
    ads_url: str
    crm_url: str
    paths: WarehousePaths
    metrics_path: Path
    reporting_timezone: str
    http_timeout_seconds: float
    http_max_retries: int
    http_backoff_seconds: float
    http_backoff_max_seconds: float
    raw_destination: RawDestination  # RAW_DESTINATION, LAKE_URL: DuckDB (default) or lake

    @classmethod
    def from_env(cls) -> Settings:
        paths = WarehousePaths.from_env()
        metrics_path = Path(
            os.environ.get("INGEST_METRICS_PATH") or paths.state_dir / "ingest.prom"
        )
        return cls(
            ads_url=os.environ.get("ADS_API_URL") or str(SAMPLE_DIR / "ads.json"),
            crm_url=os.environ.get("CRM_API_URL") or str(SAMPLE_DIR / "crm.json"),
            paths=paths,
            metrics_path=metrics_path.resolve(),
            reporting_timezone=os.environ.get("REPORTING_TIMEZONE") or "UTC",
            http_timeout_seconds=_float("HTTP_TIMEOUT_SECONDS", 30.0),
            http_max_retries=int(_float("HTTP_MAX_RETRIES", 4)),
            http_backoff_seconds=_float("HTTP_BACKOFF_SECONDS", 0.5),
            http_backoff_max_seconds=_float("HTTP_BACKOFF_MAX_SECONDS", 30.0),
            raw_destination=RawDestination.from_env(paths.duckdb_path),
        )
