"""The validation SQL of a source, generated from its declaration.

One statement types, checks and normalizes every record of the source (rows of raw JSON in
`<source>_records`) into `<source>_checked`: the raw columns, the day the record counts on and
`reason`, why it is rejected (NULL when accepted). Each field's JSON type and text are read for
all fields at once, in two passes (json_type and json_extract_string with a list of paths):
parsing each record once per field is most of the cost of the validation. From there on every
expression names its field; the kinds' rules use the macros of load/records.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from load.records import TIMESTAMP_PATTERN, json_paths
from load.sources.declaration import DAY_COLUMN, Field, Kind, Source


@dataclass(frozen=True)
class _Rule:
    """A field's SQL: the columns computed from its JSON type and text, those computed in turn
    from them (a parsed day), the reason it is rejected and the day it puts its record on."""

    extracted: tuple[str, ...] = ()
    parsed: tuple[str, ...] = ()
    reason: str | None = None
    day: str | None = None


def check_sql(source: Source) -> str:
    """The statement that builds `<source>_checked` from `<source>_records`."""
    rules = {field.name: _rule(field) for field in source.fields}
    named = [
        f"{part}s[{i}] as {name}"
        for i, field in enumerate(source.fields, start=1)
        for part, name in (("type", _type(field)), ("text", _text(field)))
    ]
    columns = [field.stored_as for field in source.fields]
    day = rules[source.day_of].day
    if day != DAY_COLUMN:
        columns.append(f"{day} as {DAY_COLUMN}")
    # The reason names first the fields that place the record (its key and its day).
    order = sorted(
        source.fields,
        key=lambda field: field.stored_as not in source.key and field.name != source.day_of,
    )
    reasons = [rules[field.name].reason for field in order if rules[field.name].reason]
    paths = json_paths(tuple(field.name for field in source.fields))
    extracted = [expr for rule in rules.values() for expr in rule.extracted]
    parsed = [expr for rule in rules.values() for expr in rule.parsed]
    return f"""
create or replace table {source.work.checked} as
with extracted as (
    select
        rowid as record_index,
        json_type(rec) = 'OBJECT' as is_object,
        json_type(rec, {paths}) as types,
        json_extract_string(rec, {paths}) as texts
    from {source.work.records}
),

named as (
    {_select("record_index", "is_object", *named)}
    from extracted
),

fields as (
    {_select("*", *extracted)}
    from named
),

typed as (
    {_select("*", *parsed)}
    from fields
)

{_select("record_index", "is_object", *columns)},
    case when not is_object then 'record is not a JSON object' else nullif(concat_ws('; ',
        {_LIST.join(reasons)}
    ), '') end as reason
from typed
"""


_LIST = ",\n        "


def _select(*items: str) -> str:
    return "select\n        " + _LIST.join(items)


def _type(field: Field) -> str:
    return f"{field.name}__type"


def _text(field: Field) -> str:
    return f"{field.name}__text"


def _rule(field: Field) -> _Rule:
    name, column, json_type, text = field.name, field.stored_as, _type(field), _text(field)
    missing = f"case when coalesce({column}, '') = '' then '{name} is missing or blank' end"
    match field.kind:
        case Kind.IDENTIFIER:
            return _Rule(extracted=(f"id_text({json_type}, {text}) as {column}",), reason=missing)
        case Kind.LABEL:
            value = f"lower(id_text({json_type}, {text}))"
            return _Rule(extracted=(f"{value} as {column}",), reason=missing)
        case Kind.TEXT | Kind.PERSONAL_EMAIL:
            return _Rule(extracted=(f"{text} as {column}",))
        case Kind.COUNT | Kind.MEASURE:
            check = "count_reason" if field.kind is Kind.COUNT else "measure_reason"
            return _Rule(
                extracted=(f"number_value({json_type}, {text}) as {column}",),
                reason=f"{check}('{name}', {json_type}, {column}, {text})",
            )
        case Kind.DATE_AS_WRITTEN:
            # DuckDB's cast to date keeps the day as written, time and offset aside, and still
            # refuses an impossible time: a timestamp counts on the platform's reporting day.
            trimmed = f"{name}__trimmed"
            return _Rule(
                extracted=(f"trim_ws({text}) as {trimmed}",),
                parsed=(
                    f"case when regexp_full_match({trimmed}, '{TIMESTAMP_PATTERN}')"
                    f" then try_cast({trimmed} as date) end as {column}",
                ),
                reason=f"""case when coalesce({json_type}, 'NULL') = 'NULL' or {trimmed} = ''
            then '{name} is missing'
            when {column} is null then '{name} is not a valid date: ' || quoted({text})
            when implausible({column})
                then '{name} is out of range: ' || left({trimmed}, 10) || plausible_days()
        end""",
                day=column,
            )
        case Kind.TIMESTAMP:
            # The instant's UTC day is checked: the day of the load, the other bound, is a UTC
            # day too. The record counts on the instant's day in the reporting time zone.
            instant = f"{name}__instant"
            utc_day = f"cast({instant} as date)"
            return _Rule(
                extracted=(f"trim_ws({text}) as {column}",),
                parsed=(
                    f"case when regexp_full_match({column}, '{TIMESTAMP_PATTERN}')"
                    f" then try_cast({column} as timestamptz) end as {instant}",
                ),
                reason=f"""case when coalesce({column}, '') = '' then '{name} is missing or empty'
            when {instant} is null
                then '{name} is not a valid timestamp: ' || quoted({text})
            when implausible({utc_day})
                then '{name} is out of range: ' || cast({utc_day} as varchar) || ' in UTC'
                    || plausible_days()
        end""",
                day=f"cast(timezone(getvariable('reporting_timezone'), {instant}) as date)",
            )
    raise ValueError(f"no rule for {field.kind}")
