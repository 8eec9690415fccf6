"""`POST /export/run?date=D`: one day's campaign rows to the sink, signed.

The body is the day's rows of `marts.fct_campaign_daily` as one JSON array (a day with no rows
sends `[]`), and `X-Signature` is the HMAC-SHA256 of exactly those bytes keyed by SINK_SECRET.
The sink is retried as every signed receiver is (warehouse/webhook.py).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from service.kpi_api import campaign_day
from service.settings import ServiceSettings
from service.snapshot_reader import SnapshotReader
from warehouse.webhook import Webhook, WebhookFailed, deliver


class SinkNotConfigured(Exception):
    """SINK_URL or SINK_SECRET is not set: nothing to send to, or nothing to sign with."""


SinkFailed = WebhookFailed  # the sink refused the export or never answered successfully


def sink(settings: ServiceSettings) -> Webhook:
    missing = [
        name
        for name, value in (("SINK_URL", settings.sink_url), ("SINK_SECRET", settings.sink_secret))
        if not value
    ]
    if missing:
        raise SinkNotConfigured(f"the export sink is not configured: set {' and '.join(missing)}")
    return Webhook(
        settings.sink_url,
        settings.sink_secret,
        settings.sink_timeout_seconds,
        settings.sink_max_retries,
        settings.sink_backoff_seconds,
        what="the sink",
    )


def encode(rows: list[dict[str, Any]]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(rows, separators=(",", ":"), allow_nan=False).encode()


def export_day(
    settings: ServiceSettings, reader: SnapshotReader, day: dt.date, request_id: str
) -> dict[str, Any]:
    """Send one day and say what was sent."""
    with reader.cursor() as cursor:
        rows = campaign_day(cursor, day)
    body = encode(rows)
    status, attempts = deliver(sink(settings), body, request_id)
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
