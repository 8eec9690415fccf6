"""E-mail addresses are personal data: no response and no log line of the service shows one.

The marts hold none, but text the service passes on (a sink's answer, a failed run's output,
an echoed parameter) could; it goes through `redact_emails` first. Likewise a caller's token in
a query string (`?token=…`, `?api_key=…`) is masked before the access log writes the query.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from load.http_client import SECRET_QUERY_KEYS
from warehouse.catalog import redact_emails

__all__ = ["redact_emails", "redact_query"]


def redact_query(query: str) -> str:
    """The query string with the values of secret-looking keys masked, as the loader masks its
    source URLs (load/http_client.py)."""
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(any(s in key.lower() for s in SECRET_QUERY_KEYS) for key, _ in pairs):
        return query
    masked = [
        (key, "***" if any(s in key.lower() for s in SECRET_QUERY_KEYS) else value)
        for key, value in pairs
    ]
    return urlencode(masked, safe="*")
