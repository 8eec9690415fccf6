with

source as (

    select * from {{ source('ads', 'ads_performance') }}

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
