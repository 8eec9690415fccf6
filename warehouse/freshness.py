"""`make freshness`: dbt source freshness on the raw tables, recorded for the service, the KPI
report and the alerts.

dbt decides each raw table's state (`pass`, `warn`, `error`) from the age of its newest row
(`ingested_at`) and the limits FRESHNESS_WARN_AFTER_HOURS and FRESHNESS_ERROR_AFTER_HOURS
(dbt_project.yml). The result goes to `freshness.json` in the state folder. Data keeps ageing
after the check, so readers take the recorded newest-row times and limits and judge them again
at the time they read (`current`), with dbt's own rule: older than a limit is past it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from load.observability import write_atomically
from warehouse.build import PROJECT_DIR, REPO_ROOT, release_duckdb, target_dir
from warehouse.lock import WarehouseBusy, warehouse_lock
from warehouse.paths import WarehousePaths

RESULT_FILE = "freshness.json"
STATES = ("pass", "warn", "error")  # better to worse; dbt's "runtime error" counts as error
LIMIT_SETTINGS = {"warn": "FRESHNESS_WARN_AFTER_HOURS", "error": "FRESHNESS_ERROR_AFTER_HOURS"}
SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class FreshnessSettingError(SystemExit):
    """A freshness limit is not a whole number of hours, or warns after it errors."""


def check_settings() -> None:
    """Refuse, in one line, limits dbt would read as something else (it reads them as int)."""
    hours = {}
    for level, name in LIMIT_SETTINGS.items():
        raw = os.environ.get(name, "").strip()
        if raw and (not raw.isdigit() or int(raw) < 1):
            raise FreshnessSettingError(
                f"setting {name}={raw!r} is not a whole number of hours ≥ 1"
            )
        hours[level] = int(raw) if raw else None
    if hours["warn"] and hours["error"] and hours["warn"] > hours["error"]:
        raise FreshnessSettingError(
            f"setting {LIMIT_SETTINGS['warn']}={hours['warn']} is larger than "
            f"{LIMIT_SETTINGS['error']}={hours['error']}: a table would error before it warns"
        )


def result_path(state_dir: Path) -> Path:
    return state_dir / RESULT_FILE


@dataclass(frozen=True)
class TableFreshness:
    table: str  # source.table, e.g. ads.ads_performance
    max_loaded_at: float | None  # epoch seconds of the newest row; None: no row, or no table
    warn_after: float | None  # seconds
    error_after: float | None
    error: str | None = None  # why dbt could not tell (no such table, a query error)

    def state(self, now: float) -> str:
        """dbt's rule, at `now`: past the error limit is `error`, past the warn limit `warn`."""
        if self.max_loaded_at is None:
            return "error"
        age = now - self.max_loaded_at
        if self.error_after is not None and age > self.error_after:
            return "error"
        if self.warn_after is not None and age > self.warn_after:
            return "warn"
        return "pass"

    def describe(self, now: float) -> str:
        if self.max_loaded_at is None:
            return f"{self.table}: {self.error or 'no row landed yet'}"
        age_hours = (now - self.max_loaded_at) / 3600
        limits = f"warn after {_hours(self.warn_after)}, error after {_hours(self.error_after)}"
        return f"{self.table}: newest row {age_hours:.1f} h old ({limits})"


def _hours(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds / 3600:g} h"


def _limit(criterion: dict[str, Any] | None) -> float | None:
    if not criterion or criterion.get("count") is None or criterion.get("period") is None:
        return None
    return float(criterion["count"]) * SECONDS[criterion["period"]]


def _from_dbt(result: dict[str, Any]) -> TableFreshness:
    table = result["unique_id"].split(".", 2)[2]  # source.admira.ads.ads_performance
    criteria = result.get("criteria") or {}
    loaded = result.get("max_loaded_at")
    error = None
    if result.get("status") == "runtime error" or not loaded:
        error = (result.get("error") or "no row landed yet").splitlines()[0][:300]
        loaded = None
    return TableFreshness(
        table=table,
        max_loaded_at=dt.datetime.fromisoformat(loaded).timestamp() if loaded else None,
        warn_after=_limit(criteria.get("warn_after")),
        error_after=_limit(criteria.get("error_after")),
        error=error,
    )


@dataclass(frozen=True)
class Freshness:
    checked_at: float
    tables: tuple[TableFreshness, ...]

    def states(self, now: float | None = None) -> dict[str, str]:
        now = time.time() if now is None else now
        return {table.table: table.state(now) for table in self.tables}

    def by_source(self, now: float | None = None) -> dict[str, str]:
        """`ads`, `crm` -> pass / warn / error: a source is as fresh as the newest row of any
        of its tables (its history table gets one at every load that lands something)."""
        best: dict[str, str] = {}
        for table, state in self.states(now).items():
            source = table.split(".")[0]
            best[source] = min(best.get(source, "error"), state, key=STATES.index)
        return best

    def status(self, now: float | None = None) -> str:
        """The stalest source's state."""
        return max(self.by_source(now).values(), default="error", key=STATES.index)

    def as_json(self) -> dict[str, Any]:
        return {
            "checked_at": self.checked_at,
            "tables": [table.__dict__ for table in self.tables],
        }


def current(state_dir: Path) -> Freshness | None:
    """The last recorded check, or None when `make freshness` never ran here."""
    try:
        body = json.loads(result_path(state_dir).read_text())
        return Freshness(body["checked_at"], tuple(TableFreshness(**t) for t in body["tables"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check(paths: WarehousePaths) -> Freshness:
    """Run `dbt source freshness` under the warehouse lock and record the result."""
    from dbt.cli.main import dbtRunner  # imported late: dbt takes a second to import

    check_settings()
    if not paths.raw_path.exists():
        return _record(paths, _nothing_loaded(paths))
    args = ["source", "freshness", "--project-dir", str(PROJECT_DIR)]
    args += ["--profiles-dir", str(REPO_ROOT), "--quiet"]
    output = target_dir() / "sources.json"
    with warehouse_lock(paths.state_dir, "freshness"):
        output.unlink(missing_ok=True)  # an older run's must not pass for this one's
        try:
            result = dbtRunner().invoke(args)
        finally:
            release_duckdb()
    try:
        body = json.loads(output.read_text())
    except (OSError, ValueError):
        raise RuntimeError(
            f"dbt source freshness failed: {result.exception or 'see above'}"
        ) from None
    tables = tuple(sorted((_from_dbt(r) for r in body["results"]), key=lambda t: t.table))
    return _record(paths, Freshness(time.time(), tables))


def _nothing_loaded(paths: WarehousePaths) -> Freshness:
    error = f"no load yet ({paths.raw_path} does not exist)"
    return Freshness(time.time(), (TableFreshness("raw", None, None, None, error),))


def _record(paths: WarehousePaths, freshness: Freshness) -> Freshness:
    paths.state_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(result_path(paths.state_dir), json.dumps(freshness.as_json(), indent=2))
    return freshness


def main() -> int:
    paths = WarehousePaths.from_env()
    try:
        freshness = check(paths)
    except (WarehouseBusy, FreshnessSettingError) as exc:
        print(
            f"freshness refused: {exc.code if isinstance(exc, SystemExit) else exc}",
            file=sys.stderr,
        )
        return 2
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    now = time.time()
    print("Source freshness (newest row per raw table):")
    for table in freshness.tables:
        print(f"  {table.state(now):5}  {table.describe(now)}")
    status = freshness.status(now)
    print(f"Freshness: {status} (recorded in {result_path(paths.state_dir)})")
    return 1 if status == "error" else 0


if __name__ == "__main__":
    sys.exit(main())
