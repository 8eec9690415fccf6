-- depends_on: {{ ref('int_days_touched_by_loads') }}  (read by days_to_rebuild_condition)
{{ config(rebuild_spread='attribution') }}  {#- its days hold CRM credit of later days -#}
with

campaign_days as (

    select * from {{ ref('fct_campaign_daily') }}
    {% if is_incremental() %}
    where {{ days_to_rebuild_condition(this, spread='attribution') }}
    {% endif %}

),

summed as (

    select
        report_date,
        channel,
        {{ column_list(var('ads_measures') + var('crm_measures'), 'sum({column}) as {column}') }},
        max(source_load_id) as source_load_id

    from campaign_days
    group by report_date, channel

),

final as (

    select
        report_date,
        channel,
        {{ column_list(var('ads_measures') + var('crm_measures')) }},
        {{ kpi_ratios() }}
        source_load_id

    from summed

)

select * from final
order by report_date, channel
