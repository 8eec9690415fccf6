"""The CRM API: opportunities with their stage, amount and UTMs.

Raw tables (dataset `raw`):
- `crm_opportunities`: the current version of each opportunity, merged (upsert) on
  `opportunity_id`, so a stage progression updates the old row (CONTRACT §3).
- `crm_opportunities_history`: every accepted version of every load (append only). dbt reads it
  to find the report days an updated opportunity used to count on.
"""

from __future__ import annotations

import datetime as dt

import dlt
import duckdb

from load import schemas
from load.records import (
    TIMESTAMP_PATTERN,
    PlausibleDays,
    arrow_batches,
    ingested_at_column,
    json_paths,
    rejected_batches,
    set_aside_rejected,
    sql_date,
)

NAME = "crm"
LIST_PATH = ("external", "crm", "opportunities")
CONTRACT_VERSION = schemas.CRM.version  # "crm.v1", from contracts/crm.v1.json
RECORDS = "crm_records"

# The fields a record is checked on, in the order of the `types` and `texts` lists below.
FIELDS = (
    "opportunity_id",
    "contact_email",
    "stage",
    "amount",
    "created_at",
    "utm_campaign",
    "utm_source",
    "utm_medium",
)

CHECK_SQL = f"""
create or replace table crm_checked as
with extracted as (
    select
        rowid as record_index,
        json_type(rec) = 'OBJECT' as is_object,
        json_type(rec, {json_paths(FIELDS)}) as types,
        json_extract_string(rec, {json_paths(FIELDS)}) as texts
    from {RECORDS}
),

fields as (
    select
        record_index,
        is_object,
        id_text(types[1], texts[1]) as opportunity_id,
        texts[2] as contact_email,
        texts[3] as stage,
        types[4] as amount_type,
        texts[4] as amount_raw,
        number_value(types[4], texts[4]) as amount,
        texts[5] as created_at_raw,
        trim_ws(texts[5]) as created_at,
        texts[6] as utm_campaign,
        texts[7] as utm_source,
        texts[8] as utm_medium
    from extracted
),

typed as (
    select
        *,
        case when regexp_full_match(created_at, '{TIMESTAMP_PATTERN}')
            then try_cast(created_at as timestamptz)
        end as created_at_utc
    from fields
)

select
    * exclude (amount_type, amount_raw, created_at_raw),
    cast(timezone(getvariable('reporting_timezone'), created_at_utc) as date) as report_date,
    case when not is_object then 'record is not a JSON object' else nullif(concat_ws('; ',
        case when coalesce(opportunity_id, '') = ''
            then 'opportunity_id is missing or blank' end,
        case when coalesce(created_at, '') = '' then 'created_at is missing or empty'
            when created_at_utc is null
                then 'created_at is not a valid timestamp: ' || quoted(created_at_raw)
            -- the instant's UTC day: the day of the load, the other bound, is a UTC day too
            when implausible(cast(created_at_utc as date))
                then 'created_at is out of range: '
                    || cast(cast(created_at_utc as date) as varchar) || ' in UTC'
                    || plausible_days()
        end,
        measure_reason('amount', amount_type, amount, amount_raw)
    ), '') end as reason
from typed
"""


# The accepted versions with the day each counts on (read by retention, warehouse/retention.py).
ACCEPTED_VERSIONS = "select opportunity_id, report_date from crm_checked where reason is null"


def split(
    con: duckdb.DuckDBPyConnection,
    since: dt.date | None,
    reporting_timezone: str,
    plausible: PlausibleDays,
) -> dict[str, object]:
    """Build the accepted (deduplicated) and rejected relations; return the counts."""
    con.execute("set variable reporting_timezone = ?", [reporting_timezone])
    plausible.set_in(con)
    con.execute(CHECK_SQL)
    set_aside_rejected(con, NAME, f"{NAME}_checked", RECORDS)
    since_filter = f"and report_date >= {sql_date(since)}" if since else ""
    # A view, not a table: dlt reads it once, a copy would hold the records twice in memory.
    con.execute(
        f"""
        create or replace view crm_accepted as
        select
            opportunity_id, contact_email, stage, amount, created_at,
            utm_campaign, utm_source, utm_medium, record_index
        from crm_checked
        where reason is null {since_filter}
        """
    )
    counts = con.execute(
        """
        select
            count(*),
            count(*) filter (where reason is not null),
            count(*) filter (where reason is null and report_date < $since)
        from crm_checked
        """,
        {"since": since},
    ).fetchone()
    loaded = con.execute("select count(*) from crm_accepted").fetchone()[0]
    return {
        "received": counts[0],
        "rejected": counts[1],
        "skipped_before_since": counts[2],
        "loaded": loaded,
    }


@dlt.source(name="crm")
def crm_source(con: duckdb.DuckDBPyConnection, ingested_at: dt.datetime):
    """The dlt resources of one CRM extract, read from the tables `split` built."""
    stamp = ingested_at_column(ingested_at)

    @dlt.resource(
        name="crm_opportunities",
        # A merge key, not a primary key: `current` already keeps one row per opportunity, and
        # a primary key makes dlt deduplicate the staged rows again (a window over all of them).
        merge_key="opportunity_id",
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
    )
    def current():
        # Last version wins inside one payload: the latest record of each opportunity.
        yield from arrow_batches(
            con,
            f"""
            select *, {stamp} from crm_accepted
            qualify row_number() over (
                partition by opportunity_id order by record_index desc) = 1
            """,
        )

    @dlt.resource(name="crm_opportunities_history", write_disposition="append")
    def history():
        yield from arrow_batches(con, f"select *, {stamp} from crm_accepted")

    @dlt.resource(
        name="crm_rejected_records", table_name="rejected_records", write_disposition="append"
    )
    def rejected():
        yield from rejected_batches(con, f"{NAME}_rejected", NAME, CONTRACT_VERSION, ingested_at)

    return current, history, rejected
