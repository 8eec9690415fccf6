-- Per day, the CRM measures of the campaign mart (attributed shares + unattributed rows) add up
-- to the clean CRM opportunities: nothing double counted, nothing lost in the split.
with

mart as (

    select
        report_date,
        sum(leads) as leads,
        sum(opportunities) as opportunities,
        sum(closed_won) as closed_won,
        sum(revenue) as revenue

    from {{ ref('fct_campaign_daily') }}
    where {{ tested_days_condition() }}
    group by report_date

),

clean as (

    select
        report_date,
        sum(leads) as leads,
        sum(opportunities) as opportunities,
        sum(closed_won) as closed_won,
        sum(revenue) as revenue

    from {{ ref('int_crm_opportunities_aggregated_to_day_triple') }}
    where {{ tested_days_condition() }}
    group by report_date

)

select
    coalesce(mart.report_date, clean.report_date) as report_date,
    mart.leads as mart_leads,
    clean.leads as clean_leads,
    mart.revenue as mart_revenue,
    clean.revenue as clean_revenue

from mart
full outer join clean on mart.report_date = clean.report_date
where abs(coalesce(mart.leads, 0) - coalesce(clean.leads, 0)) > 1e-6
    or abs(coalesce(mart.opportunities, 0) - coalesce(clean.opportunities, 0)) > 1e-6
    or abs(coalesce(mart.closed_won, 0) - coalesce(clean.closed_won, 0)) > 1e-6
    or abs(coalesce(mart.revenue, 0) - coalesce(clean.revenue, 0))
        > 1e-6 * greatest(1, abs(coalesce(clean.revenue, 0)))
