-- The hardware anchor of the benchmark: DuckDB alone doing the job of the loader and the dbt
-- project, on the same payload files, with the same rules (CONTRACT §2-§4), in one script.
-- No Python touches a record: this is as fast as plain DuckDB goes on this machine.
--
-- bench/reference.py sets the variables before running it:
--   loads: the loads in order, a list of {load_order, ads_path, crm_path, since}
--   ads_paths, crm_paths: the distinct payload files (absolute paths)
--   reporting_timezone: the IANA zone of the CRM report day
--   email_pattern: the catalog's e-mail pattern (warehouse/catalog.py)
-- and writes the catalog's KPI ratios in place of the kpi_ratios placeholders.
-- and may set earliest_plausible_date and latest_plausible_days_ahead (unset: the loader's
-- defaults, 2000-01-01 and 365). The day of every load is today (UTC): the benchmark's loads
-- run today.

set TimeZone = 'UTC';

-- Every character Python's str.strip() removes (CONTRACT §2 "trim"). A regular expression:
-- trim(s, characters) with non-ASCII characters in the set is ~7x slower in DuckDB.
create or replace macro trim_ws(s) as regexp_replace(
    s,
    '^[\t\n\x{B}\f\r\x{1C}-\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}'
    || '\x{205F}\x{3000}]+|[\t\n\x{B}\f\r\x{1C}-\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}'
    || '\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]+$',
    '',
    'g'
);

-- A dimension value shaped like an e-mail address becomes a stable pseudonym after raw.
create or replace macro pseudonymized(value) as (
    case
        when regexp_matches(value, getvariable('email_pattern'))
            then 'redacted:' || left(sha256(value), 16)
        else value
    end
);

-- A JSON number, a string holding one in JSON's number grammar once trimmed, or NULL (absent,
-- null, anything else, and the NaN and Infinity that DuckDB reads as numbers: their text ends
-- in a letter).
create or replace macro as_number(json_type, text) as (
    case
        when json_type in ('BIGINT', 'UBIGINT') then try_cast(text as double)
        when json_type = 'DOUBLE' and right(text, 1) between '0' and '9'
            then try_cast(text as double)
        when json_type = 'VARCHAR' and regexp_full_match(
            trim_ws(text), '-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?'
        )
            then try_cast(trim_ws(text) as double)
    end
);

-- Present, not null, and not a finite number below 1e15 in size: the record is rejected.
create or replace macro is_bad_number(json_type, text) as (
    coalesce(json_type, 'NULL') <> 'NULL'
    and not coalesce(abs(as_number(json_type, text)) < 1e15, false)
);

-- A count (clicks, impressions) with a fraction: the record is rejected.
create or replace macro is_fractional(value) as coalesce(value <> floor(value), false);

-- A day outside the plausible range: before the earliest, or more than so many days after the
-- day of the load (today, UTC). Both bounds included.
create or replace macro is_implausible(day) as (
    day < coalesce(getvariable('earliest_plausible_date'), date '2000-01-01')
    or day > current_date + coalesce(getvariable('latest_plausible_days_ahead'), 365)
);

-- An identifier: the trimmed text of a string or an integer (1.0 too); NULL for anything else.
create or replace macro as_identifier(json_type, text) as (
    case
        when json_type in ('VARCHAR', 'BIGINT', 'UBIGINT') then trim_ws(text)
        when json_type = 'DOUBLE' and try_cast(text as double) = floor(try_cast(text as double))
            and isfinite(try_cast(text as double))
            then text
    end
);

-- RFC 3339 (Z or an offset, fractional seconds), a naive timestamp or a bare day.
create or replace macro is_timestamp_text(text) as regexp_full_match(
    text, '\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?'
);

create or replace macro utm(text) as pseudonymized(
    coalesce(nullif(lower(trim_ws(text)), ''), 'unknown')
);

create or replace macro non_negative(value) as greatest(coalesce(value, 0), 0);

create schema if not exists marts;
create schema if not exists audit;

create or replace temp table loads as
select unnest(getvariable('loads'), recursive := true);

-- 1. Ads: the record lists of the payloads, one row per record with its load and position.
-- One source at a time: a payload is one JSON document, parsed whole, so this bounds memory.
create or replace temp table documents as
select filename, json_extract(json, '$.external.ads.performance[*]') as records
from read_json_objects(getvariable('ads_paths'), filename = true, maximum_object_size = 4000000000);

create or replace temp table ads_records as
select
    loads.load_order,
    loads.since,
    unnest(documents.records) as rec,
    unnest(range(len(documents.records))) as record_index
from documents
inner join loads on documents.filename = loads.ads_path;

drop table documents;

-- 2. Ads: typed fields and the verdict of every record (CONTRACT §2).
create or replace temp table ads_checked as
with fields as (
    select
        load_order,
        since,
        record_index,
        json_type(rec) = 'OBJECT' as is_object,
        json_extract_string(rec, [
            '$."date"', '$."campaign_id"', '$."channel"', '$."clicks"', '$."impressions"',
            '$."cost"', '$."utm_campaign"', '$."utm_source"', '$."utm_medium"'
        ]) as v,
        json_type(rec, [
            '$."campaign_id"', '$."channel"', '$."clicks"', '$."impressions"', '$."cost"'
        ]) as t
    from ads_records
),

typed as (
    select
        load_order,
        since,
        record_index,
        is_object,
        trim_ws(v[1]) as date_text,
        as_identifier(t[1], v[2]) as campaign_id,
        lower(as_identifier(t[2], v[3])) as channel,
        as_number(t[3], v[4]) as clicks,
        as_number(t[4], v[5]) as impressions,
        as_number(t[5], v[6]) as cost,
        is_bad_number(t[3], v[4])
        or is_bad_number(t[4], v[5])
        or is_bad_number(t[5], v[6]) as has_bad_number,
        v[7] as utm_campaign,
        v[8] as utm_source,
        v[9] as utm_medium
    from fields
)

select
    * exclude (date_text),
    -- a day, or a timestamp's day as written (time and offset aside); a missing date is
    -- rejected too
    case when is_timestamp_text(date_text) then try_cast(date_text as date) end as report_date,
    not is_object
    or report_date is null
    or is_implausible(report_date)
    or coalesce(campaign_id, '') = ''
    or coalesce(channel, '') = ''
    or has_bad_number
    or is_fractional(clicks)
    or is_fractional(impressions) as is_rejected
from typed;

drop table ads_records;

-- 3. CRM: the same, with the report day of created_at in the reporting time zone.
create or replace temp table documents as
select filename, json_extract(json, '$.external.crm.opportunities[*]') as records
from read_json_objects(getvariable('crm_paths'), filename = true, maximum_object_size = 4000000000);

create or replace temp table crm_records as
select
    loads.load_order,
    loads.since,
    unnest(documents.records) as rec,
    unnest(range(len(documents.records))) as record_index
from documents
inner join loads on documents.filename = loads.crm_path;

drop table documents;

create or replace temp table crm_checked as
with fields as (
    select
        load_order,
        since,
        record_index,
        json_type(rec) = 'OBJECT' as is_object,
        json_extract_string(rec, [
            '$."opportunity_id"', '$."stage"', '$."amount"', '$."created_at"',
            '$."utm_campaign"', '$."utm_source"', '$."utm_medium"'
        ]) as v,
        json_type(rec, ['$."opportunity_id"', '$."amount"']) as t
    from crm_records
),

typed as (
    select
        load_order,
        since,
        record_index,
        is_object,
        as_identifier(t[1], v[1]) as opportunity_id,
        v[2] as stage,
        as_number(t[2], v[3]) as amount,
        is_bad_number(t[2], v[3]) as has_bad_number,
        trim_ws(v[4]) as created_at,
        v[5] as utm_campaign,
        v[6] as utm_source,
        v[7] as utm_medium
    from fields
),

timed as (
    select
        *,
        case when is_timestamp_text(created_at) then try_cast(created_at as timestamptz) end
            as created_at_utc
    from typed
)

select
    *,
    cast(timezone(getvariable('reporting_timezone'), created_at_utc) as date) as report_date,
    not is_object
    or coalesce(opportunity_id, '') = ''
    or created_at_utc is null
    or is_implausible(cast(created_at_utc as date))  -- the instant's day in UTC
    or has_bad_number as is_rejected
from timed;

drop table crm_records;

-- 4. Ads after every load: the last record of a key inside a load wins, and a load replaces
-- the days of its window [since or its first day, its last day].
create or replace temp table ads_clean as
with accepted as (
    select *
    from ads_checked
    where not is_rejected and (since is null or report_date >= since)
),

windows as (
    select load_order, coalesce(any_value(since), min(report_date)) as window_start,
        max(report_date) as window_end
    from accepted
    group by load_order
),

last_in_load as (
    select *
    from accepted
    qualify row_number() over (
        partition by load_order, report_date, channel, campaign_id
        order by record_index desc
    ) = 1
)

select
    report_date,
    pseudonymized(channel) as channel,
    pseudonymized(campaign_id) as campaign_id,
    utm(utm_campaign) as utm_campaign,
    utm(utm_source) as utm_source,
    utm(utm_medium) as utm_medium,
    non_negative(clicks) as clicks,
    non_negative(impressions) as impressions,
    non_negative(cost) as cost
from last_in_load
where not exists (
    select 1
    from windows
    where windows.load_order > last_in_load.load_order
        and last_in_load.report_date between windows.window_start and windows.window_end
);

-- 5. CRM after every load: upserts by opportunity_id, the latest version wins.
create or replace temp table crm_clean as
select
    pseudonymized(opportunity_id) as opportunity_id,
    pseudonymized(coalesce(nullif(lower(trim_ws(stage)), ''), 'unknown')) as stage,
    non_negative(amount) as amount,
    report_date,
    utm(utm_campaign) as utm_campaign,
    utm(utm_source) as utm_source,
    utm(utm_medium) as utm_medium
from crm_checked
where not is_rejected and (since is null or report_date >= since)
qualify row_number() over (
    partition by opportunity_id order by load_order desc, record_index desc
) = 1;

-- 6. Groups by day and UTM triple (CONTRACT §4).
create or replace temp table ads_groups as
select
    report_date, utm_campaign, utm_source, utm_medium,
    sum(clicks) as clicks, sum(impressions) as impressions, sum(cost) as cost,
    count(*) as ads_rows
from ads_clean
group by all;

create or replace temp table crm_groups as
select
    report_date, utm_campaign, utm_source, utm_medium,
    count(*) as leads,
    count(*) filter (where stage in ('opportunity', 'closed_won', 'closed_lost'))
        as opportunities,
    count(*) filter (where stage = 'closed_won') as closed_won,
    coalesce(sum(amount) filter (where stage = 'closed_won'), 0) as revenue
from crm_clean
group by all;

-- 7. The marts.
create or replace table marts.fct_campaign_daily as
with attributed as (
    select
        ads.report_date, ads.channel, ads.campaign_id,
        ads.utm_campaign, ads.utm_source, ads.utm_medium,
        ads.clicks, ads.impressions, ads.cost,
        -- the click share of the Ads row in its group; equal shares when no clicks
        case when groups.clicks = 0 then 1.0 / groups.ads_rows
            else ads.clicks / groups.clicks end as share,
        coalesce(crm.leads, 0) * share as leads,
        coalesce(crm.opportunities, 0) * share as opportunities,
        coalesce(crm.closed_won, 0) * share as closed_won,
        coalesce(crm.revenue, 0) * share as revenue
    from ads_clean as ads
    inner join ads_groups as groups using (report_date, utm_campaign, utm_source, utm_medium)
    left join crm_groups as crm using (report_date, utm_campaign, utm_source, utm_medium)
),

unattributed as (
    select
        crm.report_date, '' as channel, '' as campaign_id,
        crm.utm_campaign, crm.utm_source, crm.utm_medium,
        0.0 as clicks, 0.0 as impressions, 0.0 as cost,
        cast(crm.leads as double) as leads,
        cast(crm.opportunities as double) as opportunities,
        cast(crm.closed_won as double) as closed_won,
        crm.revenue
    from crm_groups as crm
    anti join ads_groups using (report_date, utm_campaign, utm_source, utm_medium)
),

combined as (
    select * exclude (share) from attributed
    union all
    select * from unattributed
)

select
    *,
    {kpi_ratios}
from combined;

create or replace table marts.fct_funnel_daily as
with joined as (
    select
        report_date, utm_campaign, utm_source, utm_medium,
        coalesce(ads.clicks, 0) as clicks,
        coalesce(ads.impressions, 0) as impressions,
        coalesce(ads.cost, 0) as cost,
        coalesce(crm.leads, 0) as leads,
        coalesce(crm.opportunities, 0) as opportunities,
        coalesce(crm.closed_won, 0) as closed_won,
        coalesce(crm.revenue, 0) as revenue
    from ads_groups as ads
    full outer join crm_groups as crm
        using (report_date, utm_campaign, utm_source, utm_medium)
)

select
    *,
    {kpi_ratios}
from joined;

create or replace table marts.fct_channel_daily as
with summed as (
    select
        report_date, channel,
        sum(clicks) as clicks, sum(impressions) as impressions, sum(cost) as cost,
        sum(leads) as leads, sum(opportunities) as opportunities,
        sum(closed_won) as closed_won, sum(revenue) as revenue
    from marts.fct_campaign_daily
    group by all
)

select
    *,
    {kpi_ratios}
from summed;

-- 8. How many records each source rejected (one per rejected record per load).
create or replace table audit.rejected_counts as
select 'ads' as source, count(*) filter (where is_rejected) as rejected from ads_checked
union all
select 'crm', count(*) filter (where is_rejected) from crm_checked;
