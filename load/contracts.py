"""The versioned payload contracts (contracts/<source>.v<N>.json, JSON Schema 2020-12).

The loader checks records in columnar SQL (load/sources/*.py CHECK_SQL) for speed; these files
say the same rules in a form upstream teams and other tools can read. tests/lake/test_contracts.py
proves both accept and reject the same records. The quarantine rows name the contract version,
taken from the schema's `$id`, so the version is written in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from jsonschema import ValidationError, validators

CONTRACTS_DIR = Path(__file__).resolve().parents[1] / "contracts"
# The one extension keyword: JSON Schema cannot bound the value of a numeric string.
ABSOLUTE_VALUE_BELOW = "x-absolute-value-below"


def _absolute_value_below(validator, limit: float, instance: Any, schema: dict) -> Iterator:
    """A numeric string whose value is too large (only strings: numbers use the standard
    exclusiveMinimum/exclusiveMaximum)."""
    if not isinstance(instance, str):
        return
    try:
        value = float(instance.strip())  # str.strip() trims the loader's white-space set
    except ValueError:
        return  # not a number at all: the pattern beside this keyword rejects it
    if not abs(value) < limit:
        yield ValidationError(f"{instance!r} is out of range (|x| must be below {limit:g})")


AdmiraValidator = validators.extend(
    jsonschema.Draft202012Validator, {ABSOLUTE_VALUE_BELOW: _absolute_value_below}
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
