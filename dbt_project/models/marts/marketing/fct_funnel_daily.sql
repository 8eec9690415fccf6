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
        {{ column_list(
            ['report_date'] + var('utm_columns'),
            'coalesce(ads_groups.{column}, crm_groups.{column}) as {column}',
        ) }},
        {{ column_list(var('ads_measures'), 'coalesce(ads_groups.{column}, 0) as {column}') }},
        {{ column_list(var('crm_measures'), 'coalesce(crm_groups.{column}, 0) as {column}') }},
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
        {{ column_list(var('utm_columns')) }},
        {{ column_list(var('ads_measures')) }},
        {{ column_list(
            ['leads', 'opportunities', 'closed_won'], 'cast({column} as bigint) as {column}'
        ) }},
        revenue,
        {{ kpi_ratios() }}
        source_load_id

    from joined

)

select * from final
order by report_date, utm_campaign, utm_source, utm_medium
