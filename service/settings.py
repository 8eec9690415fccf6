"""Settings of the service, read from the environment once at start.

Every setting has a default that works on a fresh clone after `make run`; a malformed value
stops the service at start with a message naming the variable, not a stack trace.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from scheduler.alerts import Alerts
from scheduler.settings import ScheduleSettings
from warehouse.env import number, text
from warehouse.paths import WarehousePaths

# A daily schedule plus two hours of slack: one missed run makes the service not ready.
DEFAULT_READY_MAX_AGE_SECONDS = 26 * 3600


class SettingError(SystemExit):
    """A setting has a value the service cannot use."""


def _number(name: str, default: float, minimum: float = 0) -> float:
    return number(name, default, SettingError, minimum)


def _port(name: str, default: int) -> int:
    raw = text(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > 65535:
        raise SettingError(f"setting {name}={raw!r} is not a TCP port (0-65535)")
    return int(raw)


@dataclass(frozen=True)
class ServiceSettings:
    host: str
    port: int
    paths: WarehousePaths
    ingest_metrics_path: Path
    ready_max_age_seconds: float
    sink_url: str | None
    sink_secret: str | None = field(repr=False)  # never printed, never logged
    sink_timeout_seconds: float
    sink_max_retries: int
    sink_backoff_seconds: float
    # SCHEDULE set: the service runs the schedule in-process (scheduler/), with its alerts
    schedule: ScheduleSettings | None = None
    alerts: Alerts | None = None

    @classmethod
    def from_env(cls) -> ServiceSettings:
        paths = WarehousePaths.from_env()
        metrics = text("INGEST_METRICS_PATH") or paths.state_dir / "ingest.prom"
        return cls(
            host=text("HOST") or "127.0.0.1",
            port=_port("PORT", 8080),
            paths=paths,
            ingest_metrics_path=Path(metrics).resolve(),
            ready_max_age_seconds=_number(
                "READY_MAX_AGE_SECONDS", DEFAULT_READY_MAX_AGE_SECONDS, minimum=1
            ),
            sink_url=text("SINK_URL"),
            sink_secret=os.environ.get("SINK_SECRET") or None,
            sink_timeout_seconds=_number("SINK_TIMEOUT_SECONDS", 10.0, minimum=0.1),
            sink_max_retries=int(_number("SINK_MAX_RETRIES", 3)),
            sink_backoff_seconds=_number("SINK_BACKOFF_SECONDS", 0.5),
            schedule=ScheduleSettings.from_env() if text("SCHEDULE") else None,
            alerts=Alerts.from_env(paths.state_dir) if text("SCHEDULE") else None,
        )

    def child_env(self) -> dict[str, str]:
        """The environment of the load and build the service starts: the same files, spelled
        absolutely, so the children write exactly what the service reads."""
        env = dict(os.environ)
        env.update(
            DUCKDB_PATH=str(self.paths.duckdb_path),
            ADMIRA_STATE_DIR=str(self.paths.state_dir),
            SNAPSHOT_PATH=str(self.paths.snapshot_path),
            INGEST_METRICS_PATH=str(self.ingest_metrics_path),
            DBT_USE_COLORS="false",
        )
        for secret in ("SINK_SECRET", "ALERT_SECRET"):
            env.pop(secret, None)  # the loader and dbt have no use for them
        return env
