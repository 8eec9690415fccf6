"""Signed JSON POSTs to a receiver of the operator's (the service's export, the alerts).

`X-Signature` is the lowercase hex HMAC-SHA256 of exactly the body bytes, keyed by a secret the
receiver shares: it recomputes the signature over the bytes it received, so a body is signed
after it is encoded and sent exactly as signed. A receiver that answers 5xx, times out or drops
the connection is retried with exponential backoff; a 4xx is final (sending the same bytes again
cannot change the answer).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field

import requests

from load.http_client import redact
from warehouse.catalog import redact_emails

BACKOFF_MAX_SECONDS = 10.0


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str = field(repr=False)  # never printed, never logged
    timeout_seconds: float = 10.0
    max_retries: int = 3
    backoff_seconds: float = 0.5
    what: str = "the receiver"  # how messages name it: "the sink", "the alert receiver"


class WebhookFailed(Exception):
    """The receiver refused the body or never answered successfully."""

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


def _excerpt(response: requests.Response) -> str:
    text = " ".join(response.text.split())[:200]
    return f": {redact_emails(text)}" if text else ""


def deliver(hook: Webhook, body: bytes, request_id: str) -> tuple[int, int]:
    """POST the body until the receiver takes it; return (its status, attempts) or raise
    WebhookFailed."""
    headers = {
        "Content-Type": "application/json",
        "X-Signature": sign(body, hook.secret),
        "X-Request-ID": request_id,
    }
    shown_url = redact(hook.url)
    attempts = hook.max_retries + 1
    problem = ""
    with requests.Session() as session:
        for attempt in range(1, attempts + 1):
            try:
                response = session.post(
                    hook.url,
                    data=body,
                    headers=headers,
                    timeout=hook.timeout_seconds,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                problem = f"{type(exc).__name__}"
            else:
                if 200 <= response.status_code < 300:
                    return response.status_code, attempt
                problem = f"HTTP {response.status_code}{_excerpt(response)}"
                if response.status_code < 500:
                    raise WebhookFailed(f"{hook.what} {shown_url} refused it: {problem}", attempt)
            if attempt < attempts:
                time.sleep(min(hook.backoff_seconds * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS))
    raise WebhookFailed(
        f"{hook.what} {shown_url} failed {attempts} attempt(s); last: {problem}", attempts
    )
