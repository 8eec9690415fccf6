-- The funnel and channel marts hold the same daily totals as the campaign mart.
with

campaign as (

    select report_date, sum(cost) as cost, sum(leads) as leads, sum(revenue) as revenue
    from {{ ref('fct_campaign_daily') }}
    where {{ tested_days_condition() }}
    group by report_date

),

funnel as (

    select report_date, sum(cost) as cost, sum(leads) as leads, sum(revenue) as revenue
    from {{ ref('fct_funnel_daily') }}
    where {{ tested_days_condition() }}
    group by report_date

),

channel as (

    select report_date, sum(cost) as cost, sum(leads) as leads, sum(revenue) as revenue
    from {{ ref('fct_channel_daily') }}
    where {{ tested_days_condition() }}
    group by report_date

),

compared as (

    select
        coalesce(campaign.report_date, funnel.report_date, channel.report_date) as report_date,
        campaign.cost as campaign_cost, funnel.cost as funnel_cost, channel.cost as channel_cost,
        campaign.leads as campaign_leads, funnel.leads as funnel_leads,
        channel.leads as channel_leads,
        campaign.revenue as campaign_revenue, funnel.revenue as funnel_revenue,
        channel.revenue as channel_revenue

    from campaign
    full outer join funnel on campaign.report_date = funnel.report_date
    full outer join channel on coalesce(campaign.report_date, funnel.report_date) = channel.report_date

)

select * from compared
where abs(coalesce(campaign_cost, -1) - coalesce(funnel_cost, -2)) > 1e-6 * greatest(1, abs(campaign_cost))
    or abs(coalesce(campaign_cost, -1) - coalesce(channel_cost, -2)) > 1e-6 * greatest(1, abs(campaign_cost))
    or abs(coalesce(campaign_leads, -1) - coalesce(funnel_leads, -2)) > 1e-6
    or abs(coalesce(campaign_leads, -1) - coalesce(channel_leads, -2)) > 1e-6
    or abs(coalesce(campaign_revenue, -1) - coalesce(funnel_revenue, -2)) > 1e-6 * greatest(1, abs(campaign_revenue))
    or abs(coalesce(campaign_revenue, -1) - coalesce(channel_revenue, -2)) > 1e-6 * greatest(1, abs(campaign_revenue))
