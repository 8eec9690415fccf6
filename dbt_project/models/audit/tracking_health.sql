-- depends_on: {{ ref('int_days_touched_by_loads') }}  (read by days_to_rebuild_condition)
{#- CONTRACT §4, tracking health: per day and UTM triple with Ads or CRM, whether they met
    (matched, spend_without_crm, crm_without_ads), and for CRM without Ads the Ads triple of
    the same day and utm_campaign (most clicks, then the smallest as text) it was likely meant
    to be: the UTM typos that lose money. Incremental like the marts: a day's rows depend on
    that day only. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='replace_days',
    unique_key='report_date',
    on_schema_change='fail',
    file_format='parquet',
    partition_by=('report_date' if target.type == 'spark' else none),
) }}

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
        coalesce(ads_groups.cost, 0) as spend,
        coalesce(ads_groups.clicks, 0) as clicks,
        coalesce(crm_groups.leads, 0) as leads,
        coalesce(crm_groups.revenue, 0) as revenue,
        case
            when ads_groups.report_date is not null and crm_groups.report_date is not null
                then 'matched'
            when ads_groups.report_date is not null then 'spend_without_crm'
            else 'crm_without_ads'
        end as status,
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

suggestions as (

    {#- For each CRM-only triple, the Ads triples of its day and utm_campaign (whose source or
        medium must then differ), best first. -#}
    select
        joined.report_date,
        {{ column_list(var('utm_columns'), 'joined.{column}') }},
        {{ dbt.concat([
            'ads_groups.utm_campaign', "'/'", 'ads_groups.utm_source', "'/'",
            'ads_groups.utm_medium',
        ]) }} as suggested_triple,
        row_number() over (
            partition by
                joined.report_date, {{ column_list(var('utm_columns'), 'joined.{column}') }}
            order by
                ads_groups.clicks desc,
                {{ dbt.concat([
                    'ads_groups.utm_campaign', "'/'", 'ads_groups.utm_source', "'/'",
                    'ads_groups.utm_medium',
                ]) }}
        ) as rank_of_suggestion

    from joined
    inner join ads_groups
        on joined.report_date = ads_groups.report_date
        and joined.utm_campaign = ads_groups.utm_campaign
        and (
            joined.utm_source != ads_groups.utm_source
            or joined.utm_medium != ads_groups.utm_medium
        )
    where joined.status = 'crm_without_ads'

),

final as (

    select
        joined.report_date,
        {{ column_list(var('utm_columns'), 'joined.{column}') }},
        joined.spend,
        joined.clicks,
        joined.leads,
        joined.revenue,
        joined.status,
        suggestions.suggested_triple,
        joined.source_load_id

    from joined
    left join suggestions
        on joined.report_date = suggestions.report_date
        and joined.utm_campaign = suggestions.utm_campaign
        and joined.utm_source = suggestions.utm_source
        and joined.utm_medium = suggestions.utm_medium
        and suggestions.rank_of_suggestion = 1

)

select * from final
order by report_date, utm_campaign, utm_source, utm_medium
