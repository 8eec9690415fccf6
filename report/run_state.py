"""The state of the last load and build, from the records they leave in the state folder.

The loader writes `.admira/last_load.json`, `make build` writes `.admira/last_build.json` and
`make freshness` (which `make run` and every scheduled run end with) `.admira/freshness.json`;
the report shows them as a person would ask: did it work, how many rows, how many rejects, and
is the data fresh (dbt source freshness, judged again now: warehouse/freshness.py).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.freshness import Freshness, current


@dataclass(frozen=True)
class SourceRun:
    name: str
    status: str  # ok | failed
    received: int | None
    loaded: int | None
    rejected: int | None
    error: str | None


@dataclass(frozen=True)
class RunState:
    load_found: bool
    load_status: str | None
    load_id: str | None
    loaded_at: dt.datetime | None
    sources: list[SourceRun] = field(default_factory=list)
    build_status: str | None = None
    built_at: dt.datetime | None = None
    problems: list[str] = field(default_factory=list)  # records that could not be read
    freshness: Freshness | None = None  # the last `make freshness`; None: never checked here

    def age_hours(self, now: dt.datetime) -> float | None:
        if self.loaded_at is None:
            return None
        return (now - self.loaded_at).total_seconds() / 3600

    def freshness_status(self, now: dt.datetime) -> str | None:
        """pass / warn / error of the stalest source now, or None when never checked."""
        return self.freshness.status(now.timestamp()) if self.freshness else None


def read_run_state(state_dir: Path) -> RunState:
    """Read the last-run records; a missing or damaged record is reported, never fatal."""
    problems: list[str] = []
    load = _read_json(state_dir / "last_load.json", problems)
    build = _read_json(state_dir / "last_build.json", problems)
    sources = [
        SourceRun(
            name,
            str(result.get("status", "unknown")),
            result.get("received"),
            result.get("loaded"),
            result.get("rejected"),
            result.get("error"),
        )
        for name, result in (load or {}).get("sources", {}).items()
    ]
    finished = (build or {}).get("finished_at")
    return RunState(
        load_found=load is not None,
        load_status=(load or {}).get("status"),
        load_id=(load or {}).get("load_id"),
        loaded_at=_parse_time((load or {}).get("ingested_at")),
        sources=sources,
        build_status=(build or {}).get("status"),
        built_at=dt.datetime.fromtimestamp(finished, dt.UTC) if finished else None,
        problems=problems,
        freshness=current(state_dir),
    )


def _read_json(path: Path, problems: list[str]) -> dict | None:
    if not path.exists():
        return None
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        problems.append(f"{path} could not be read: {exc}")
        return None
    if not isinstance(value, dict):
        problems.append(f"{path} is not a JSON object")
        return None
    return value


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
