{#- Every day of fct_channel_daily: its hot rows and the months `make archive` moved to the lake
    (macro hot_and_archived_rows). -#}
{{ config(materialized='view') }}

with

final as (

    {{ hot_and_archived_rows('fct_channel_daily') }}

)

select
    report_date,
    channel,
    clicks,
    impressions,
    cost,
    leads,
    opportunities,
    closed_won,
    revenue,
    cpc,
    cpa,
    cvr_lead_to_opp,
    cvr_opp_to_won,
    roas,
    source_load_id

from final
