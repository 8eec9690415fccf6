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
        {{ column_list(var('utm_columns')) }},
        {{ column_list(var('ads_measures') + var('crm_measures')) }},
        {{ kpi_ratios() }}
        source_load_id

    from attributed

)

select * from final
order by report_date, channel, campaign_id, utm_campaign, utm_source, utm_medium
