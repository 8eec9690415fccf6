"""The metrics API of the earlier Go versions, answered from the marts of the snapshot.

`/metrics/channel` pages through `marts.fct_campaign_daily`; `/metrics/funnel` returns the rows
of `marts.fct_funnel_daily` and their totals, with ratios recomputed from the summed numerators
and denominators (never averaged ratios; NULL when a denominator is 0, CONTRACT §4).
Every value from the request is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from warehouse.catalog import MEASURES, RATIO_NAMES, RATIOS, UTMS, safe_ratio_sql

CAMPAIGN_KEY = ("channel", "campaign_id", *UTMS)
CAMPAIGN_ORDER = ", ".join(("report_date", *CAMPAIGN_KEY))
FUNNEL_ORDER = ", ".join(("report_date", *UTMS))

CAMPAIGN_COLUMNS = ", ".join(("report_date as date", *CAMPAIGN_KEY, *MEASURES, *RATIO_NAMES))
FUNNEL_COLUMNS = ", ".join(("report_date as date", *UTMS, *MEASURES, *RATIO_NAMES))

CHANNEL_FILTER = """
    where ($from_date::date is null or report_date >= $from_date::date)
        and ($to_date::date is null or report_date <= $to_date::date)
        and ($channel::varchar is null or channel = lower($channel::varchar))
"""
FUNNEL_FILTER = """
    where ($from_date::date is null or report_date >= $from_date::date)
        and ($to_date::date is null or report_date <= $to_date::date)
        and ($utm_campaign::varchar is null or utm_campaign = lower($utm_campaign::varchar))
"""


@dataclass(frozen=True)
class ChannelQuery:
    from_date: dt.date | None
    to_date: dt.date | None
    channel: str | None
    limit: int
    offset: int


@dataclass(frozen=True)
class FunnelQuery:
    from_date: dt.date | None
    to_date: dt.date | None
    utm_campaign: str | None


def _records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [column[0] for column in cursor.description]
    return [
        {
            name: value.isoformat() if isinstance(value, dt.date) else value
            for name, value in zip(names, row, strict=True)
        }
        for row in cursor.fetchall()
    ]


def channel_rows(cursor: duckdb.DuckDBPyConnection, query: ChannelQuery) -> dict[str, Any]:
    """One page of campaign-days in a stable order, and how many match in total."""
    params = {"from_date": query.from_date, "to_date": query.to_date, "channel": query.channel}
    (total,) = cursor.execute(
        f"select count(*) from marts.fct_campaign_daily {CHANNEL_FILTER}", params
    ).fetchone()
    cursor.execute(
        f"""
        select {CAMPAIGN_COLUMNS}
        from marts.fct_campaign_daily
        {CHANNEL_FILTER}
        order by {CAMPAIGN_ORDER}
        limit $limit offset $offset
        """,
        {**params, "limit": query.limit, "offset": query.offset},
    )
    return {
        "data": _records(cursor),
        "count": total,
        "limit": query.limit,
        "offset": query.offset,
    }


def campaign_day(cursor: duckdb.DuckDBPyConnection, day: dt.date) -> list[dict[str, Any]]:
    """Every campaign row of one day, in the order of `/metrics/channel` (for the export)."""
    cursor.execute(
        f"""
        select {CAMPAIGN_COLUMNS}
        from marts.fct_campaign_daily
        where report_date = $day
        order by {CAMPAIGN_ORDER}
        """,
        {"day": day},
    )
    return _records(cursor)


def funnel(cursor: duckdb.DuckDBPyConnection, query: FunnelQuery) -> dict[str, Any]:
    """The funnel rows of the range and their totals."""
    params = {
        "from_date": query.from_date,
        "to_date": query.to_date,
        "utm_campaign": query.utm_campaign,
    }
    cursor.execute(
        f"select {FUNNEL_COLUMNS} from marts.fct_funnel_daily {FUNNEL_FILTER} "
        f"order by {FUNNEL_ORDER}",
        params,
    )
    rows = _records(cursor)
    sums = [f"coalesce(sum({m}), 0) as {m}" for m in MEASURES]
    ratios = [f"{safe_ratio_sql(r)} as {r.name}" for r in RATIOS]
    cursor.execute(
        f"select {', '.join(sums + ratios)} from marts.fct_funnel_daily {FUNNEL_FILTER}", params
    )
    (totals,) = _records(cursor)
    return {"data": rows, "count": len(rows), "totals": totals}
