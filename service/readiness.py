"""`/readyz`: may a load balancer send readers here? Only when the snapshot exists, holds the
marts, and its data is fresh: the last successful load and build are younger than
READY_MAX_AGE_SECONDS, and no source is past its freshness error limit (the last
`make freshness`, judged again now; a `warn` keeps the service ready and says so). Each check
says why it failed, so the 503 explains itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import duckdb

from service.freshness import freshness
from service.settings import ServiceSettings
from service.snapshot_reader import SnapshotReader, SnapshotUnavailable
from warehouse.catalog import MART_NAMES
from warehouse.freshness import current as current_freshness


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _marts(reader: SnapshotReader) -> Check:
    try:
        with reader.cursor() as cursor:
            present = {
                name
                for (name,) in cursor.execute(
                    """
                    select table_name
                    from information_schema.tables
                    where table_catalog = current_database() and table_schema = 'marts'
                    """
                ).fetchall()
            }
    except (SnapshotUnavailable, duckdb.Error) as exc:
        return Check("marts", False, str(exc).splitlines()[0])
    missing = [name for name in MART_NAMES if name not in present]
    if missing:
        return Check("marts", False, "missing in the snapshot: marts." + ", marts.".join(missing))
    return Check("marts", True, "marts." + ", marts.".join(MART_NAMES))


def _age(name: str, at: float | None, detail: str, max_age: float, now: float) -> Check:
    if at is None:
        return Check(name, False, detail)
    age = now - at
    verdict = "younger" if age <= max_age else "older"
    return Check(
        name, age <= max_age, f"{detail} {age:,.0f}s ago, {verdict} than the {max_age:,.0f}s limit"
    )


def _source_freshness(settings: ServiceSettings, now: float) -> Check:
    recorded = current_freshness(settings.paths.state_dir)
    if recorded is None:
        return Check("source_freshness", True, "not checked yet: make freshness")
    states = recorded.by_source(now)
    shown = ", ".join(f"{source} {state}" for source, state in sorted(states.items()))
    stale = [table.describe(now) for table in recorded.tables if table.state(now) != "pass"]
    detail = shown + (f" ({'; '.join(stale)})" if stale else "")
    return Check("source_freshness", recorded.status(now) != "error", detail)


def readiness(settings: ServiceSettings, reader: SnapshotReader) -> tuple[bool, dict[str, Any]]:
    """Run every check (not just up to the first failure) and report each."""
    snapshot = settings.paths.snapshot_path
    exists = snapshot.exists()
    checks = [
        Check(
            "snapshot",
            exists,
            str(snapshot) if exists else f"no published snapshot at {snapshot}: run make run",
        )
    ]
    checks.append(_marts(reader) if exists else Check("marts", False, "no snapshot to look in"))
    fresh = freshness(settings.ingest_metrics_path, snapshot)
    now = time.time()
    max_age = settings.ready_max_age_seconds
    checks.append(_age("last_load", fresh.last_load, fresh.last_load_detail, max_age, now))
    checks.append(_age("last_build", fresh.last_build, fresh.last_build_detail, max_age, now))
    checks.append(_source_freshness(settings, now))
    ready = all(check.ok for check in checks)
    from scheduler.runs import summary

    schedule = summary()
    body = {
        "status": "ready" if ready else "not ready",
        "failed": [check.name for check in checks if not check.ok],
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
        # What `make schedule` will do next and has done (no check: a schedule is optional).
        "schedule": {
            "next_run": schedule["next_run"],
            "runs_by_status": schedule["runs_by_status"],
        },
    }
    return ready, body
