{#- CONTRACT §4: a CRM group (day + UTM triple) is split across the Ads rows of that day and
    triple by click share (equal shares when their clicks sum to 0); a group with no Ads row stays
    whole as the unattributed row (channel '', campaign_id ''). One pass (inputs stacked, window
    sums per day and triple) reads each input once, so a filter on report_date reaches the scans.
-#}
with

performance as (

    select * from {{ ref('stg_ads__performance') }}

),

crm_groups as (

    select * from {{ ref('int_crm_opportunities_aggregated_to_day_triple') }}

),

ads_rows_and_crm_groups as (

    select
        report_date,
        utm_campaign,
        utm_source,
        utm_medium,
        channel,
        campaign_id,
        clicks,
        impressions,
        cost,
        1 as ads_rows,
        0 as leads,
        0 as opportunities,
        0 as closed_won,
        {{ dbt.cast('0', type_double()) }} as revenue,
        load_id as ads_load_id,
        {{ dbt.cast('null', dbt.type_string()) }} as crm_load_id

    from performance

    union all

    select
        report_date,
        utm_campaign,
        utm_source,
        utm_medium,
        '' as channel,
        '' as campaign_id,
        {{ dbt.cast('0', type_double()) }} as clicks,
        {{ dbt.cast('0', type_double()) }} as impressions,
        {{ dbt.cast('0', type_double()) }} as cost,
        0 as ads_rows,
        leads,
        opportunities,
        closed_won,
        revenue,
        {{ dbt.cast('null', dbt.type_string()) }} as ads_load_id,
        load_id as crm_load_id

    from crm_groups

),

with_group_totals as (

    select
        *,
        sum(clicks) over day_triple as group_clicks,
        sum(ads_rows) over day_triple as group_rows,
        sum(leads) over day_triple as group_leads,
        sum(opportunities) over day_triple as group_opportunities,
        sum(closed_won) over day_triple as group_closed_won,
        sum(revenue) over day_triple as group_revenue,
        max(crm_load_id) over day_triple as group_crm_load_id

    from ads_rows_and_crm_groups
    window day_triple as (partition by report_date, utm_campaign, utm_source, utm_medium)

),

final as (

    {#- An Ads row with its shares, or the CRM group itself when no Ads row shares its day. -#}
    select
        report_date,
        channel,
        campaign_id,
        {{ column_list(var('utm_columns')) }},
        {{ column_list(var('ads_measures')) }},
        {%- for measure in var('crm_measures') %}
        case
            when ads_rows = 1 then {{ share_of('group_' ~ measure, 'with_group_totals') }}
            else {{ dbt.cast(measure, type_double()) }}
        end as {{ measure }},
        {%- endfor %}
        case
            when ads_rows = 0 then crm_load_id
            when group_crm_load_id is null or ads_load_id > group_crm_load_id then ads_load_id
            else group_crm_load_id
        end as source_load_id

    from with_group_totals
    where ads_rows = 1 or group_rows = 0

)

select * from final
