"""JSON access logs and request metrics, as plain ASGI middleware around the whole app.

Every request gets a request id: the caller's `X-Request-ID` when it is a sane token (so one id
follows a call across systems), else a new one. It is echoed in the response header, kept in
`request.state.request_id` for the handlers, and logged with the route, status and latency.
An error no handler caught still ends as a JSON 500 carrying the request id.
"""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.privacy import redact_emails, redact_query
from service.prometheus_metrics import ServiceMetrics

REQUEST_ID_HEADER = b"x-request-id"
# Anything else (spaces, quotes, control characters, very long values) could forge log lines.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def log(event: str, **fields: Any) -> None:
    """One JSON line on stderr; never pass a secret or personal data here."""
    line = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
    sys.stderr.write(json.dumps(line, default=str) + "\n")
    sys.stderr.flush()


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER:
            candidate = value.decode("latin-1").strip()
            if SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


class AccessLog:
    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log(
                "unhandled_error",
                request_id=request_id,
                error=redact_emails(repr(exc)),
                traceback=redact_emails(traceback.format_exc()),
            )
            if not response_started:
                await _internal_error(send_with_id, request_id)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            route_path = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(route_path, scope["method"], status, seconds)
            log(
                "http_request",
                request_id=request_id,
                method=scope["method"],
                path=redact_emails(scope["path"]),
                route=route_path,
                query=redact_emails(redact_query(scope.get("query_string", b"").decode("latin-1"))),
                status=status,
                latency_ms=round(seconds * 1000, 3),
                client=(scope.get("client") or ("", 0))[0],
            )


async def _internal_error(send: Send, request_id: str) -> None:
    body = json.dumps({"error": "internal error; see the service log", "request_id": request_id})
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})
