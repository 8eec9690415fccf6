"""What a source is, as data: where its records are, their fields, their key, how they land.

A source module (ads.py, crm.py) only declares a `Source`; checks.py generates its validation
SQL from the declaration and landing.py its views and dlt resources, the same code for every
source.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from load.schemas import Contract

if TYPE_CHECKING:
    from load.config import Settings

# The day each record counts on: the since filter, the Ads window and retention read it.
DAY_COLUMN = "report_date"


class Kind(enum.Enum):
    """What a field holds, which says how it is typed, normalized and checked (checks.py)."""

    IDENTIFIER = "identifier"  # a string or a whole number, kept as trimmed text; required
    LABEL = "label"  # an identifier written in any case, kept in lower case; required
    TEXT = "text"  # kept as written; optional
    PERSONAL_EMAIL = "personal e-mail"  # text that names a person; optional
    COUNT = "count"  # a whole number (or a string holding one), |x| < 1e15; optional
    MEASURE = "measure"  # a number (or a string holding one), |x| < 1e15; optional
    DATE_AS_WRITTEN = "date as written"  # a date or timestamp, on the day written; required
    TIMESTAMP = "timestamp"  # an instant, on its day in the reporting time zone; required


@dataclass(frozen=True)
class Field:
    name: str  # the key in the record
    kind: Kind
    column: str = ""  # the raw column, when it is not named as the key

    @property
    def stored_as(self) -> str:
        return self.column or self.name


# The campaign attribution every source carries, as written.
UTM_FIELDS = (
    Field("utm_campaign", Kind.TEXT),
    Field("utm_source", Kind.TEXT),
    Field("utm_medium", Kind.TEXT),
)


@dataclass(frozen=True)
class WindowReplacement:
    """Every load replaces the days of its window (CONTRACT §3): dlt deletes and inserts by
    `by`, and a day the source stopped reporting gets a tombstone that deletes its rows."""

    by: str
    windows_table: str  # the window each load replaced, appended: dbt rebuilds those days


@dataclass(frozen=True)
class Upsert:
    """Every load replaces the rows whose `by` it sends, and keeps the others (CONTRACT §3)."""

    by: str


@dataclass(frozen=True)
class WorkArea:
    """The tables and views of a source in the work area, in the order a load builds them."""

    records: str  # the records as received, one JSON value a row
    checked: str  # load/sources/checks.py: typed, with the reason of each reject
    rejected: str  # the rejected records, whole
    accepted: str  # the accepted records
    current: str  # the last record of each key (and a window's tombstones)

    @classmethod
    def of(cls, source: str) -> WorkArea:
        return cls(*(f"{source}_{relation.name}" for relation in dataclasses.fields(cls)))


@dataclass(frozen=True)
class Source:
    """One API the loader reads, and the raw tables it lands in."""

    name: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # the natural key, as raw columns: one current row each
    day_of: str  # the field whose day a record counts on (DAY_COLUMN)
    landing: WindowReplacement | Upsert
    list_path: tuple[str, ...]  # where the record list sits in the API's envelope
    url: Callable[[Settings], str]
    contract: Contract
    table: str  # the current rows
    history_table: str  # every accepted row of every load, appended

    def __post_init__(self) -> None:
        columns = [field.stored_as for field in self.fields]
        for name in (self.name, *columns, *(field.name for field in self.fields)):
            if not name.isidentifier():  # the generated SQL names them unquoted
                raise ValueError(f"{self.name}: {name!r} is not a plain name")
        day_field = self.field(self.day_of)
        if day_field.kind not in (Kind.DATE_AS_WRITTEN, Kind.TIMESTAMP):
            raise ValueError(f"{self.name}: {self.day_of} holds no day")
        if day_field.kind is Kind.DATE_AS_WRITTEN and day_field.stored_as != DAY_COLUMN:
            raise ValueError(f"{self.name}: the day of {self.day_of} is stored as {DAY_COLUMN}")
        for column in (*self.key, self.landing.by):
            if column not in columns:
                raise ValueError(f"{self.name}: no raw column {column}")

    def field(self, name: str) -> Field:
        for field in self.fields:
            if field.name == name:
                return field
        raise ValueError(f"{self.name}: no field {name}")

    @property
    def columns(self) -> tuple[str, ...]:
        """The raw columns of an accepted record: its key first, then the other fields."""
        rest = [field.stored_as for field in self.fields if field.stored_as not in self.key]
        return (*self.key, *rest)

    @property
    def work(self) -> WorkArea:
        return WorkArea.of(self.name)

    @property
    def replaces_windows(self) -> bool:
        return isinstance(self.landing, WindowReplacement)

    @property
    def accepted_versions(self) -> str | None:
        """For an upserted source, a select of its accepted versions with the day each counts
        on: retention returns the archived months they touch (warehouse/retention.py)."""
        if not isinstance(self.landing, Upsert):
            return None
        by, checked = self.landing.by, self.work.checked
        return f"select {by}, {DAY_COLUMN} from {checked} where reason is null"
