"""Query parameters, checked before any SQL runs: a bad one is a 400 that names it.

Values are parsed into Python types here and bound as SQL parameters by the callers, never
formatted into SQL text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from service.privacy import redact_emails

# ASCII digits only, as the contract's patterns: `\d` would also take "٣", and int() reads it as 3.
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


class ParamError(Exception):
    """A query parameter the endpoint cannot use."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def _shown(value: str) -> str:
    """The value as echoed in an error: short, and never an e-mail address."""
    value = redact_emails(value)
    return repr(value if len(value) <= 40 else value[:40] + "…")


def only(params: Mapping[str, str], allowed: Iterable[str]) -> None:
    """A misspelt parameter (`form=`) would otherwise be ignored silently."""
    allowed = tuple(allowed)
    for name in params:
        if name not in allowed:
            raise ParamError(
                name, f"unknown parameter {_shown(name)}; this endpoint takes {', '.join(allowed)}"
            )


def text(params: Mapping[str, str], name: str) -> str | None:
    """A trimmed value; an empty one counts as not given (`?channel=` means any channel)."""
    value = (params.get(name) or "").strip()
    return value or None


def date(params: Mapping[str, str], name: str, required: bool = False) -> dt.date | None:
    """A date exactly as the contract's pattern spells it: `?to=` or `?to= 2025-08-01` is a
    400, not a silently dropped filter (the caller asked for a bound and would get none)."""
    value = params.get(name)
    if value is None:
        if required:
            raise ParamError(name, f"{name} is required (YYYY-MM-DD)")
        return None
    try:
        if not DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ParamError(name, f"{name} must be a date YYYY-MM-DD, got {_shown(value)}") from None


def date_range(params: Mapping[str, str]) -> tuple[dt.date | None, dt.date | None]:
    """`from` and `to`, both inclusive and optional; `to` before `from` is an error."""
    start, end = date(params, "from"), date(params, "to")
    if start and end and end < start:
        raise ParamError("to", f"to ({end}) is before from ({start})")
    return start, end


def whole_number(
    params: Mapping[str, str], name: str, default: int, minimum: int, maximum: int
) -> int:
    """Like a date, a number is taken as spelt: `?limit=` is a 400, not the default."""
    value = params.get(name)
    if value is None:
        return default
    if not WHOLE_NUMBER.fullmatch(value) or not minimum <= int(value) <= maximum:
        raise ParamError(
            name,
            f"{name} must be a whole number from {minimum} to {maximum}, got {_shown(value)}",
        )
    return int(value)
