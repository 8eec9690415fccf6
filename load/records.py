"""Columnar validation of records in an in-memory DuckDB work area.

Each source reads its record lists into a table of raw JSON values (one row per record, in
payload order), then one SQL statement per source (generated from its declaration by
load/sources/checks.py) types, checks and normalizes the keys. The accepted rows, the rejects
and the Ads window are then handed to dlt as Arrow batches: no record ever goes through Python
one by one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

# Every character Python's str.strip() removes: spaces, tabs, line breaks, and the Unicode
# spaces (no-break space, ideographic space, ...). The dbt macro trim_whitespace uses the same set.
# Written out: computing it would scan every code point at every load's start (a test checks it).
WHITESPACE_CHARS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
ARROW_BATCH_ROWS = 250_000
# Clicks, impressions, cost and amount at or above this magnitude are rejected as out of range
# (the reasons write it as MAX_ABS_TEXT).
MAX_ABS_NUMBER = 1e15
MAX_ABS_TEXT = "1e15"
# A numeric string, once trimmed: JSON's number grammar (contracts/*.json $defs/measure).
NUMBER_PATTERN = r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?"
# RFC 3339 (Z or offset, fractional seconds), a naive timestamp (UTC) or a bare date; the casts
# then refuse impossible dates and times ($defs/timestamp of the contracts).
TIMESTAMP_PATTERN = (
    r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?"
)


@dataclass(frozen=True)
class PlausibleDays:
    """The days a record may fall on, both included (CONTRACT §2 Dates): an Ads `date` or the
    UTC day of a CRM `created_at` outside them is rejected as out of range."""

    earliest: dt.date
    latest: dt.date

    def set_in(self, con: duckdb.DuckDBPyConnection) -> None:
        """Make them the bounds the validation SQL reads (macros implausible, plausible_days)."""
        con.execute("set variable earliest_plausible_day = ?", [self.earliest])
        con.execute("set variable latest_plausible_day = ?", [self.latest])


# WHITESPACE_CHARS as a regular-expression class.
_SPACE = "[" + "".join(f"\\x{{{ord(c):X}}}" for c in WHITESPACE_CHARS) + "]"

# Helpers shared by the validation SQL of every source.
_MACROS = [
    # A regular expression rather than trim(s, characters): with non-ASCII characters in the
    # set, DuckDB's trim is several times slower.
    f"create or replace macro trim_ws(s) as regexp_replace(s, '^{_SPACE}+|{_SPACE}+$', '', 'g')",
    # A short quote of a bad value for the reject reason.
    "create or replace macro quoted(text) as '\"' || left(text, 40) || '\"'",
    # The macros below take a field's JSON type and text, read for all fields at once
    # (load/sources/checks.py): parsing the record once per call would be most of the cost.
    # The value of a JSON number or of a string holding one (JSON's grammar, once trimmed); NULL
    # for anything else: absent, null, junk, and the NaN and Infinity literals DuckDB's reader
    # takes for numbers (their text ends in a letter, a number's in a digit).
    f"""create or replace macro number_value(type, text) as (
        case
            when type in ('BIGINT', 'UBIGINT') then try_cast(text as double)
            when type = 'DOUBLE' and right(text, 1) between '0' and '9'
                then try_cast(text as double)
            when type = 'VARCHAR' and regexp_full_match(trim_ws(text), '{NUMBER_PATTERN}')
                then try_cast(trim_ws(text) as double)
        end)""",
    # Why a measure (the field's name, JSON type, value and text) is rejected; NULL when it is
    # not. |x| >= 1e15 (1e400 reads as Inf) is out of range: sums of such values would overflow.
    f"""create or replace macro measure_reason(field, type, number, text) as (
        case
            when coalesce(type, 'NULL') <> 'NULL' and number is null
                then field || ' is not a number: ' || quoted(text)
            when abs(number) >= {MAX_ABS_NUMBER:g}
                then field || ' is out of range: ' || quoted(text)
                    || ' (|x| must be below {MAX_ABS_TEXT})'
        end)""",
    # The same for a count (clicks, impressions): a whole number too (12.0 and 1.2e1 are).
    """create or replace macro count_reason(field, type, number, text) as coalesce(
        measure_reason(field, type, number, text),
        case when number <> floor(number)
            then field || ' is not a whole number: ' || quoted(text) end)""",
    # A day outside PlausibleDays (set in the connection's variables before the check).
    """create or replace macro implausible(day) as (
        day < getvariable('earliest_plausible_day')
        or day > getvariable('latest_plausible_day'))""",
    """create or replace macro plausible_days() as (
        ' (plausible: ' || cast(getvariable('earliest_plausible_day') as varchar) || ' .. '
        || cast(getvariable('latest_plausible_day') as varchar) || ')')""",
    # Text of a scalar identifier (strings and whole numbers, 1.0 too, as JSON Schema's
    # "integer" has it); NULL for fractions, objects, lists, booleans.
    """create or replace macro id_text(type, text) as (
        case when type in ('VARCHAR', 'BIGINT', 'UBIGINT') then trim_ws(text)
            when type = 'DOUBLE'
                and isfinite(try_cast(text as double))
                and try_cast(text as double) = floor(try_cast(text as double))
                then text end)""",
]


def json_paths(keys: tuple[str, ...]) -> str:
    """A SQL list of JSON paths, one per key, for json_type and json_extract_string."""
    return "[" + ", ".join(f"'$.\"{key}\"'" for key in keys) + "]"


def sql_date(day: dt.date | None) -> str:
    """A day as a SQL literal (for views, which take no parameters); NULL for None."""
    return f"cast('{day.isoformat()}' as date)" if day else "cast(null as date)"


def work_area(temp_dir: Path, memory_limit: str = "1GB") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills to `temp_dir`, so memory stays flat as payloads grow."""
    temp_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={
            "memory_limit": memory_limit,
            "temp_directory": str(temp_dir),
            "preserve_insertion_order": True,
        }
    )
    con.execute("set TimeZone = 'UTC'")  # naive timestamps are UTC (CONTRACT §2)
    for macro in _MACROS:
        con.execute(macro)
    return con


def create_record_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(f"create or replace table {table} (rec json)")


def append_records(con: duckdb.DuckDBPyConnection, table: str, array_file: Path) -> int:
    """Append the records of one JSON array file, keeping payload order (rowid = position)."""
    before = con.execute(f"select count(*) from {table}").fetchone()[0]
    con.execute(
        f"insert into {table} select json from read_json_objects(?, format = 'array')",
        [str(array_file)],
    )
    return con.execute(f"select count(*) from {table}").fetchone()[0] - before


def arrow_batches(con: duckdb.DuckDBPyConnection, query: str):
    """Stream a query's result as Arrow record batches (what dlt loads fastest).

    Each stream gets its own cursor, since dlt may interleave the resources it extracts.
    """
    cursor = con.cursor()
    try:
        reader = cursor.sql(query).to_arrow_reader(ARROW_BATCH_ROWS)
        empty = True
        for batch in reader:
            empty = False
            yield batch
        if empty:  # an empty table still creates the raw table, so dbt always finds it
            yield reader.schema.empty_table()
    finally:
        cursor.close()


def ingested_at_column(ingested_at) -> str:
    """The load's timestamp as a SQL select item (one value for every row of a run)."""
    return f"cast('{ingested_at.isoformat()}' as timestamptz) as ingested_at"


def set_aside_rejected(
    con: duckdb.DuckDBPyConnection, checked_table: str, records_table: str, table: str
) -> None:
    """Copy the rejected records, whole and as received, to `table` and drop the records.

    The payload's text is the largest thing in the work area and, once checked, only the
    rejected records need it: dropping it keeps the loader's memory down while dlt lands.
    """
    con.execute(
        f"""
        create or replace table {table} as
        select checked.record_index, checked.reason, records.rec
        from {checked_table} as checked
        inner join {records_table} as records on records.rowid = checked.record_index
        where checked.reason is not null
        """
    )
    con.execute(f"drop table {records_table}")


def rejected_batches(con, rejected_table: str, source: str, contract_version: str, ingested_at):
    """The rejected records of a source, whole and as received, for the quarantine table."""
    yield from arrow_batches(
        con,
        f"""
        select
            '{source}' as source, reason, cast(rec as varchar) as record, record_index,
            '{contract_version}' as contract_version, {ingested_at_column(ingested_at)}
        from {rejected_table}
        order by record_index
        """,
    )
