-- Cost per lead per channel and ISO week: what a new lead costs, week by week.
select
    date_trunc('week', report_date) as week,
    channel,
    sum(cost) as spend,
    sum(leads) as leads,
    sum(cost) / nullif(sum(leads), 0) as cpa
from {{ ref('fct_channel_daily') }}
where channel <> ''
group by week, channel
order by week, channel;
