-- Spend, closed-won revenue and ROAS per channel over the whole period: sum, then divide.
-- Channel '' is the CRM with no Ads that day (revenue without spend, so no ROAS).
select
    channel,
    round(sum(cost), 2) as spend,
    round(sum(revenue), 2) as revenue,
    round(sum(revenue) / nullif(sum(cost), 0), 2) as roas
from {{ ref('fct_channel_daily') }}
group by channel
order by roas desc nulls last, channel;
