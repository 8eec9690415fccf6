"""E-mail addresses are personal data: no response and no log line of the service shows one.

The marts hold none, but text the service passes on (a sink's answer, a failed run's output,
an echoed parameter) could; it goes through `redact_emails` first.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def redact_emails(text: str) -> str:
    return EMAIL.sub("<e-mail redacted>", text)
