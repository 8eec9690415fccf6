"""Every metric of the semantic layer, planned by MetricFlow and run on the published snapshot,
equals this test's own SQL over the marts: at each grain the marts have, and by week and by
month; on the shipped sample and on generated data with zero denominators.

The expected values are written here from the metric definitions of docs/contract.md §4 (sum,
then divide, NULL on a zero denominator; a trailing window of N days; the relative change
against the period one week or one month before), not from MetricFlow or the marts' ratio
columns.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import duckdb
import pytest
from helpers.generated import few_examples, loads
from helpers.warehouse_harness import Warehouse
from hypothesis import given

from semantic.layer import SemanticLayer
from warehouse.retention import archive

SIMPLE = {
    "spend": "cost",
    "clicks": "clicks",
    "impressions": "impressions",
    "leads": "leads",
    "opportunities": "opportunities",
    "closed_won": "closed_won",
    "revenue": "revenue",
}
RATIO = {
    "ctr": ("clicks", "impressions"),
    "cpc": ("cost", "clicks"),
    "cpa": ("cost", "leads"),
    "cvr_lead_to_opp": ("opportunities", "leads"),
    "cvr_opp_to_won": ("closed_won", "opportunities"),
    "roas": ("revenue", "cost"),
}
TRAILING = {
    "spend_trailing_7d": ("cost", 7),
    "spend_trailing_28d": ("cost", 28),
    "revenue_trailing_7d": ("revenue", 7),
    "revenue_trailing_28d": ("revenue", 28),
}
# The marts' grains, as group-by names and as the mart that has each grain.
GRAINS = {
    "campaign": (
        "fct_campaign_daily",
        ["channel", "campaign_id", "utm_campaign", "utm_source", "utm_medium"],
    ),
    "funnel": ("fct_funnel_daily", ["utm_campaign", "utm_source", "utm_medium"]),
    "channel": ("fct_channel_daily", ["channel"]),
}


class Snapshot:
    """The published snapshot and its semantic layer: MetricFlow's rows, and this test's own."""

    def __init__(self, site: Warehouse) -> None:
        self.layer = SemanticLayer(site.paths.semantic_manifest_path)
        self.con = duckdb.connect()
        self.con.execute(f"attach '{site.paths.snapshot_path}' as warehouse (read_only)")
        self.con.execute("use warehouse")

    def metricflow(self, metrics: list[str], group_by: list[str]) -> dict[tuple, tuple]:
        self.con.execute(self.layer.plan(metrics, group_by))
        names = [column[0] for column in self.con.description]
        keys = [names.index(name) for name in group_by]
        values = [names.index(name) for name in metrics]
        return {
            tuple(_day(row[i]) for i in keys): tuple(row[i] for i in values)
            for row in self.con.fetchall()
        }

    def expected(self, sql: str) -> dict[tuple, tuple]:
        """Rows of (the group's keys..., the metric's values...): keyed by the first ones."""
        rows = self.con.execute(sql).fetchall()
        width = len(self.con.description)
        split = width - self._values
        return {tuple(_day(v) for v in row[:split]): tuple(row[split:]) for row in rows}

    def compare(self, metrics: list[str], group_by: list[str], sql: str) -> int:
        self._values = len(metrics)
        got, want = self.metricflow(metrics, group_by), self.expected(sql)
        assert got.keys() == want.keys(), (metrics, group_by, got.keys() ^ want.keys())
        for key, values in want.items():
            for name, a, b in zip(metrics, got[key], values, strict=True):
                assert _same(a, b), (name, group_by, key, a, b)
        return len(want)


def _day(value):
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def _ratio(numerator: str, denominator: str) -> str:
    return (
        f"case when sum({denominator}) = 0 then null "
        f"else cast(sum({numerator}) as double) / sum({denominator}) end"
    )


def _period(grain: str) -> str:
    return "report_date" if grain == "day" else f"cast(date_trunc('{grain}', report_date) as date)"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    with pytest.MonkeyPatch.context() as patch:
        site = Warehouse(tmp_path_factory.mktemp("semantic-sample"), patch)
        assert site.load(None, None)["status"] == "ok"
        site.build()
    snapshot = Snapshot(site)
    yield snapshot
    snapshot.con.close()


def compare_at_grain(snapshot: Snapshot, grain: str) -> int:
    mart, dimensions = GRAINS[grain]
    metrics = [*SIMPLE, *RATIO]
    group_by = ["metric_time__day", *(f"campaign_day__{d}" for d in dimensions)]
    columns = ", ".join(["report_date", *dimensions])
    values = [f"sum({SIMPLE[m]})" for m in SIMPLE] + [_ratio(*RATIO[m]) for m in RATIO]
    return snapshot.compare(
        metrics,
        group_by,
        f"select {columns}, {', '.join(values)} from marts.{mart} group by all",
    )


@pytest.mark.parametrize("grain", GRAINS)
def test_simple_and_ratio_metrics_at_each_grain_of_the_marts(sample, grain):
    assert compare_at_grain(sample, grain) > 100


# A few examples: each costs its loads and builds (a few seconds each).
@few_examples(3)
@given(steps=loads)
def test_on_generated_loads_with_zero_denominators(tmp_path_factory, monkeypatch, steps):
    site = Warehouse(tmp_path_factory.mktemp("semantic-generated"), monkeypatch)
    for ads_batch, crm_batch, since in steps:
        site.load(ads_batch, crm_batch, since=since)
    site.build()
    snapshot = Snapshot(site)
    try:
        for grain in GRAINS:
            compare_at_grain(snapshot, grain)
    finally:
        snapshot.con.close()


@pytest.mark.parametrize("grain", ["week", "month"])
@pytest.mark.parametrize("by_channel", [False, True])
def test_simple_and_ratio_metrics_by_week_and_month(sample, grain, by_channel):
    metrics = [*SIMPLE, *RATIO]
    group_by = [f"metric_time__{grain}"] + (["campaign_day__channel"] if by_channel else [])
    keys = _period(grain) + (", channel" if by_channel else "")
    values = [f"sum({SIMPLE[m]})" for m in SIMPLE] + [_ratio(*RATIO[m]) for m in RATIO]
    rows = sample.compare(
        metrics,
        group_by,
        f"select {keys}, {', '.join(values)} from marts.fct_channel_daily group by all",
    )
    assert rows >= 2


def _trailing_sql(column: str, days: int) -> str:
    """Each day from the first day with data to the last: the sum of that day and the N - 1
    days before it (days without data count 0; a day whose window holds no row has none)."""
    return f"""
        with days as (
            select cast(unnest(range(min(report_date), max(report_date) + 1,
                interval 1 day)) as date) as day
            from marts.fct_channel_daily
        )
        select days.day, sum({column}) as value
        from days
        join marts.fct_channel_daily as m
            on m.report_date > days.day - {days} and m.report_date <= days.day
        group by 1
    """


def test_trailing_windows_by_day(sample):
    for metric, (column, days) in TRAILING.items():
        assert sample.compare([metric], ["metric_time__day"], _trailing_sql(column, days)) >= 39


@pytest.mark.parametrize("grain", ["week", "month"])
def test_trailing_windows_by_week_and_month_are_their_first_days(sample, grain):
    """By a coarser period, a trailing window's value is the one of the period's first day
    (MetricFlow's default for cumulative metrics, docs/querying.md)."""
    for metric, (column, days) in TRAILING.items():
        sql = f"""
            with by_day as ({_trailing_sql(column, days)})
            select cast(date_trunc('{grain}', day) as date) as period,
                arg_min(value, day)
            from by_day
            group by 1
        """
        assert sample.compare([metric], [f"metric_time__{grain}"], sql) >= 2


@pytest.mark.parametrize(
    ("metric", "measure", "grain", "offset"),
    [
        ("spend_wow", "sum(cost)", "day", "interval 7 day"),
        ("spend_wow", "sum(cost)", "week", "interval 7 day"),
        ("roas_wow", _ratio("revenue", "cost"), "day", "interval 7 day"),
        ("roas_wow", _ratio("revenue", "cost"), "week", "interval 7 day"),
        ("spend_mom", "sum(cost)", "day", "interval 1 month"),
        ("spend_mom", "sum(cost)", "month", "interval 1 month"),
        ("roas_mom", _ratio("revenue", "cost"), "month", "interval 1 month"),
    ],
)
def test_period_over_period_change(sample, metric, measure, grain, offset):
    """(value - value one period before) / value one period before; NULL when that one is 0
    or missing; a row for every period with a value."""
    period = _period(grain)
    sql = f"""
        with periods as (
            select {period} as period, {measure} as value
            from marts.fct_channel_daily
            group by 1
        )
        select now.period,
            (now.value - before.value) / nullif(before.value, 0)
        from periods as now
        left join periods as before
            on before.period = cast(now.period - {offset} as date)
    """
    assert sample.compare([metric], [f"metric_time__{grain}"], sql) >= 2


def test_archived_months_still_count(tmp_path, monkeypatch):
    """The semantic model reads the campaign mart's history: after `make archive` moved July
    to the lake, spend and ROAS by month are what they were before."""
    site = Warehouse(tmp_path, monkeypatch)
    assert site.load(None, None)["status"] == "ok"
    site.build()
    metrics, group_by = ["spend", "roas"], ["metric_time__month"]
    before = Snapshot(site)
    by_month = before.metricflow(metrics, group_by)
    before.con.close()
    moved = archive(site.paths, dt.date(2025, 9, 15), 1)["moved"]
    assert "marts.fct_campaign_daily" in {item["relation"] for item in moved}
    after = Snapshot(site)
    try:
        (hot_july,) = after.con.execute(
            "select count(*) from marts.fct_campaign_daily where report_date < '2025-08-01'"
        ).fetchone()
        assert hot_july == 0
        assert after.metricflow(metrics, group_by) == by_month
        assert len(by_month) == 2  # July and August 2025
    finally:
        after.con.close()


@pytest.fixture(scope="module")
def sample_with_lookback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    """The shipped sample built with a lookback of 3 days (the models then differ)."""
    with pytest.MonkeyPatch.context() as patch:
        site = Warehouse(tmp_path_factory.mktemp("semantic-lookback"), patch)
        patch.setenv("ATTRIBUTION_LOOKBACK_DAYS", "3")
        assert site.load(None, None)["status"] == "ok"
        site.build()
    snapshot = Snapshot(site)
    yield snapshot
    snapshot.con.close()


@pytest.mark.parametrize("by", [[], ["channel"]])
def test_the_attribution_model_is_a_dimension_of_the_comparison(sample_with_lookback, by):
    """The attributed metrics by attribution model (and channel) are the comparison mart's
    sums, and the models do differ there."""
    metrics = [
        "attributed_spend",
        "attributed_leads",
        "attributed_revenue",
        "attributed_cpa",
        "attributed_roas",
    ]
    keys = ["attribution_model", *by]
    values = ["sum(cost)", "sum(leads)", "sum(revenue)", _ratio("cost", "leads")]
    values.append(_ratio("revenue", "cost"))
    rows = sample_with_lookback.compare(
        metrics,
        [f"attribution_day__{key}" for key in keys],
        f"select {', '.join(keys)}, {', '.join(values)} "
        "from marts.fct_attribution_daily group by all",
    )
    assert rows >= 5
    revenue_by_channel = sample_with_lookback.metricflow(
        ["attributed_revenue"], ["attribution_day__attribution_model", "attribution_day__channel"]
    )
    google = {key[0]: value for key, value in revenue_by_channel.items() if key[1] == "google_ads"}
    assert len(set(google.values())) > 1, google
