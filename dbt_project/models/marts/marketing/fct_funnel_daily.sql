-- depends_on: {{ ref('int_days_touched_by_loads') }}  (read by days_to_rebuild_condition)
with

ads_groups as (

    select * from {{ ref('int_ads_performance_aggregated_to_day_triple') }}
    {% if is_incremental() %}
    where {{ days_to_rebuild_condition(this) }}
    {% endif %}

),

crm_groups as (

    select * from {{ ref('int_crm_opportunities_aggregated_to_day_triple') }}
    {% if is_incremental() %}
    where {{ days_to_rebuild_condition(this) }}
    {% endif %}

),

joined as (

    select
        coalesce(ads_groups.report_date, crm_groups.report_date) as report_date,
        coalesce(ads_groups.utm_campaign, crm_groups.utm_campaign) as utm_campaign,
        coalesce(ads_groups.utm_source, crm_groups.utm_source) as utm_source,
        coalesce(ads_groups.utm_medium, crm_groups.utm_medium) as utm_medium,
        coalesce(ads_groups.clicks, 0) as clicks,
        coalesce(ads_groups.impressions, 0) as impressions,
        coalesce(ads_groups.cost, 0) as cost,
        coalesce(crm_groups.leads, 0) as leads,
        coalesce(crm_groups.opportunities, 0) as opportunities,
        coalesce(crm_groups.closed_won, 0) as closed_won,
        coalesce(crm_groups.revenue, 0) as revenue,
        case
            when crm_groups.load_id is null or ads_groups.load_id > crm_groups.load_id
                then ads_groups.load_id
            else crm_groups.load_id
        end as source_load_id

    from ads_groups
    full outer join crm_groups
        on ads_groups.report_date = crm_groups.report_date
        and ads_groups.utm_campaign = crm_groups.utm_campaign
        and ads_groups.utm_source = crm_groups.utm_source
        and ads_groups.utm_medium = crm_groups.utm_medium

),

final as (

    select
        report_date,
        utm_campaign,
        utm_source,
        utm_medium,
        clicks,
        impressions,
        cost,
        cast(leads as bigint) as leads,
        cast(opportunities as bigint) as opportunities,
        cast(closed_won as bigint) as closed_won,
        revenue,
        {{ kpi_ratios() }},
        source_load_id

    from joined

)

select * from final
order by report_date, utm_campaign, utm_source, utm_medium
