-- Cost per lead per channel and week (weeks start on Monday): what a new lead costs.
select
    cast(date_trunc('week', report_date) as date) as week,
    channel,
    round(sum(cost), 2) as spend,
    round(sum(leads), 1) as leads,
    round(sum(cost) / nullif(sum(leads), 0), 2) as cpa
from {{ ref('fct_channel_daily') }}
where channel <> ''
group by week, channel
order by week, channel;
