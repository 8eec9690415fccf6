"""What the report shows, read from the marts with SQL (sum, then divide; never average ratios).

Every number on the page comes from one of these queries over the published read-only
snapshot, so the page agrees with what an analyst gets from the same marts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from warehouse.catalog import (
    ATTRIBUTION_MART,
    ATTRIBUTION_MODELS,
    MARTS,
    RATIO_BY_NAME,
    TRACKING_HEALTH,
    safe_ratio_sql,
)

# Above this many days the over-time charts use weeks: daily lines get unreadable.
MAX_DAYS_PER_DAY_GRAIN = 120
RANKED_CAMPAIGNS = 5  # how many campaigns the top and the bottom by ROAS each show


@dataclass(frozen=True)
class Totals:
    first_day: dt.date | None
    last_day: dt.date | None
    spend: float
    clicks: float
    leads: float
    opportunities: float
    closed_won: float
    revenue: float
    cpa: float | None
    roas: float | None


@dataclass(frozen=True)
class ChannelTotals:
    channel: str  # '' is the unattributed CRM (no Ads row that day and UTM triple)
    spend: float
    clicks: float
    leads: float
    closed_won: float
    revenue: float
    cpa: float | None
    roas: float | None


@dataclass(frozen=True)
class ChannelPeriod:
    """A channel in one period; every channel has a row for every period (0 when idle)."""

    period: dt.date  # the day, or the Monday of the week
    channel: str
    spend: float
    leads: float
    revenue: float
    roas_to_date: float | None  # revenue / spend summed from the first period to this one


@dataclass(frozen=True)
class CampaignFunnel:
    utm_campaign: str
    leads: int
    opportunities: int
    closed_won: int
    revenue: float
    cvr_lead_to_opp: float | None
    cvr_opp_to_won: float | None


@dataclass(frozen=True)
class CampaignRoas:
    channel: str
    campaign_id: str
    utm_campaigns: str
    spend: float
    revenue: float
    roas: float


@dataclass(frozen=True)
class MartRows:
    relation: str
    rows: int
    first_day: dt.date | None
    last_day: dt.date | None


@dataclass(frozen=True)
class ModelCredit:
    """One channel under one attribution model (fct_attribution_daily)."""

    channel: str
    attribution_model: str
    spend: float
    leads: float
    revenue: float
    cpa: float | None
    roas: float | None


@dataclass(frozen=True)
class AttributionComparison:
    lookback_days: str | None  # as audit.build_settings recorded it; None before any record
    model: str | None  # the model of the campaign and channel marts
    models: tuple[str, ...]  # the columns, in the catalog's order
    rows: list[ModelCredit]  # by channel (by spend, then name), then model


@dataclass(frozen=True)
class HealthStatus:
    """The tracking-health audit summed per status."""

    status: str
    groups: int  # (day, UTM triple) rows
    spend: float
    leads: float
    revenue: float


@dataclass(frozen=True)
class LikelyTypo:
    """A CRM group no Ads row matched whose campaign had Ads that day under another triple."""

    report_date: dt.date
    triple: str
    leads: float
    revenue: float
    suggested_triple: str


@dataclass(frozen=True)
class TrackingHealth:
    unattributed_revenue: float  # on the campaign mart's unattributed rows (channel '')
    unattributed_leads: float
    statuses: list[HealthStatus]
    typos: list[LikelyTypo]  # the largest by revenue, then leads


@dataclass(frozen=True)
class Kpis:
    totals: Totals
    channels: list[ChannelTotals]
    grain: str  # "day" or "week": the period of `over_time`
    over_time: list[ChannelPeriod]
    funnel: list[CampaignFunnel]
    top_campaigns: list[CampaignRoas]
    bottom_campaigns: list[CampaignRoas]
    marts: list[MartRows]
    rejected: dict[str, int]  # source -> rejected records in audit.rejected_records
    attribution: AttributionComparison | None  # None: a snapshot built before the models
    tracking: TrackingHealth | None


def _ratio(name: str, numerator: str | None = None, denominator: str | None = None) -> str:
    """A KPI of the catalog over summed columns (or other expressions), NULL on 0."""
    return safe_ratio_sql(RATIO_BY_NAME[name], numerator, denominator)


def read_kpis(con: duckdb.DuckDBPyConnection) -> Kpis:
    """Run every query of the report on an open (read-only) connection to the marts."""
    totals = Totals(*con.execute(TOTALS_SQL).fetchone())
    days = (totals.last_day - totals.first_day).days + 1 if totals.first_day else 0
    grain = "day" if days <= MAX_DAYS_PER_DAY_GRAIN else "week"
    ranked = [CampaignRoas(*row) for row in con.execute(CAMPAIGN_ROAS_SQL).fetchall()]
    top = ranked[:RANKED_CAMPAIGNS]
    bottom = [c for c in ranked[-RANKED_CAMPAIGNS:] if c not in top]
    return Kpis(
        totals=totals,
        channels=[ChannelTotals(*row) for row in con.execute(CHANNELS_SQL).fetchall()],
        grain=grain,
        over_time=[ChannelPeriod(*row) for row in con.execute(OVER_TIME_SQL, [grain]).fetchall()],
        funnel=[CampaignFunnel(*row) for row in con.execute(FUNNEL_SQL).fetchall()],
        top_campaigns=top,
        bottom_campaigns=bottom,
        marts=[
            MartRows(
                mart,
                *con.execute(
                    f"select count(*), min(report_date), max(report_date) from {mart}"
                ).fetchone(),
            )
            for mart in (m.relation for m in MARTS)
        ],
        rejected=dict(
            con.execute(
                "select source, count(*) from audit.rejected_records group by source order by 1"
            ).fetchall()
        ),
        attribution=_optional(read_attribution, con),
        tracking=_optional(read_tracking_health, con),
    )


def _optional(read, con: duckdb.DuckDBPyConnection):
    """A section of a snapshot built before its relation existed: None (the page says so)."""
    try:
        return read(con)
    except duckdb.CatalogException:
        return None


def read_attribution(con: duckdb.DuckDBPyConnection) -> AttributionComparison:
    settings = dict(
        con.execute(
            "select setting, value from audit.build_settings "
            "where setting in ('attribution_lookback_days', 'attribution_model')"
        ).fetchall()
    )
    return AttributionComparison(
        lookback_days=settings.get("attribution_lookback_days"),
        model=settings.get("attribution_model"),
        models=ATTRIBUTION_MODELS,
        rows=[ModelCredit(*row) for row in con.execute(MODEL_COMPARISON_SQL).fetchall()],
    )


def read_tracking_health(con: duckdb.DuckDBPyConnection) -> TrackingHealth:
    leads, revenue = con.execute(UNATTRIBUTED_SQL).fetchone()
    return TrackingHealth(
        unattributed_revenue=revenue,
        unattributed_leads=leads,
        statuses=[HealthStatus(*row) for row in con.execute(HEALTH_SQL).fetchall()],
        typos=[LikelyTypo(*row) for row in con.execute(TYPOS_SQL, [LISTED_TYPOS]).fetchall()],
    )


TOTALS_SQL = f"""
select
    min(report_date),
    max(report_date),
    coalesce(sum(cost), 0),
    coalesce(sum(clicks), 0),
    coalesce(sum(leads), 0),
    coalesce(sum(opportunities), 0),
    coalesce(sum(closed_won), 0),
    coalesce(sum(revenue), 0),
    {_ratio("cpa")},
    {_ratio("roas")}
from marts.fct_channel_daily
"""

CHANNELS_SQL = f"""
select
    channel,
    sum(cost) as spend,
    sum(clicks) as clicks,
    sum(leads) as leads,
    sum(closed_won) as closed_won,
    sum(revenue) as revenue,
    {_ratio("cpa")} as cpa,
    {_ratio("roas")} as roas
from marts.fct_channel_daily
group by channel
order by spend desc, channel
"""

# Dense: every channel in every period (a channel with no row that day spent 0), so lines do
# not bridge idle days and the running ROAS carries over them.
OVER_TIME_SQL = f"""
with

channel_days as (

    select * from marts.fct_channel_daily

),

per_period as (

    select
        cast(date_trunc($1, report_date) as date) as period,
        channel,
        sum(cost) as spend,
        sum(leads) as leads,
        sum(revenue) as revenue
    from channel_days
    group by period, channel

),

periods as (

    select distinct period from per_period

),

channels as (

    select distinct channel from per_period

),

dense as (

    select
        periods.period,
        channels.channel,
        coalesce(per_period.spend, 0) as spend,
        coalesce(per_period.leads, 0) as leads,
        coalesce(per_period.revenue, 0) as revenue
    from periods
    cross join channels
    left join per_period
        on per_period.period = periods.period
        and per_period.channel = channels.channel

),

final as (

    select
        period,
        channel,
        spend,
        leads,
        revenue,
        {_ratio("roas", "sum(revenue) over to_date", "sum(spend) over to_date")}
            as roas_to_date
    from dense
    window to_date as (partition by channel order by period)

)

select * from final
order by period, channel
"""

FUNNEL_SQL = f"""
select
    utm_campaign,
    sum(leads) as leads,
    sum(opportunities) as opportunities,
    sum(closed_won) as closed_won,
    sum(revenue) as revenue,
    {_ratio("cvr_lead_to_opp")} as cvr_lead_to_opp,
    {_ratio("cvr_opp_to_won")} as cvr_opp_to_won
from marts.fct_funnel_daily
group by utm_campaign
order by leads desc, utm_campaign
"""

# Campaigns with spend only (ROAS needs a cost), best first; ties broken by name.
CAMPAIGN_ROAS_SQL = f"""
select
    channel,
    campaign_id,
    string_agg(distinct utm_campaign, ', ' order by utm_campaign) as utm_campaigns,
    sum(cost) as spend,
    sum(revenue) as revenue,
    {_ratio("roas")} as roas
from marts.fct_campaign_daily
where channel <> ''
group by channel, campaign_id
having sum(cost) > 0
order by roas desc, channel, campaign_id
"""

# Per channel and attribution model; channels by their spend (the same under every model).
MODEL_COMPARISON_SQL = f"""
select
    channel,
    attribution_model,
    sum(cost) as spend,
    sum(leads) as leads,
    sum(revenue) as revenue,
    {_ratio("cpa")} as cpa,
    {_ratio("roas")} as roas
from {ATTRIBUTION_MART.relation}
group by channel, attribution_model
order by sum(sum(cost)) over (partition by channel) desc, channel, attribution_model
"""

UNATTRIBUTED_SQL = """
select coalesce(sum(leads), 0), coalesce(sum(revenue), 0)
from marts.fct_campaign_daily
where channel = ''
"""

HEALTH_SQL = f"""
select
    status,
    count(*) as groups,
    sum(spend) as spend,
    sum(leads) as leads,
    sum(revenue) as revenue
from {TRACKING_HEALTH}
group by status
order by status
"""

LISTED_TYPOS = 10  # the likely UTM typos the page lists, most revenue first
TYPOS_SQL = f"""
select
    report_date,
    concat_ws('/', utm_campaign, utm_source, utm_medium) as triple,
    leads,
    revenue,
    suggested_triple
from {TRACKING_HEALTH}
where status = 'crm_without_ads' and suggested_triple is not null
order by revenue desc, leads desc, report_date, triple
limit $1
"""
