{#- Every day of fct_channel_daily: its hot rows and the months `make archive` moved to the lake.
    The archived files are listed when the view is built (macro archived_rows); `make archive`
    rebuilds the view after every move, so it never misses a month and never reads one twice. -#}
{{ config(materialized='view') }}

with

hot as (

    select * from {{ ref('fct_channel_daily') }}

),

archived as (

    {{ archived_rows('marts.fct_channel_daily', ref('fct_channel_daily')) }}

),

final as (

    select * from hot
    union all
    select * from archived

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
