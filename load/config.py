"""Settings of the loader, read from the environment once per run.

Every setting has a default that works on a fresh clone, so `make load` needs no configuration.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from load.destination import RawDestination
from load.records import PlausibleDays
from warehouse.paths import WarehousePaths

SAMPLE_DIR = Path(__file__).parent / "sample"
# The plausible days of a record (CONTRACT §2 Dates): from this day to so many days after the
# day of the load. contracts/*.json write these defaults.
EARLIEST_PLAUSIBLE_DATE = dt.date(2000, 1, 1)
LATEST_PLAUSIBLE_DAYS_AHEAD = 365


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"setting {name}={raw!r} is not a number") from exc


def _day(name: str, default: dt.date) -> dt.date:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    raise SystemExit(f"setting {name}={raw!r} is not a day (YYYY-MM-DD)")


def _days(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,5}", raw):  # int() would take "+1", "1_0" and 10**9 days
        raise SystemExit(f"setting {name}={raw!r} is not a whole number of days (0 to 99999)")
    return int(raw)


def _lookback_days(name: str) -> int | None:
    if not os.environ.get(name, "").strip():
        return None
    days = _days(name, 0)
    if days < 1:
        raise SystemExit(f"setting {name}={days!r} must be at least 1 day")
    return days


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
    earliest_plausible_date: dt.date = EARLIEST_PLAUSIBLE_DATE
    latest_plausible_days_ahead: int = LATEST_PLAUSIBLE_DAYS_AHEAD
    # ADS_LOOKBACK_DAYS: a plain load asks for the last N days loaded again (None: everything).
    ads_lookback_days: int | None = None

    @classmethod
    def from_env(cls) -> Settings:
        paths = WarehousePaths.from_env()
        metrics_path = Path(
            os.environ.get("INGEST_METRICS_PATH") or paths.state_dir / "ingest.prom"
        )
        settings = cls(
            ads_url=os.environ.get("ADS_API_URL") or str(SAMPLE_DIR / "ads.json"),
            crm_url=os.environ.get("CRM_API_URL") or str(SAMPLE_DIR / "crm.json"),
            paths=paths,
            metrics_path=metrics_path.resolve(),
            reporting_timezone=os.environ.get("REPORTING_TIMEZONE") or "UTC",
            http_timeout_seconds=_float("HTTP_TIMEOUT_SECONDS", 30.0),
            http_max_retries=int(_float("HTTP_MAX_RETRIES", 4)),
            http_backoff_seconds=_float("HTTP_BACKOFF_SECONDS", 0.5),
            http_backoff_max_seconds=_float("HTTP_BACKOFF_MAX_SECONDS", 30.0),
            raw_destination=RawDestination.from_env(paths.raw_path),
            earliest_plausible_date=_day("EARLIEST_PLAUSIBLE_DATE", EARLIEST_PLAUSIBLE_DATE),
            latest_plausible_days_ahead=_days(
                "LATEST_PLAUSIBLE_DAYS_AHEAD", LATEST_PLAUSIBLE_DAYS_AHEAD
            ),
            ads_lookback_days=_lookback_days("ADS_LOOKBACK_DAYS"),
        )
        if settings.ads_lookback_days and settings.raw_destination.is_lake:
            raise SystemExit(
                "setting ADS_LOOKBACK_DAYS reads the latest day loaded from the raw DuckDB file:"
                " it needs RAW_DESTINATION=duckdb"
            )
        latest = settings.plausible_days(dt.datetime.now(dt.UTC).date()).latest
        if settings.earliest_plausible_date > latest:  # every record would be rejected
            raise SystemExit(
                f"setting EARLIEST_PLAUSIBLE_DATE={settings.earliest_plausible_date.isoformat()!r}"
                f" is after the latest plausible day ({latest}, LATEST_PLAUSIBLE_DAYS_AHEAD days"
                " after today)"
            )
        return settings

    def plausible_days(self, load_day: dt.date) -> PlausibleDays:
        """The days a record of a load run on `load_day` (UTC) may fall on."""
        latest = load_day + dt.timedelta(days=self.latest_plausible_days_ahead)
        return PlausibleDays(self.earliest_plausible_date, latest)
