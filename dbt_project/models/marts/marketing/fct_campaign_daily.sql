-- depends_on: {{ ref('int_days_touched_by_loads') }}  (read by days_to_rebuild_condition)
{{ config(rebuild_spread='attribution') }}  {#- its days hold CRM credit of later days -#}
with

attributed as (

    select * from {{ ref('int_crm_attributed_to_campaign_days') }}
    {% if is_incremental() %}
    where {{ days_to_rebuild_condition(this, spread='attribution') }}
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
