-- depends_on: {{ ref('int_days_touched_by_loads') }}  (read by days_to_rebuild_condition)
{{ config(rebuild_spread='attribution') }}  {#- its days hold CRM credit of later days -#}
{#- CONTRACT §4: the campaign mart under every attribution model at the configured lookback,
    so that comparing models is one `group by attribution_model`. -#}
with

attributed as (

    select * from {{ ref('int_crm_attributed_by_model') }}
    {% if is_incremental() %}
    where {{ days_to_rebuild_condition(this, spread='attribution') }}
    {% endif %}

),

final as (

    select
        attribution_model,
        report_date,
        channel,
        campaign_id,
        {{ column_list(var('utm_columns')) }},
        {{ column_list(var('ads_measures') + var('crm_measures')) }},
        {{ kpi_ratios() }}
        source_load_id

    from attributed

)

{# report_date first, as in the other marts: a rebuilt day's rows lie together. #}
select * from final
order by report_date, attribution_model, channel, campaign_id, utm_campaign, utm_source, utm_medium
