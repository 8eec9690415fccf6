"""When the data the service serves was last loaded and built successfully.

- Load: the loader's Prometheus file keeps `ingest_last_success_timestamp_seconds` per source
  across runs (a failed run does not erase an earlier success), so the last successful load is
  the oldest of the per-source successes: the data is only as fresh as its stalest source.
- Build: the snapshot is published only by a successful build, so its modification time is when
  the data the service reads was last built.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

# The names of the loader's sources (Source.name in load/sources/); not imported, because importing
# the sources imports dlt, which the service has no other use for.
SOURCES = ("ads", "crm")
LAST_SUCCESS = "ingest_last_success_timestamp_seconds"


@dataclass(frozen=True)
class Freshness:
    last_load: float | None  # epoch seconds; None when no successful load is recorded
    last_load_detail: str
    last_build: float | None
    last_build_detail: str


def last_successful_load(prom_path: Path) -> tuple[float | None, str]:
    try:
        text = prom_path.read_text()
    except FileNotFoundError:
        return None, f"no load recorded yet ({prom_path} does not exist)"
    try:
        per_source = {
            sample.labels.get("source"): sample.value
            for family in text_string_to_metric_families(text)
            if family.name == LAST_SUCCESS
            for sample in family.samples
        }
    except ValueError as exc:
        return None, f"{prom_path} is not Prometheus text: {exc}"
    missing = [source for source in SOURCES if source not in per_source]
    if missing:
        return None, f"no successful load of {', '.join(missing)} recorded in {prom_path}"
    stalest = min(SOURCES, key=lambda source: per_source[source])
    return per_source[stalest], f"oldest source success: {stalest}"


def last_successful_build(snapshot_path: Path) -> tuple[float | None, str]:
    try:
        return os.stat(snapshot_path).st_mtime, f"snapshot {snapshot_path} published"
    except FileNotFoundError:
        return None, f"no build published yet ({snapshot_path} does not exist)"


def freshness(prom_path: Path, snapshot_path: Path) -> Freshness:
    load, load_detail = last_successful_load(prom_path)
    build, build_detail = last_successful_build(snapshot_path)
    return Freshness(load, load_detail, build, build_detail)
