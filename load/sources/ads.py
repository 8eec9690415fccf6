"""The Ads API: daily performance per campaign and channel.

Raw tables (dataset `raw`):
- `ads_performance`: the current rows, one per (report_date, channel, campaign_id). Loaded with
  dlt's delete-insert merge on `report_date`, so every day of the load's window is replaced by
  what the source just returned (CONTRACT §3); days outside the window are untouched.
- `ads_performance_history`: every accepted row of every load (append only), for audit.
- `ads_load_windows`: the window each load replaced (append only); dbt rebuilds those days.
"""

from __future__ import annotations

import datetime as dt

import dlt
import duckdb
import pyarrow as pa

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

NAME = "ads"
LIST_PATH = ("external", "ads", "performance")
CONTRACT_VERSION = schemas.ADS.version  # "ads.v1", from contracts/ads.v1.json
RECORDS = "ads_records"

# The fields a record is checked on, in the order of the `types` and `texts` lists below.
FIELDS = (
    "date",
    "campaign_id",
    "channel",
    "clicks",
    "impressions",
    "cost",
    "utm_campaign",
    "utm_source",
    "utm_medium",
)

# One row per received record: typed fields, and the reasons it is rejected (NULL = accepted).
CHECK_SQL = f"""
create or replace table ads_checked as
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
        types[1] as date_type,
        texts[1] as date_raw,
        trim_ws(texts[1]) as date_text,
        id_text(types[2], texts[2]) as campaign_id,
        lower(id_text(types[3], texts[3])) as channel,
        types[4] as clicks_type,
        texts[4] as clicks_raw,
        number_value(types[4], texts[4]) as clicks,
        types[5] as impressions_type,
        texts[5] as impressions_raw,
        number_value(types[5], texts[5]) as impressions,
        types[6] as cost_type,
        texts[6] as cost_raw,
        number_value(types[6], texts[6]) as cost,
        texts[7] as utm_campaign,
        texts[8] as utm_source,
        texts[9] as utm_medium
    from extracted
),

typed as (
    select
        *,
        -- DuckDB's cast to date keeps the day as written, time and offset aside, and still
        -- refuses an impossible time: a timestamp counts on the platform's reporting day.
        case
            when regexp_full_match(date_text, '{TIMESTAMP_PATTERN}')
                then try_cast(date_text as date)
        end as report_date
    from fields
)

select
    * exclude (
        date_type, date_raw, clicks_type, clicks_raw, impressions_type, impressions_raw,
        cost_type, cost_raw
    ),
    case when not is_object then 'record is not a JSON object' else nullif(concat_ws('; ',
        case when coalesce(date_type, 'NULL') = 'NULL' or date_text = ''
            then 'date is missing'
            when report_date is null then 'date is not a valid date: ' || quoted(date_raw)
            when implausible(report_date)
                then 'date is out of range: ' || left(date_text, 10) || plausible_days()
        end,
        case when coalesce(campaign_id, '') = '' then 'campaign_id is missing or blank' end,
        case when coalesce(channel, '') = '' then 'channel is missing or blank' end,
        count_reason('clicks', clicks_type, clicks, clicks_raw),
        count_reason('impressions', impressions_type, impressions, impressions_raw),
        measure_reason('cost', cost_type, cost, cost_raw)
    ), '') end as reason
from typed
"""


def split(
    con: duckdb.DuckDBPyConnection, since: dt.date | None, plausible: PlausibleDays
) -> dict[str, object]:
    """Build the accepted (deduplicated), rejected and window relations; return the counts."""
    plausible.set_in(con)
    con.execute(CHECK_SQL)
    set_aside_rejected(con, NAME, f"{NAME}_checked", RECORDS)
    since_filter = f"and report_date >= {sql_date(since)}" if since else ""
    # Views, not tables: dlt reads each once, and a copy per step would hold the payload in
    # memory three times over (with millions of records the work area then spills to disk).
    con.execute(
        f"""
        create or replace view ads_accepted as
        select
            report_date, channel, campaign_id, clicks, impressions, cost,
            utm_campaign, utm_source, utm_medium, record_index
        from ads_checked
        where reason is null {since_filter}
        """
    )
    window = con.execute(
        "select coalesce($since, min(report_date)), max(report_date) from ads_accepted",
        {"since": since},
    ).fetchone()
    window_start, window_end = window if window[1] is not None else (None, None)
    start, end = sql_date(window_start), sql_date(window_end)
    # Days of the window that the source no longer reports get a tombstone: dlt's merge on
    # report_date deletes that day's rows and the tombstone itself is never inserted.
    con.execute(
        f"""
        create or replace view ads_current as
        select *, false as is_window_tombstone
        from ads_accepted
        qualify row_number() over (
            partition by report_date, channel, campaign_id order by record_index desc) = 1
        union all
        select
            cast(day as date), '', '', null, null, null, null, null, null, -1, true
        from generate_series({start}, {end}, interval 1 day) as t(day)
        where {start} is not null
            and cast(day as date) not in (select report_date from ads_accepted)
        """
    )
    counts = con.execute(
        """
        select
            count(*),
            count(*) filter (where reason is not null),
            count(*) filter (where reason is null and report_date < $since)
        from ads_checked
        """,
        {"since": since},
    ).fetchone()
    loaded = con.execute("select count(*) from ads_accepted").fetchone()[0]
    return {
        "received": counts[0],
        "rejected": counts[1],
        "skipped_before_since": counts[2],
        "loaded": loaded,
        "window": [window_start, window_end] if window_start else None,
    }


@dlt.source(name="ads")
def ads_source(
    con: duckdb.DuckDBPyConnection,
    counts: dict[str, object],
    ingested_at: dt.datetime,
    since: dt.date | None,
):
    """The dlt resources of one Ads extract, read from the tables `split` built."""
    stamp = ingested_at_column(ingested_at)

    @dlt.resource(
        name="ads_performance",
        merge_key="report_date",
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        columns={"is_window_tombstone": {"hard_delete": True}},
    )
    def current():
        yield from arrow_batches(con, f"select *, {stamp} from ads_current")

    @dlt.resource(name="ads_performance_history", write_disposition="append")
    def history():
        yield from arrow_batches(con, f"select *, {stamp} from ads_accepted")

    @dlt.resource(name="ads_load_windows", write_disposition="append")
    def windows():
        # Always a table (empty without a window), so the raw table exists from the first load.
        start, end = counts["window"] or (None, None)
        rows = [0] if start else []
        yield pa.table(
            {
                "window_start": pa.array([start for _ in rows], pa.date32()),
                "window_end": pa.array([end for _ in rows], pa.date32()),
                "since": pa.array([since for _ in rows], pa.date32()),
                "rows_loaded": pa.array([counts["loaded"] for _ in rows], pa.int64()),
                "ingested_at": pa.array([ingested_at for _ in rows], pa.timestamp("us", tz="UTC")),
            }
        )

    @dlt.resource(
        name="ads_rejected_records", table_name="rejected_records", write_disposition="append"
    )
    def rejected():
        yield from rejected_batches(con, f"{NAME}_rejected", NAME, CONTRACT_VERSION, ingested_at)

    return current, history, windows, rejected
