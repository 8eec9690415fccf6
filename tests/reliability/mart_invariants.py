"""The CONTRACT's invariants of the marts, checked with SQL of the test's own.

Grain unique; measures present, finite and non-negative; each ratio NULL exactly when its
denominator is 0 (or so close to 0 that the ratio overflows), else finite and equal to the
division of the summed parts; totals that
reconcile with the clean staging rows (CONTRACT §4) and between the marts.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

GRAINS = {
    "fct_campaign_daily": (
        "report_date",
        "channel",
        "campaign_id",
        "utm_campaign",
        "utm_source",
        "utm_medium",
    ),
    "fct_funnel_daily": ("report_date", "utm_campaign", "utm_source", "utm_medium"),
    "fct_channel_daily": ("report_date", "channel"),
}
MEASURES = ("clicks", "impressions", "cost", "leads", "opportunities", "closed_won", "revenue")
RATIOS = {
    "cpc": ("cost", "clicks"),
    "cpa": ("cost", "leads"),
    "cvr_lead_to_opp": ("opportunities", "leads"),
    "cvr_opp_to_won": ("closed_won", "opportunities"),
    "roas": ("revenue", "cost"),
}
# A ratio beyond this (a denominator like 5e-324) has no finite value: it must be NULL too.
OVERFLOW = 1e300
CLEAN_TOTALS = """
    select
        (select coalesce(sum(clicks), 0) from staging.stg_ads__performance),
        (select coalesce(sum(impressions), 0) from staging.stg_ads__performance),
        (select coalesce(sum(cost), 0) from staging.stg_ads__performance),
        (select count(*) from staging.stg_crm__opportunities),
        (select count(*) filter (where stage in ('opportunity', 'closed_won', 'closed_lost'))
            from staging.stg_crm__opportunities),
        (select count(*) filter (where stage = 'closed_won') from staging.stg_crm__opportunities),
        (select coalesce(sum(amount) filter (where stage = 'closed_won'), 0)
            from staging.stg_crm__opportunities)
"""


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def mart_problems(warehouse: Path) -> list[str]:
    """Every broken invariant, described; an empty list when the marts keep the contract."""
    problems = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        clean = con.execute(CLEAN_TOTALS).fetchone()
        for mart, grain in GRAINS.items():
            keys = ", ".join(grain)
            rows, distinct = con.execute(
                f"select count(*), count(distinct ({keys})) from marts.{mart}"
            ).fetchone()
            if rows != distinct:
                problems.append(f"{mart}: {rows - distinct} rows repeat a grain")
            columns = ", ".join((*MEASURES, *RATIOS))
            for row in con.execute(f"select {columns} from marts.{mart}").fetchall():
                values = dict(zip((*MEASURES, *RATIOS), row, strict=True))
                problems += _row_problems(mart, values)
            sums = ", ".join(f"coalesce(sum({m}), 0)" for m in MEASURES)
            totals = con.execute(f"select {sums} from marts.{mart}").fetchone()
            for measure, got, want in zip(MEASURES, totals, clean, strict=True):
                if not _close(float(got), float(want)):
                    problems.append(f"{mart}: sum({measure}) = {got}, clean rows give {want}")
    return problems


def _row_problems(mart: str, values: dict) -> list[str]:
    problems = []
    for measure in MEASURES:
        value = values[measure]
        if value is None or not math.isfinite(value) or value < 0:
            problems.append(f"{mart}: {measure} = {value!r}")
    if mart == "fct_funnel_daily":
        for count in ("leads", "opportunities", "closed_won"):
            if values[count] is not None and values[count] != int(values[count]):
                problems.append(f"{mart}: {count} = {values[count]!r} is not a whole number")
    for ratio, (numerator, denominator) in RATIOS.items():
        got, num, den = values[ratio], values[numerator], values[denominator]
        if num is None or den is None:
            continue
        if den == 0 or not abs(num / den) <= OVERFLOW:
            if got is not None:
                problems.append(
                    f"{mart}: {ratio} = {got!r} with {numerator}/{denominator} = "
                    f"{num}/{den}, not a number"
                )
        elif got is None or not math.isfinite(got) or not _close(got, num / den):
            problems.append(f"{mart}: {ratio} = {got!r}, {numerator}/{denominator} = {num}/{den}")
        elif ratio.startswith("cvr") and got > 1 + 1e-9:
            problems.append(f"{mart}: {ratio} = {got!r} above 1")
    return problems
