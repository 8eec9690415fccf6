-- Per day, cost, clicks and impressions of the campaign mart equal the clean Ads rows.
with

mart as (

    select report_date, sum(clicks) as clicks, sum(impressions) as impressions, sum(cost) as cost
    from {{ ref('fct_campaign_daily') }}
    where {{ tested_days_condition() }}
    group by report_date

),

clean as (

    select report_date, sum(clicks) as clicks, sum(impressions) as impressions, sum(cost) as cost
    from {{ ref('stg_ads__performance') }}
    where {{ tested_days_condition() }}
    group by report_date

)

select
    coalesce(mart.report_date, clean.report_date) as report_date,
    mart.cost as mart_cost,
    clean.cost as clean_cost

from mart
full outer join clean on mart.report_date = clean.report_date
where abs(coalesce(mart.clicks, 0) - coalesce(clean.clicks, 0)) > 1e-6
    or abs(coalesce(mart.impressions, 0) - coalesce(clean.impressions, 0)) > 1e-6
    or abs(coalesce(mart.cost, 0) - coalesce(clean.cost, 0))
        > 1e-6 * greatest(1, abs(coalesce(clean.cost, 0)))
