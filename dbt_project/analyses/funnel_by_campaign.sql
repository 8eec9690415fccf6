-- The funnel of each UTM campaign: leads, opportunities, deals won and the conversion rates.
select
    utm_campaign,
    sum(leads) as leads,
    sum(opportunities) as opportunities,
    sum(closed_won) as closed_won,
    round(sum(opportunities) / nullif(sum(leads), 0), 3) as cvr_lead_to_opp,
    round(sum(closed_won) / nullif(sum(opportunities), 0), 3) as cvr_opp_to_won
from {{ ref('fct_funnel_daily') }}
group by utm_campaign
order by leads desc, utm_campaign;
