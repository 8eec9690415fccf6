"""`POST /export/run?date=D`: one day's campaign rows to the sink, signed.

The body is the day's rows of `marts.fct_campaign_daily` as one JSON array (a day with no rows
sends `[]`), and `X-Signature` is the HMAC-SHA256 of exactly those bytes keyed by SINK_SECRET.
A sink that answers 5xx, times out or drops the connection is retried with exponential
backoff; a 4xx is final (sending the same bytes again cannot change the answer).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

import requests

from load.http_client import redact
from service.kpi_api import campaign_day
from service.privacy import redact_emails
from service.settings import ServiceSettings
from service.signing import sign
from service.snapshot_reader import SnapshotReader

BACKOFF_MAX_SECONDS = 10.0


class SinkNotConfigured(Exception):
    """SINK_URL or SINK_SECRET is not set: nothing to send to, or nothing to sign with."""


class SinkFailed(Exception):
    """The sink refused the export or never answered successfully."""

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


@dataclass(frozen=True)
class Sink:
    url: str
    secret: str
    timeout_seconds: float
    max_retries: int
    backoff_seconds: float

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> Sink:
        missing = [
            name
            for name, value in (
                ("SINK_URL", settings.sink_url),
                ("SINK_SECRET", settings.sink_secret),
            )
            if not value
        ]
        if missing:
            raise SinkNotConfigured(
                f"the export sink is not configured: set {' and '.join(missing)}"
            )
        return cls(
            settings.sink_url,
            settings.sink_secret,
            settings.sink_timeout_seconds,
            settings.sink_max_retries,
            settings.sink_backoff_seconds,
        )


def encode(rows: list[dict[str, Any]]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(rows, separators=(",", ":"), allow_nan=False).encode()


def _excerpt(response: requests.Response) -> str:
    text = " ".join(response.text.split())[:200]
    return f": {redact_emails(text)}" if text else ""


def deliver(sink: Sink, body: bytes, request_id: str) -> tuple[int, int]:
    """POST the body until the sink takes it; return (sink status, attempts) or raise."""
    headers = {
        "Content-Type": "application/json",
        "X-Signature": sign(body, sink.secret),
        "X-Request-ID": request_id,
    }
    shown_url = redact(sink.url)
    attempts = sink.max_retries + 1
    problem = ""
    with requests.Session() as session:
        for attempt in range(1, attempts + 1):
            try:
                response = session.post(
                    sink.url,
                    data=body,
                    headers=headers,
                    timeout=sink.timeout_seconds,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                problem = f"{type(exc).__name__}"
            else:
                if 200 <= response.status_code < 300:
                    return response.status_code, attempt
                problem = f"HTTP {response.status_code}{_excerpt(response)}"
                if response.status_code < 500:
                    raise SinkFailed(f"the sink {shown_url} refused the export: {problem}", attempt)
            if attempt < attempts:
                time.sleep(min(sink.backoff_seconds * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS))
    raise SinkFailed(
        f"the sink {shown_url} failed {attempts} attempt(s); last: {problem}", attempts
    )


def export_day(
    settings: ServiceSettings, reader: SnapshotReader, day: dt.date, request_id: str
) -> dict[str, Any]:
    """Send one day and say what was sent."""
    sink = Sink.from_settings(settings)
    with reader.cursor() as cursor:
        rows = campaign_day(cursor, day)
    body = encode(rows)
    status, attempts = deliver(sink, body, request_id)
    message = (
        f"sent {len(rows)} campaign row(s) of {day}"
        if rows
        else f"no campaign rows for {day}: sent an empty array []"
    )
    return {
        "date": day.isoformat(),
        "rows": len(rows),
        "bytes": len(body),
        "sink_status": status,
        "attempts": attempts,
        "message": message,
    }
