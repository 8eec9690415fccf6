"""The versioned payload contracts (contracts/<source>.v<N>.json, JSON Schema 2020-12).

The loader checks records in columnar SQL for speed, generated from each source's declaration
(load/sources/); these files say the same rules in a form upstream teams and other tools can read.
tests/loader/test_contracts_agree_with_loader.py proves both accept and reject the same records,
but for the one rule JSON Schema cannot say: the latest plausible day moves with the day of the
load. The quarantine rows name the contract version, taken from the schema's `$id`, so the
version is written in one place.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from jsonschema import ValidationError, validators

CONTRACTS_DIR = Path(__file__).resolve().parents[1] / "contracts"
# Extension keywords, for what JSON Schema cannot say: the value of a numeric string (its size,
# whether it is whole) and the UTC day of a timestamp written with an offset.
ABSOLUTE_VALUE_BELOW = "x-absolute-value-below"
WHOLE_NUMBER = "x-whole-number"
UTC_DAY_NOT_BEFORE = "x-utc-day-not-before"
# The parts of a timestamp that $defs/timestamp's pattern accepts (that pattern checks the rest).
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?)?"
    r"(?:[Zz]|([+-])([0-9]{2})(?::?([0-9]{2}))?)?"
)


def _string_value(instance: Any) -> float | None:
    """The value of a numeric string (str.strip() trims the loader's white-space set)."""
    if not isinstance(instance, str):
        return None  # numbers use the standard keywords (exclusiveMaximum, integer)
    try:
        return float(instance.strip())
    except ValueError:
        return None  # not a number at all: the pattern beside the keyword rejects it


def _absolute_value_below(validator, limit: float, instance: Any, schema: dict) -> Iterator:
    """A numeric string whose value is too large."""
    value = _string_value(instance)
    if value is not None and not abs(value) < limit:
        yield ValidationError(f"{instance!r} is out of range (|x| must be below {limit:g})")


def _whole_number(validator, whole: bool, instance: Any, schema: dict) -> Iterator:
    """A numeric string with a fraction (read as a double, as the loader reads it)."""
    value = _string_value(instance)
    if whole and value is not None and math.isfinite(value) and not value.is_integer():
        yield ValidationError(f"{instance!r} is not a whole number")


def _utc_day_not_before(validator, earliest: str, instance: Any, schema: dict) -> Iterator:
    """A timestamp whose instant falls on a UTC day before `earliest` (offsets as DuckDB reads
    them: up to 99:99, and 24:00 is the next day)."""
    match = _TIMESTAMP.fullmatch(instance.strip()) if isinstance(instance, str) else None
    if not match:
        return  # not a timestamp: $defs/timestamp rejects it
    year, month, day, hour, minute, second, sign, offset_hours, offset_minutes = match.groups()
    if year == "0000":  # year 0 (DuckDB's 1 BC) is before any day Python has
        yield ValidationError(f"{instance!r} is before {earliest} in UTC")
        return
    try:
        day_number = dt.date(int(year), int(month), int(day)).toordinal()
    except ValueError:
        return  # an impossible date: $defs/timestamp rejects it
    seconds = int(hour or 0) * 3600 + int(minute or 0) * 60 + int(second or 0)
    if sign:
        offset = int(offset_hours) * 3600 + int(offset_minutes or 0) * 60
        seconds -= offset if sign == "+" else -offset
    if day_number + seconds // 86400 < dt.date.fromisoformat(earliest).toordinal():
        yield ValidationError(f"{instance!r} is before {earliest} in UTC")


AdmiraValidator = validators.extend(
    jsonschema.Draft202012Validator,
    {
        ABSOLUTE_VALUE_BELOW: _absolute_value_below,
        WHOLE_NUMBER: _whole_number,
        UTC_DAY_NOT_BEFORE: _utc_day_not_before,
    },
)


@dataclass(frozen=True)
class Contract:
    """One versioned payload contract."""

    path: Path
    schema: dict

    @classmethod
    def load(cls, file_name: str) -> Contract:
        path = CONTRACTS_DIR / file_name
        schema = json.loads(path.read_text())
        AdmiraValidator.check_schema(schema)
        return cls(path, schema)

    @property
    def version(self) -> str:
        """`ads.v1` from `$id` …/ads.v1.json: the value quarantine rows carry."""
        name = Path(urlsplit(self.schema["$id"]).path).name
        return name.removesuffix(".json")

    @cached_property
    def payload_validator(self) -> jsonschema.protocols.Validator:
        return AdmiraValidator(self.schema)

    @cached_property
    def record_validator(self) -> jsonschema.protocols.Validator:
        record = {**self.schema["$defs"]["record"], "$defs": self.schema["$defs"]}
        return AdmiraValidator(record)

    def record_errors(self, record: Any) -> list[str]:
        """Why a record breaks the contract, one line per field (empty when it conforms)."""
        fields = self.schema["$defs"]["record"].get("properties", {})
        messages = []
        for error in self.record_validator.iter_errors(record):
            if not error.absolute_path:  # not an object, or a required field is missing
                messages.append(error.message)
                continue
            field = str(error.absolute_path[0])
            rule = fields.get(field, {}).get("$ref", "#/$defs/value").rsplit("/", 1)[-1]
            messages.append(f"{field} is not a valid {rule}: {error.instance!r}")
        return messages


ADS = Contract.load("ads.v1.json")
CRM = Contract.load("crm.v1.json")
