{#- CONTRACT §4: a CRM group (day + UTM triple) is split across the Ads rows of that day and
    triple by click share, equal shares when their clicks sum to 0. A CRM group with no Ads row
    stays whole as the unattributed row (channel '', campaign_id ''). -#}
with

performance as (

    select * from {{ ref('stg_ads__performance') }}

),

ads_groups as (

    select * from {{ ref('int_ads_performance_aggregated_to_day_triple') }}

),

crm_groups as (

    select * from {{ ref('int_crm_opportunities_aggregated_to_day_triple') }}

),

ads_rows_with_group_totals as (

    select
        performance.*,
        ads_groups.clicks as group_clicks,
        ads_groups.ads_rows as group_rows

    from performance
    inner join ads_groups
        on performance.report_date = ads_groups.report_date
        and performance.utm_campaign = ads_groups.utm_campaign
        and performance.utm_source = ads_groups.utm_source
        and performance.utm_medium = ads_groups.utm_medium

),

attributed as (

    select
        ads.report_date,
        ads.channel,
        ads.campaign_id,
        ads.utm_campaign,
        ads.utm_source,
        ads.utm_medium,
        ads.clicks,
        ads.impressions,
        ads.cost,
        {{ share_of('crm.leads', 'ads') }} as leads,
        {{ share_of('crm.opportunities', 'ads') }} as opportunities,
        {{ share_of('crm.closed_won', 'ads') }} as closed_won,
        {{ share_of('crm.revenue', 'ads') }} as revenue,
        case
            when crm.load_id is null or ads.load_id > crm.load_id then ads.load_id
            else crm.load_id
        end as source_load_id

    from ads_rows_with_group_totals as ads
    left join crm_groups as crm
        on ads.report_date = crm.report_date
        and ads.utm_campaign = crm.utm_campaign
        and ads.utm_source = crm.utm_source
        and ads.utm_medium = crm.utm_medium

),

unattributed as (

    select
        crm.report_date,
        '' as channel,
        '' as campaign_id,
        crm.utm_campaign,
        crm.utm_source,
        crm.utm_medium,
        {{ dbt.cast('0', type_double()) }} as clicks,
        {{ dbt.cast('0', type_double()) }} as impressions,
        {{ dbt.cast('0', type_double()) }} as cost,
        {{ dbt.cast('crm.leads', type_double()) }} as leads,
        {{ dbt.cast('crm.opportunities', type_double()) }} as opportunities,
        {{ dbt.cast('crm.closed_won', type_double()) }} as closed_won,
        {{ dbt.cast('crm.revenue', type_double()) }} as revenue,
        crm.load_id as source_load_id

    from crm_groups as crm
    left join ads_groups
        on crm.report_date = ads_groups.report_date
        and crm.utm_campaign = ads_groups.utm_campaign
        and crm.utm_source = ads_groups.utm_source
        and crm.utm_medium = ads_groups.utm_medium
    where ads_groups.report_date is null

),

final as (

    select * from attributed
    union all
    select * from unattributed

)

select * from final
