"""Settings of the scheduler, and the cron arithmetic (croniter) they drive.

SCHEDULE is required: `python -m scheduler` without it, or with an expression croniter cannot
read, stops at once with one line naming the setting. SCHEDULE_TIMEZONE and SCHEDULE_RUNS_PATH
have defaults.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter

from warehouse.env import text
from warehouse.paths import WarehousePaths

RUNS_FILE_NAME = "scheduled_runs.jsonl"
EXAMPLE = "SCHEDULE='0 6 * * *' (minute hour day-of-month month day-of-week [second])"


class ScheduleError(SystemExit):
    """A scheduler setting has a value the scheduler cannot use (one line, no traceback)."""


def default_runs_path() -> Path:
    """SCHEDULE_RUNS_PATH, or scheduled_runs.jsonl in the warehouse's state folder."""
    configured = text("SCHEDULE_RUNS_PATH")
    if configured:
        return Path(configured).resolve()
    return WarehousePaths.from_env().state_dir / RUNS_FILE_NAME


def parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"setting SCHEDULE_TIMEZONE={name!r} is not an IANA time zone (e.g. Europe/Madrid)"
        ) from None


def check_expression(expression: str, zone: ZoneInfo) -> None:
    """Raise ScheduleError unless croniter reads the expression and it has a next time."""
    reason = None
    if not croniter.is_valid(expression):
        reason = "not a cron expression"
    else:
        try:
            next_after(expression, zone, dt.datetime.now(dt.UTC))
        except (CroniterError, ValueError) as exc:  # e.g. "0 0 31 2 *": never happens
            reason = f"it has no next time ({exc})"
    if reason:
        raise ScheduleError(f"setting SCHEDULE={expression!r}: {reason}; e.g. {EXAMPLE}")


def next_after(expression: str, zone: ZoneInfo, moment: dt.datetime) -> dt.datetime:
    """The first time strictly after `moment` that the expression names, read in `zone`."""
    start = moment.astimezone(zone)
    return croniter(expression, start).get_next(dt.datetime).astimezone(zone)


@dataclass(frozen=True)
class ScheduleSettings:
    expression: str  # SCHEDULE, a cron expression (a 6th field is seconds)
    timezone: ZoneInfo  # SCHEDULE_TIMEZONE, the zone the expression is read in
    runs_path: Path  # SCHEDULE_RUNS_PATH, one JSON line per run
    state_dir: Path  # the warehouse's state folder: where the load writes last_load.json

    def __post_init__(self) -> None:
        check_expression(self.expression, self.timezone)

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        return next_after(self.expression, self.timezone, moment)

    @classmethod
    def from_env(cls) -> ScheduleSettings:
        expression = text("SCHEDULE")
        if expression is None:
            raise ScheduleError(f"setting SCHEDULE is not set: a cron expression, e.g. {EXAMPLE}")
        zone = parse_timezone(text("SCHEDULE_TIMEZONE") or "UTC")
        state_dir = WarehousePaths.from_env().state_dir
        return cls(expression, zone, default_runs_path(), state_dir)
