-- depends_on: {{ ref('int_days_touched_by_loads') }}  (read by days_to_rebuild_condition)
with

attributed as (

    select * from {{ ref('int_crm_attributed_to_campaign_days') }}
    {% if is_incremental() %}
    where {{ days_to_rebuild_condition(this) }}
    {% endif %}

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
        leads,
        opportunities,
        closed_won,
        revenue,
        {{ safe_divide('cost', 'clicks') }} as cpc,
        {{ safe_divide('cost', 'leads') }} as cpa,
        {{ safe_divide('opportunities', 'leads') }} as cvr_lead_to_opp,
        {{ safe_divide('closed_won', 'opportunities') }} as cvr_opp_to_won,
        {{ safe_divide('revenue', 'cost') }} as roas,
        source_load_id

    from attributed

)

select * from final
order by report_date, channel, campaign_id, utm_campaign, utm_source, utm_medium
