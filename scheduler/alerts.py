"""Alerts: one signed JSON message to ALERT_WEBHOOK_URL each time something changes state.

What is watched, after every scheduled run (`subjects`):
- `scheduled_run`: `ok` or `failed` (a run skipped because the warehouse was busy changes
  nothing);
- `source:<name>`: `ok` or `failed`, from the load's summary (a source that failed to extract);
- `freshness:<name>`: `pass`, `warn` or `error`, from `make freshness` (warehouse/freshness.py).

A subject alerts when its state changes: into a bad state (`failure`), or back to a good one
(`recovery`); a subject first seen in a good state only has its state recorded. A failure that
repeats tick after tick alerts once. The states live in `alerts.json` in the state folder, so a
restarted scheduler does not alert again; a message that could not be delivered keeps the old
state, so the next run tries again.

Each message is signed like the export (`X-Signature`, HMAC-SHA256 of the body, keyed by
ALERT_SECRET) and holds no secret (URLs are shown without credentials) and no e-mail address.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from load.http_client import redact, redact_urls
from load.observability import log, write_atomically
from warehouse.catalog import redact_emails
from warehouse.env import number, text
from warehouse.webhook import Webhook, WebhookFailed, deliver

STATE_FILE = "alerts.json"
GOOD_STATES = {"ok", "pass"}


class AlertSettingError(SystemExit):
    """An alert setting has a value the scheduler cannot use (one line, no traceback)."""


def _number(name: str, default: float) -> float:
    return number(name, default, AlertSettingError)


def webhook_from_env() -> Webhook | None:
    """ALERT_WEBHOOK_URL with ALERT_SECRET (both or neither), or None: no alerts."""
    url, secret = text("ALERT_WEBHOOK_URL"), os.environ.get("ALERT_SECRET") or None
    if url is None:
        return None
    if not url.startswith(("http://", "https://")):
        raise AlertSettingError(f"setting ALERT_WEBHOOK_URL={redact(url)!r} is not an http(s) URL")
    if secret is None:
        raise AlertSettingError(
            "setting ALERT_SECRET is not set: alerts to ALERT_WEBHOOK_URL are signed with it"
        )
    return Webhook(
        url,
        secret,
        timeout_seconds=_number("ALERT_TIMEOUT_SECONDS", 10.0),
        max_retries=int(_number("ALERT_MAX_RETRIES", 3)),
        backoff_seconds=_number("ALERT_BACKOFF_SECONDS", 0.5),
        what="the alert receiver",
    )


def subjects(record: dict[str, Any], freshness: dict[str, str] | None) -> dict[str, dict]:
    """What a run record and the freshness by source say: subject -> {state, detail}."""
    states: dict[str, dict] = {}
    if record["status"] in ("ok", "failed"):
        states["scheduled_run"] = {"state": record["status"], "detail": record.get("reason")}
    for name, source in ((record.get("load") or {}).get("sources") or {}).items():
        failed = source.get("status") != "ok"
        states[f"source:{name}"] = {
            "state": "failed" if failed else "ok",
            "detail": source.get("error") if failed else None,
        }
    for name, state in (freshness or {}).items():
        states[f"freshness:{name}"] = {"state": state, "detail": None}
    return states


def _scrub(value: Any) -> Any:
    """No e-mail address and no credential in a URL, wherever they are in the message."""
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, str):
        return redact_emails(redact_urls(value))
    return value


@dataclass
class Alerts:
    webhook: Webhook | None  # None: the states are still kept, nothing is sent
    state_path: Path

    @classmethod
    def from_env(cls, state_dir: Path) -> Alerts:
        return cls(webhook_from_env(), state_dir / STATE_FILE)

    def _recorded(self) -> dict[str, dict]:
        try:
            recorded = json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return {}
        return recorded if isinstance(recorded, dict) else {}

    def observe(
        self, states: dict[str, dict], run: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Record the states; send one message per subject whose state changed (see the
        module's doc). Returns the messages delivered."""
        recorded = self._recorded()
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        delivered = []
        for subject, current in sorted(states.items()):
            before = recorded.get(subject)
            if before is not None and before.get("state") == current["state"]:
                continue
            entry = {"state": current["state"], "since": now, "detail": current.get("detail")}
            if before is None and current["state"] in GOOD_STATES:
                recorded[subject] = entry
                continue
            message = self.message(subject, entry, before, run)
            if self._send(message):
                recorded[subject] = entry
                delivered.append(message)
        try:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.state_path, json.dumps(recorded, indent=2))
        except OSError as exc:
            log("alert_state_failed", path=str(self.state_path), error=str(exc))
        return delivered

    @staticmethod
    def message(
        subject: str, entry: dict, before: dict | None, run: dict[str, Any] | None
    ) -> dict[str, Any]:
        good = entry["state"] in GOOD_STATES
        return _scrub(
            {
                "product": "admira-elt",
                "kind": "recovery" if good else "failure",
                "subject": subject,
                "state": entry["state"],
                "previous_state": before.get("state") if before else None,
                "since": entry["since"],
                "previous_since": before.get("since") if before else None,
                "detail": entry["detail"],
                "run": run,
            }
        )

    def _send(self, message: dict[str, Any]) -> bool:
        """True when delivered, or when no receiver is configured (the state still moves)."""
        if self.webhook is None:
            return True
        body = json.dumps(message, separators=(",", ":"), default=str).encode()
        try:
            status, attempts = deliver(self.webhook, body, str(uuid.uuid4()))
        except WebhookFailed as exc:
            log("alert_failed", subject=message["subject"], error=str(exc), attempts=exc.attempts)
            return False
        log(
            "alert_sent",
            subject=message["subject"],
            state=message["state"],
            kind=message["kind"],
            receiver_status=status,
            attempts=attempts,
        )
        return True
