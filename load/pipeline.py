"""One loader run: fetch each source, validate it in DuckDB, land it with dlt.

Sources are independent: a source that fails (network, HTTP status, a body that is not the
envelope) changes nothing of its own raw tables, the other source still loads, and the run ends
non-zero naming the failed source. The sources that succeed land in one dlt run, which gives
each its own load id.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

import duckdb

from load.config import Settings
from load.envelope import PayloadError, copy_list, locate_records
from load.http_client import Fetcher, SourceError, is_http, redact, with_query
from load.interrupted_loads import finish_interrupted_loads
from load.observability import IngestMetrics, log, write_atomically
from load.payload_archive import ArchivedRun, ArchivingFetcher, RawArchive
from load.records import append_records, create_record_table, work_area
from load.sources import SOURCES
from load.sources.declaration import Source
from load.sources.landing import dlt_source, split
from warehouse.lock import warehouse_lock
from warehouse.raw_file import RawLayerError, move_raw_layer, owner_only, restrict
from warehouse.retention import ArchiveFailed, restore_touched_months

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
# Every raw row carries its dlt load id: dbt finds the days a load touched through it.
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")

import dlt  # noqa: E402  (configured through the environment above)

PIPELINE_NAME = "admira"
RAW_DATASET = "raw"
MAX_PAGES = 10_000


class LoadFailed(Exception):
    """dlt could not land the validated data; nothing of this run is visible in raw."""


def run(
    settings: Settings, since: dt.date | None = None, replay: ArchivedRun | None = None
) -> dict:
    """Run the loader once and return its summary (also logged and saved).

    Every fetched page is archived as received (load/payload_archive.py). With `replay`, the pages
    of that archived run are read back instead of calling the APIs, with its time stamp.
    """
    started = time.perf_counter()
    ingested_at = replay.ingested_at if replay else dt.datetime.now(dt.UTC)
    # The day of the load bounds the plausible days; a replay keeps its run's day (and verdicts).
    plausible = settings.plausible_days(ingested_at.astimezone(dt.UTC).date())
    metrics = IngestMetrics(settings.metrics_path)
    summary: dict = {"ingested_at": ingested_at.isoformat(), "since": since, "sources": {}}
    if replay:
        summary["replay_of"] = replay.run_id
    with warehouse_lock(settings.paths.state_dir, "load"):
        if not settings.raw_destination.is_lake:
            try:
                move_raw_layer(settings.paths)  # a warehouse of the single-file layout
            except RawLayerError as exc:
                raise LoadFailed(f"moving the raw layer into its own file failed: {exc}") from exc
        workdir = Path(tempfile.mkdtemp(prefix="load-", dir=_ensure(settings.paths.state_dir)))
        con = work_area(workdir / "spill")
        if replay:
            fetcher = replay.fetcher(metrics)
        else:
            archive = RawArchive.from_env(settings.paths)
            fetcher = ArchivingFetcher(Fetcher(settings, metrics), archive, ingested_at)
        try:
            dlt_sources = []
            for source in SOURCES:
                if replay and source.name not in replay.sources:
                    continue  # that source did not land in the original run
                source_started = time.perf_counter()
                url = replay.first_url(source.name) if replay else source.url(settings)
                if replay:
                    source_since, through = replay.since_of(source.name)
                    why = "as in the archived run"
                else:
                    source_since, through, why = _since_of(settings, source, since)
                log("source_since", source=source.name, since=source_since, why=why)
                try:
                    _extract(fetcher, con, source, url, source_since, workdir)
                except SourceError as exc:
                    log("source_failed", source=source.name, error=str(exc))
                    summary["sources"][source.name] = {
                        "status": "failed",
                        "error": str(exc),
                        "since": source_since,
                        "since_reason": why,
                        "window_through": through,
                    }
                    continue
                counts = split(
                    con, source, source_since, settings.reporting_timezone, plausible, through
                )
                dlt_sources.append(dlt_source(con, source, counts, ingested_at, source_since))
                counts["extract_seconds"] = round(time.perf_counter() - source_started, 3)
                summary["sources"][source.name] = {
                    "status": "ok",
                    "since": source_since,
                    "since_reason": why,
                    "window_through": through,
                    **counts,
                }
            if dlt_sources and not settings.raw_destination.is_lake:
                _return_archived_months(settings, con, summary)
            if dlt_sources:
                load_started = time.perf_counter()
                summary["load_id"] = _land(settings, dlt_sources)
                summary["load_seconds"] = round(time.perf_counter() - load_started, 3)
        finally:
            fetcher.close()
            if not replay:
                fetcher.finish(summary, since, settings.reporting_timezone)
            con.close()
            shutil.rmtree(workdir, ignore_errors=True)
        summary["duration_seconds"] = round(time.perf_counter() - started, 3)
        for name, result in summary["sources"].items():
            if result["status"] == "ok" and not replay:  # a replay fetched nothing new
                metrics.success(name)
            log("source_summary", source=name, load_id=summary.get("load_id"), **result)
        metrics.write()
        summary["status"] = (
            "ok" if all(r["status"] == "ok" for r in summary["sources"].values()) else "failed"
        )
        write_atomically(
            settings.paths.state_dir / "last_load.json", json.dumps(summary, default=str, indent=2)
        )
    return summary


def _return_archived_months(
    settings: Settings, con: duckdb.DuckDBPyConnection, summary: dict
) -> None:
    """Archived months this load touches come back to the hot tables first (warehouse/retention.py):
    the load then updates them as any hot month, and nothing counts twice."""
    results = summary["sources"]
    landing = [s for s in SOURCES if results.get(s.name, {}).get("status") == "ok"]
    # What retention reads: the days a window replacement replaces, the versions an upsert sends.
    window = next((results[s.name]["window"] for s in landing if s.replaces_windows), None)
    versions = next((s.accepted_versions for s in landing if s.accepted_versions), None)
    try:
        months = restore_touched_months(settings.paths, con, window, versions)
    except ArchiveFailed as exc:
        raise LoadFailed(str(exc)) from exc
    if months:
        summary["returned_archived_months"] = months
        log("archived_months_returned", months=months)


def _since_of(
    settings: Settings, source: Source, since: dt.date | None
) -> tuple[dt.date | None, dt.date | None, str]:
    """The first day this run asks a source for, the last day its window must reach, and why:
    `since` given by hand always wins; with ADS_LOOKBACK_DAYS a source that replaces windows
    asks again for the last N days it has loaded (late conversions, restated costs) and its
    window reaches the latest of them (a day that vanished is removed); else everything."""
    if since:
        return since, None, "given (--since)"
    days = settings.ads_lookback_days
    if not days or not source.replaces_windows:
        return None, None, "full extract"
    latest = _latest_loaded_day(settings, source)
    if latest is None:
        return None, None, f"first load (lookback of {days} days: nothing loaded yet)"
    first = latest - dt.timedelta(days=days - 1)
    return first, latest, f"lookback of {days} days from the latest day loaded, {latest}"


def _latest_loaded_day(settings: Settings, source: Source) -> dt.date | None:
    raw = settings.paths.raw_path
    if not raw.exists():
        return None
    try:
        with duckdb.connect(str(raw), read_only=True) as con:
            return con.execute(
                f"select max({source.landing.by}) from {RAW_DATASET}.{source.table}"
            ).fetchone()[0]
    except duckdb.CatalogException:  # the raw file holds no table of this source yet
        return None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _extract(
    fetcher: Fetcher,
    con: duckdb.DuckDBPyConnection,
    source: Source,
    url: str,
    since: dt.date | None,
    workdir: Path,
) -> None:
    """Fetch every page of a source into its record table, or raise SourceError."""
    create_record_table(con, source.work.records)
    page_url: str | None = (
        with_query(url, since=since.isoformat()) if since and is_http(url) else url
    )
    seen: set[str] = set()
    while page_url:
        if page_url in seen or len(seen) >= MAX_PAGES:
            raise SourceError(source.name, page_url, "the next links loop", "invalid_payload")
        seen.add(page_url)
        body = workdir / f"{source.name}-{len(seen)}.json"
        fetcher.fetch(source.name, page_url, body)
        try:
            next_url = _read_page(con, source, body, workdir)
        except PayloadError as exc:
            fetcher.metrics.failure(source.name, "invalid_payload")
            raise SourceError(source.name, page_url, str(exc), "invalid_payload") from None
        finally:
            body.unlink(missing_ok=True)
        page_url = urljoin(page_url, next_url) if next_url else None
    fetcher.settle(source.name)  # every page archived before the source is checked and landed


def _read_page(con: duckdb.DuckDBPyConnection, source: Source, body: Path, workdir: Path):
    """Append the records of one page; return its next link, if any."""
    array_file = workdir / f"{source.name}-records.json"
    error = None
    for records in locate_records(body, source.list_path):
        if records.start is None:
            return records.next_url
        copy_list(body, records, array_file)
        try:
            append_records(con, source.work.records, array_file)
            return records.next_url
        except duckdb.Error as exc:
            error = str(exc).splitlines()[0]
        finally:
            array_file.unlink(missing_ok=True)
    raise PayloadError(f"the record list is not valid JSON ({error})")


def _land(settings: Settings, dlt_sources: list) -> str:
    """Hand the validated Arrow batches to dlt; return the load id."""
    raw = settings.raw_destination
    try:
        # The raw file, its log and dlt's packages hold the personal data: owner-only.
        with owner_only():
            pipeline = dlt.pipeline(
                pipeline_name=raw.pipeline_name(PIPELINE_NAME),
                destination=raw.dlt_destination(),
                dataset_name=RAW_DATASET,
                pipelines_dir=str(settings.paths.state_dir / "pipelines"),
            )
            finish_interrupted_loads(pipeline)  # a killed run's half-landed load, exactly once
            info = pipeline.run(raw.adapt(dlt_sources), **raw.run_options())
        if not raw.is_lake:
            restrict(settings.paths.raw_path)  # also a file an earlier release created
    except Exception as exc:  # dlt wraps every cause; say it in one line
        cause = exc
        while cause.__cause__ is not None:
            cause = cause.__cause__
        raise LoadFailed(
            f"landing the data in {redact(raw.location)} failed: "
            f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}"
        ) from exc
    return info.loads_ids[-1] if info.loads_ids else ""
