"""Fetching one source document: http(s) with retries, or a local file.

Bodies are streamed to a file on disk, never held in memory, so a payload of millions of
records costs disk, not RAM. Every attempt is logged as one JSON line and counted in the metrics.
"""

from __future__ import annotations

import random
import shutil
import time
import uuid
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from urllib.request import url2pathname

import requests
from requests.adapters import HTTPAdapter

from load.config import Settings
from load.observability import IngestMetrics, log

SECRET_QUERY_KEYS = ("token", "key", "secret", "password", "passwd", "signature", "auth", "sig")
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
CHUNK_BYTES = 1 << 20


class SourceError(Exception):
    """A source could not be fetched or parsed; the message names source, URL and cause."""

    def __init__(self, source: str, url: str, cause: str, reason: str) -> None:
        super().__init__(f"source {source}: {cause} (url {redact(url)})")
        self.source = source
        self.reason = reason  # a short label for ingest_failures_total


def redact(url: str) -> str:
    """The URL without credentials: user:password@ and secret-looking query values go."""
    parts = urlsplit(url)
    if not parts.scheme or parts.scheme == "file":
        return url
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    if parts.username or parts.password:
        netloc = "***@" + netloc
    query = [
        (k, "***" if any(s in k.lower() for s in SECRET_QUERY_KEYS) else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*"), ""))


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


@dataclass
class Fetcher:
    """One keep-alive session shared by every request of a run."""

    settings: Settings
    metrics: IngestMetrics

    def __post_init__(self) -> None:
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        self.session.close()

    def fetch(self, source: str, url: str, target: Path) -> None:
        """Write the body of `url` to `target`, or raise SourceError."""
        if is_http(url):
            self._fetch_http(source, url, target)
        else:
            self._copy_file(source, url, target)

    def _copy_file(self, source: str, url: str, target: Path) -> None:
        path = Path(url2pathname(urlsplit(url).path)) if url.startswith("file:") else Path(url)
        started = time.perf_counter()
        try:
            shutil.copyfile(path, target)
        except OSError as exc:
            self.metrics.failure(source, "file_error")
            raise SourceError(
                source, url, f"cannot read file: {exc.strerror}", "file_error"
            ) from exc
        seconds = time.perf_counter() - started
        self.metrics.request(source, "file", seconds)
        log(
            "fetch",
            source=source,
            url=url,
            status="file",
            latency_ms=round(seconds * 1000, 1),
            attempt=1,
            bytes=target.stat().st_size,
        )

    def _fetch_http(self, source: str, url: str, target: Path) -> None:
        settings = self.settings
        attempts = settings.http_max_retries + 1
        for attempt in range(1, attempts + 1):
            request_id = uuid.uuid4().hex
            started = time.perf_counter()
            status, wait, failure, reason = "error", None, None, ""
            try:
                with self.session.get(
                    url,
                    stream=True,
                    timeout=settings.http_timeout_seconds,
                    headers={"X-Request-ID": request_id, "Accept": "application/json"},
                ) as response:
                    status = str(response.status_code)
                    if response.status_code == 200:
                        with open(target, "wb") as out:
                            for chunk in response.iter_content(CHUNK_BYTES):
                                out.write(chunk)
                    else:
                        failure, reason = f"HTTP {status}", f"http_{status}"
                        wait = retry_after_seconds(response.headers.get("Retry-After"))
            except requests.Timeout:
                failure, reason = f"timed out after {settings.http_timeout_seconds:g}s", "timeout"
            except requests.RequestException as exc:
                failure, reason = f"connection error: {type(exc).__name__}", "connection_error"
            seconds = time.perf_counter() - started
            self.metrics.request(source, status, seconds)
            log(
                "fetch",
                source=source,
                url=redact(url),
                request_id=request_id,
                status=status,
                latency_ms=round(seconds * 1000, 1),
                attempt=attempt,
                error=failure,
            )
            if failure is None:
                return
            self.metrics.failure(source, reason)
            retryable = reason in ("timeout", "connection_error") or int(status) in RETRYABLE_STATUS
            if not retryable or attempt == attempts:
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                raise SourceError(source, url, f"{failure}{tries}", reason)
            backoff = min(
                settings.http_backoff_max_seconds,
                settings.http_backoff_seconds * 2 ** (attempt - 1),
            )
            delay = wait if wait is not None else random.uniform(backoff / 2, backoff)
            time.sleep(min(delay, settings.http_backoff_max_seconds))


def retry_after_seconds(header: str | None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
