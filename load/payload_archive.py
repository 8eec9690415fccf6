"""The raw payload archive: every page a run fetched, stored as received, before parsing.

Pages are zstd-compressed (level 1; older archives hold gzip pages, `.json.gz`, which replay
reads too) into the lake, partitioned by source and by the UTC day the run started:

    <ARCHIVE_URL>/raw_payloads/source=ads/ingest_date=2026-11-27/20261127T203512123456Z-0001.json.zst

When the run ends, a manifest per source (`<run>.manifest.json`, beside the pages) records what
the run did with them: the pages in order with their size and SHA-256, the run's `since`, its
time stamp and reporting time zone, and whether the source was landed. `python -m load --replay`
reads the landed runs back in their original order and feeds their pages to the same loader
code instead of the APIs (ReplayFetcher), so a replay gives the raw state the original loads
gave. A page that cannot be archived fails its source: raw never holds what the archive lacks.
Pages are compressed in a background thread while the loader parses them (ArchivingFetcher); the
loader waits for a source's pages (`settle`) before it checks and lands that source.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import fsspec
import zstandard

from load.http_client import Fetcher, SourceError, redact
from load.observability import log
from warehouse.archive_location import archive_url
from warehouse.paths import WarehousePaths
from warehouse.raw_file import private_folder

PAYLOADS = "raw_payloads"
CHUNK_BYTES = 1 << 20
# zstd level 1: about 3x less CPU than gzip level 1 on the payloads, and smaller (performance.md).
ZSTD_LEVEL = 1
PAGE_SUFFIX = ".json.zst"
LANDED = "landed"


def run_id_of(ingested_at: dt.datetime) -> str:
    """A sortable name for a run: its UTC start, to the microsecond."""
    return ingested_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


class RawArchive:
    """The raw_payloads folder of ARCHIVE_URL, through fsspec (local, s3://, memory://, …)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.fs, self.root = fsspec.core.url_to_fs(f"{url}/{PAYLOADS}")

    @classmethod
    def from_env(cls, paths: WarehousePaths) -> RawArchive:
        return cls(archive_url(paths))

    def folder(self, source: str, ingest_date: dt.date) -> str:
        return f"{self.root}/source={source}/ingest_date={ingest_date.isoformat()}"

    def store_page(self, folder: str, name: str, body: Path) -> dict:
        """Compress `body` into the archive; return the page's manifest entry."""
        digest = hashlib.sha256()
        self.fs.makedirs(folder, exist_ok=True)
        private_folder(self.fs, self.root)  # the pages hold the personal data
        final, partial = f"{folder}/{name}", f"{folder}/.{name}.partial"
        size = body.stat().st_size
        compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        with open(body, "rb") as src, self.fs.open(partial, "wb") as raw_out:
            with compressor.stream_writer(raw_out, size=size, closefd=False) as out:
                while chunk := src.read(CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
        self.fs.mv(partial, final)
        return {"file": name, "bytes": size, "sha256": digest.hexdigest()}

    def write_manifest(self, folder: str, run_id: str, manifest: dict) -> None:
        self.fs.makedirs(folder, exist_ok=True)
        with self.fs.open(f"{folder}/{run_id}.manifest.json", "w") as out:
            out.write(json.dumps(manifest, indent=2, default=str))

    def read_page(self, folder: str, page: dict, target: Path) -> None:
        """Decompress an archived page into `target`, checking it is the page that was fetched."""
        digest = hashlib.sha256()
        with self.fs.open(f"{folder}/{page['file']}", "rb") as raw_in:
            with _decompressed(page["file"], raw_in) as src, open(target, "wb") as out:
                while chunk := src.read(CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
        if digest.hexdigest() != page["sha256"]:
            raise ValueError(f"{folder}/{page['file']} does not match its manifest (SHA-256)")

    def runs(self, first: dt.date, last: dt.date) -> list[ArchivedRun]:
        """The landed runs that started on days first..last (UTC), oldest first."""
        by_run: dict[str, ArchivedRun] = {}
        for folder, manifest in self._manifests(first, last):
            if manifest.get("status") != LANDED:
                continue
            run = by_run.setdefault(
                manifest["run_id"],
                ArchivedRun(
                    archive=self,
                    run_id=manifest["run_id"],
                    ingested_at=dt.datetime.fromisoformat(manifest["ingested_at"]),
                    since=dt.date.fromisoformat(manifest["since"]) if manifest["since"] else None,
                    reporting_timezone=manifest["reporting_timezone"],
                ),
            )
            run.sources[manifest["source"]] = ArchivedSource(folder, manifest)
        return [by_run[run_id] for run_id in sorted(by_run)]

    def _manifests(self, first: dt.date, last: dt.date) -> Iterator[tuple[str, dict]]:
        for source_folder in sorted(self.fs.glob(f"{self.root}/source=*")):
            for folder in sorted(self.fs.glob(f"{source_folder}/ingest_date=*")):
                day = dt.date.fromisoformat(folder.rsplit("ingest_date=", 1)[1])
                if not first <= day <= last:
                    continue
                for path in sorted(self.fs.glob(f"{folder}/*.manifest.json")):
                    with self.fs.open(path, "r") as handle:
                        yield folder, json.loads(handle.read())

    def describe(self) -> str:
        return redact(self.url)


def _decompressed(name: str, raw_in):
    """A reader of an archived page's bytes as fetched: zstd, or gzip for older archives."""
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw_in, mode="rb")
    return zstandard.ZstdDecompressor().stream_reader(raw_in, closefd=False)


@dataclass
class ArchivedSource:
    folder: str
    manifest: dict


@dataclass
class ArchivedRun:
    """One archived loader run: what `run(..., replay=…)` needs to do it again."""

    archive: RawArchive
    run_id: str
    ingested_at: dt.datetime
    since: dt.date | None
    reporting_timezone: str
    sources: dict[str, ArchivedSource] = field(default_factory=dict)

    def fetcher(self, metrics) -> ReplayFetcher:
        return ReplayFetcher(self.archive, self, metrics)

    def first_url(self, source: str) -> str:
        return self.sources[source].manifest["url"]

    def since_of(self, source: str) -> tuple[dt.date | None, dt.date | None]:
        """The first day the original run asked this source for, and the last day its window
        had to reach (a lookback's)."""
        manifest = self.sources[source].manifest
        since, through = manifest.get("since"), manifest.get("window_through")
        return (
            dt.date.fromisoformat(since) if since else None,
            dt.date.fromisoformat(through) if through else None,
        )


class ArchivingFetcher:
    """The loader's fetcher, plus: each page is archived as soon as it is on disk, by one
    background thread (compression and hashing release the GIL, so they run beside the parse
    of the page on the other core); `settle(source)` waits for a source's pages."""

    def __init__(self, fetcher: Fetcher, archive: RawArchive, ingested_at: dt.datetime) -> None:
        self.fetcher = fetcher
        self.metrics = fetcher.metrics
        self.archive = archive
        self.ingested_at = ingested_at
        self.run_id = run_id_of(ingested_at)
        self.pages: dict[str, list[dict]] = {}
        self.first_url: dict[str, str] = {}
        self.pending: dict[str, list[Future]] = {}
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")

    def fetch(self, source: str, url: str, target: Path) -> None:
        self.fetcher.fetch(source, url, target)
        self.first_url.setdefault(source, url)
        pending = self.pending.setdefault(source, [])
        number = len(self.pages.get(source, [])) + len(pending) + 1
        name = f"{self.run_id}-{number:04d}{PAGE_SUFFIX}"
        # The loader deletes the page once parsed: the archive keeps a second name for it.
        keep = target.with_name(f".{target.name}.archiving")
        try:
            os.link(target, keep)
        except OSError:
            shutil.copyfile(target, keep)
        # One worker: pages are archived, and listed, in the order they were fetched.
        pending.append(self.pool.submit(self._store, source, url, name, keep))

    def _store(self, source: str, url: str, name: str, body: Path) -> None:
        try:
            page = self.archive.store_page(self._folder(source), name, body)
        except Exception as exc:  # any storage error: say where and why in one line
            self.metrics.failure(source, "archive_error")
            raise SourceError(
                source,
                url,
                f"cannot archive the payload in {self.archive.describe()}: "
                f"{type(exc).__name__}: {exc}",
                "archive_error",
            ) from exc
        finally:
            body.unlink(missing_ok=True)
        self.pages.setdefault(source, []).append({**page, "url": redact(url)})

    def settle(self, source: str) -> None:
        """Wait until every fetched page of `source` is archived; raise SourceError if one
        could not be (the source then fails: raw never holds what the archive lacks)."""
        error = None
        for future in self.pending.pop(source, []):
            try:
                future.result()
            except SourceError as exc:
                error = error or exc
        if error:
            raise error

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.fetcher.close()

    def finish(self, summary: dict, since: dt.date | None, reporting_timezone: str) -> None:
        """Write each fetched source's manifest: landed, or why not (never replayed then)."""
        landed = bool(summary.get("load_id"))
        for source, pages in self.pages.items():
            result = summary["sources"].get(source, {})
            if result.get("status") != "ok":
                status = "failed"
            else:
                status = LANDED if landed else "not_landed"
            manifest = {
                "run_id": self.run_id,
                "source": source,
                "status": status,
                "load_id": summary.get("load_id"),
                "ingested_at": self.ingested_at.isoformat(),
                # The source's own first day (a lookback's or the given one): a replay asks for it.
                "since": _iso(result.get("since", since)),
                "since_reason": result.get("since_reason"),
                "window_through": _iso(result.get("window_through")),
                "reporting_timezone": reporting_timezone,
                "url": redact(self.first_url[source]),
                "pages": pages,
            }
            try:
                self.archive.write_manifest(self._folder(source), self.run_id, manifest)
            except Exception as exc:  # the load already happened: report, do not undo it
                log("archive_manifest_failed", source=source, run_id=self.run_id, error=str(exc))

    def _folder(self, source: str) -> str:
        return self.archive.folder(source, self.ingested_at.astimezone(dt.UTC).date())


def _iso(day: dt.date | str | None) -> str | None:
    return day.isoformat() if isinstance(day, dt.date) else day


class ReplayFetcher:
    """Serves an archived run's pages, in order, where the loader would call the API."""

    def __init__(self, archive: RawArchive, run: ArchivedRun, metrics) -> None:
        self.archive = archive
        self.run = run
        self.metrics = metrics
        self.served: dict[str, int] = {}

    def fetch(self, source: str, url: str, target: Path) -> None:
        archived = self.run.sources[source]
        pages = archived.manifest["pages"]
        index = self.served.get(source, 0)
        if index >= len(pages):
            raise SourceError(
                source, url, f"run {self.run.run_id} archived only {len(pages)} page(s)", "replay"
            )
        try:
            self.archive.read_page(archived.folder, pages[index], target)
        except (OSError, ValueError, EOFError) as exc:
            raise SourceError(source, url, f"cannot replay the archive: {exc}", "replay") from exc
        self.served[source] = index + 1
        log(
            "replay_page",
            source=source,
            run_id=self.run.run_id,
            page=index + 1,
            file=pages[index]["file"],
        )

    def settle(self, source: str) -> None:
        pass  # nothing is archived again

    def close(self) -> None:
        pass
