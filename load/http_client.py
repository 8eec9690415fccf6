"""Fetching one source document: http(s) with retries, or a local file.

Bodies are streamed to a file on disk, never held in memory, so a payload of millions of
records costs disk, not RAM. Every attempt is logged as one JSON line and counted in the metrics;
tenacity decides whether and when to try again.
"""

from __future__ import annotations

import re
import shutil
import time
import uuid
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from urllib.request import url2pathname

import requests
import tenacity
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


URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>]+")


def redact_urls(text: str) -> str:
    """Free text (an error message) with every URL in it shown as `redact` shows it."""
    return URL_IN_TEXT.sub(lambda found: redact(found.group()), text)


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
        cap = settings.http_backoff_max_seconds
        half = settings.http_backoff_seconds / 2
        # Equal jitter: half of the exponential backoff for sure, the other half at random.
        backoff = tenacity.wait_exponential(multiplier=half, max=cap / 2)
        backoff += tenacity.wait_random_exponential(multiplier=half, max=cap / 2)
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(settings.http_max_retries + 1),
            retry=tenacity.retry_if_exception(_AttemptFailed.is_retryable),
            wait=lambda state: _wait(state, backoff, cap),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self._attempt(source, url, target, attempt.retry_state.attempt_number)
        except _AttemptFailed as exc:
            tries = f" after {exc.attempt} attempts" if exc.attempt > 1 else ""
            raise SourceError(source, url, f"{exc.failure}{tries}", exc.reason) from None

    def _attempt(self, source: str, url: str, target: Path, attempt: int) -> None:
        """One request: the body to `target`, or _AttemptFailed. Logged and counted either way."""
        settings = self.settings
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
        raise _AttemptFailed(failure, reason, retryable, wait, attempt)


class _AttemptFailed(Exception):
    """One request that brought no body; tenacity retries it when `retryable`."""

    def __init__(
        self, failure: str, reason: str, retryable: bool, retry_after: float | None, attempt: int
    ) -> None:
        super().__init__(failure)
        self.failure = failure
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.attempt = attempt

    @staticmethod
    def is_retryable(exc: BaseException) -> bool:
        return isinstance(exc, _AttemptFailed) and exc.retryable


def _wait(state: tenacity.RetryCallState, backoff: tenacity.wait.wait_base, cap: float) -> float:
    """The server's Retry-After when it sent one, else the backoff; never more than `cap`."""
    retry_after = state.outcome.exception().retry_after
    return min(backoff(state) if retry_after is None else retry_after, cap)


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
