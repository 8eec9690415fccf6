with

performance as (

    select * from {{ ref('stg_ads__performance') }}

),

final as (

    select
        report_date,
        utm_campaign,
        utm_source,
        utm_medium,
        sum(clicks) as clicks,
        sum(impressions) as impressions,
        sum(cost) as cost,
        count(*) as ads_rows,
        max(load_id) as load_id

    from performance
    group by report_date, utm_campaign, utm_source, utm_medium

)

select * from final
