-- depends_on: {{ ref('int_days_touched_by_loads') }}  (read by days_to_rebuild_condition)
{#- A table kept up to date day by day, not a view: the history is normalized once, not once per
    reader, and a build after a one-day load reads that day of raw. It rebuilds the days of the
    Ads windows newer than its newest row (every window keeps rows of its load in raw). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_days',
    unique_key='report_date',
    load_id_column='load_id',
    rebuild_source='ads',
    on_schema_change='fail',
) }}

with

source as (

    select * from {{ source('ads', 'ads_performance') }}
    {% if is_incremental() %}
    where {{ days_to_rebuild_condition(this, load_id_column='load_id', source='ads') }}
    {% endif %}

),

renamed as (

    select
        report_date,
        {{ redact_email_like("lower(" ~ trim_whitespace('channel') ~ ")") }} as channel,
        {{ redact_email_like(trim_whitespace('campaign_id')) }} as campaign_id,
        {{ normalize_utm('utm_campaign') }} as utm_campaign,
        {{ normalize_utm('utm_source') }} as utm_source,
        {{ normalize_utm('utm_medium') }} as utm_medium,
        {{ clamp_non_negative('clicks') }} as clicks,
        {{ clamp_non_negative('impressions') }} as impressions,
        {{ clamp_non_negative('cost') }} as cost,
        _dlt_load_id as load_id,
        record_index,
        ingested_at

    from source
    where not coalesce(is_window_tombstone, false)

),

ranked as (

    select
        *,
        row_number() over (
            partition by report_date, channel, campaign_id
            order by load_id desc, record_index desc
        ) as version_rank

    from renamed

),

final as (

    select
        report_date,
        channel,
        campaign_id,
        utm_campaign,
        utm_source,
        utm_medium,
        clicks,
        impressions,
        cost,
        load_id,
        ingested_at

    from ranked
    where version_rank = 1
        and {{ hot_days_only('report_date') }}  -- archived months stay in the lake

)

select * from final
