"""Reading a setting from the environment: blank is unset; a malformed number stops the command
with one line naming the setting (the error class is the caller's, a SystemExit)."""

from __future__ import annotations

import os


def text(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def number(name: str, default: float, error: type[SystemExit], minimum: float = 0) -> float:
    raw = text(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise error(f"setting {name}={raw!r} is not a number") from None
    if value < minimum:
        raise error(f"setting {name}={raw!r} must be at least {minimum:g}")
    return value
