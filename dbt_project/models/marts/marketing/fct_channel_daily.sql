-- depends_on: {{ ref('int_days_touched_by_loads') }}  (read by days_to_rebuild_condition)
with

campaign_days as (

    select * from {{ ref('fct_campaign_daily') }}
    {% if is_incremental() %}
    where {{ days_to_rebuild_condition(this) }}
    {% endif %}

),

summed as (

    select
        report_date,
        channel,
        sum(clicks) as clicks,
        sum(impressions) as impressions,
        sum(cost) as cost,
        sum(leads) as leads,
        sum(opportunities) as opportunities,
        sum(closed_won) as closed_won,
        sum(revenue) as revenue,
        max(source_load_id) as source_load_id

    from campaign_days
    group by report_date, channel

),

final as (

    select
        report_date,
        channel,
        clicks,
        impressions,
        cost,
        leads,
        opportunities,
        closed_won,
        revenue,
        {{ kpi_ratios() }},
        source_load_id

    from summed

)

select * from final
order by report_date, channel
