"""Attribution (CONTRACT §4): a lookback of k days and five models, checked on an example
computed by hand, against the oracle after random loads, and with the settings' life cycle
(a bad value stops the build in one line; a change rebuilds every day)."""

from __future__ import annotations

import pytest
from helpers.generated import few_examples, loads
from helpers.marts import (
    CAMPAIGN,
    FUNNEL,
    all_marts,
    assert_marts_equal,
    assert_rows_match,
    full_refresh_marts,
)
from helpers.oracle import Oracle
from helpers.payloads import ads, crm
from helpers.warehouse_harness import Warehouse
from hypothesis import given
from hypothesis import strategies as st

from warehouse.build import main as build_main
from warehouse.catalog import ATTRIBUTION_MART, ATTRIBUTION_MODELS, TRACKING_HEALTH

T = ("a", "b", "c")  # the triple with Ads on days 1-3
U = ("z", "y", "x")  # Ads on day 4 with zero clicks only
ORPHAN = ("orphan", "newsletter", "email")  # no Ads ever
TYPO = ("a", "bb", "c")  # CRM of day 3 whose source was mistyped

# Ads of T: day 1 clicks 30 and 10, day 2 two rows with 0 clicks, day 3 one row with 40.
EXAMPLE_ADS = [
    ads(1, "C-1", clicks=30, cost=3.0, triple=T),
    ads(1, "C-2", clicks=10, cost=1.0, triple=T),
    ads(2, "C-1", clicks=0, cost=2.0, triple=T),
    ads(2, "C-2", clicks=0, cost=0.0, triple=T),
    ads(3, "C-1", clicks=40, cost=4.0, triple=T),
    ads(3, "C-5", clicks=40, cost=1.0, triple=("a", "b", "d")),
    ads(3, "C-6", clicks=5, cost=1.0, triple=("a", "zz", "c")),
    ads(4, "C-9", clicks=0, cost=1.0, triple=U),
    ads(4, "C-8", clicks=0, cost=1.0, triple=U),
]
EXAMPLE_CRM = [
    crm("O-21", 2, triple=T),  # group (2, T): 1 lead
    crm("O-31", 3, stage="closed_won", amount=1000, triple=T),  # group (3, T): 4 leads, 1000
    crm("O-32", 3, triple=T),
    crm("O-33", 3, triple=T),
    crm("O-34", 3, stage="opportunity", triple=T),
    crm("O-51", 5, triple=U),  # group (5, U): 2 leads; candidates: day 4, zero clicks
    crm("O-52", 5, triple=U),
    crm("O-53", 5, stage="closed_won", amount=800, triple=ORPHAN),  # unattributed
    crm("O-61", 6, triple=T),  # day 6: T's Ads (days 1-3) are out of a 2-day lookback
    crm("O-35", 3, triple=TYPO),  # unattributed; tracking health suggests a/b/c
]

# k = 2, h = 1, worked by hand. Groups: G2 = (day 2, T) 1 lead; G3 = (day 3, T) 4 leads and
# 1000 revenue; (5, U) 2 leads; three groups without candidates.
# G2's candidates: day 1 (C-1 30, C-2 10 clicks), day 2 (C-1, C-2: 0 clicks).
# G3's candidates: those and day 3 (C-1 40 clicks): 80 clicks in all.
# time_decay, h = 1: G2's days 1, 2 weigh 2^-1, 2^0 -> 1/3, 2/3; G3's days 1, 2, 3 weigh
# 1/4, 1/2, 1 -> 1/7, 2/7, 4/7.
# Per model: {(day, campaign): (leads, revenue)} on T's rows; every other row below.
EXPECTED_T = {
    "click_share": {  # G2 by 30:10:0:0, G3 by 30:10:0:0:40
        (1, "C-1"): (3 / 4 + 4 * 3 / 8, 1000 * 3 / 8),
        (1, "C-2"): (1 / 4 + 4 * 1 / 8, 1000 * 1 / 8),
        (2, "C-1"): (0, 0),
        (2, "C-2"): (0, 0),
        (3, "C-1"): (4 * 1 / 2, 1000 * 1 / 2),
    },
    "last_touch": {  # G2: day 2, 0 clicks -> equal halves; G3: day 3 whole
        (1, "C-1"): (0, 0),
        (1, "C-2"): (0, 0),
        (2, "C-1"): (1 / 2, 0),
        (2, "C-2"): (1 / 2, 0),
        (3, "C-1"): (4, 1000),
    },
    "first_touch": {  # G2 and G3: day 1 by 30:10
        (1, "C-1"): (3 / 4 + 4 * 3 / 4, 750),
        (1, "C-2"): (1 / 4 + 4 * 1 / 4, 250),
        (2, "C-1"): (0, 0),
        (2, "C-2"): (0, 0),
        (3, "C-1"): (0, 0),
    },
    "linear": {  # G2: 1/2 per day; G3: 1/3 per day; within a day 30:10 or halves
        (1, "C-1"): (1 / 2 * 3 / 4 + 4 * 1 / 3 * 3 / 4, 1000 * 1 / 3 * 3 / 4),
        (1, "C-2"): (1 / 2 * 1 / 4 + 4 * 1 / 3 * 1 / 4, 1000 * 1 / 3 * 1 / 4),
        (2, "C-1"): (1 / 2 * 1 / 2 + 4 * 1 / 3 * 1 / 2, 1000 * 1 / 3 * 1 / 2),
        (2, "C-2"): (1 / 2 * 1 / 2 + 4 * 1 / 3 * 1 / 2, 1000 * 1 / 3 * 1 / 2),
        (3, "C-1"): (4 * 1 / 3, 1000 * 1 / 3),
    },
    "time_decay": {  # G2: 1/3, 2/3 per day; G3: 1/7, 2/7, 4/7
        (1, "C-1"): (1 / 3 * 3 / 4 + 4 * 1 / 7 * 3 / 4, 1000 * 1 / 7 * 3 / 4),
        (1, "C-2"): (1 / 3 * 1 / 4 + 4 * 1 / 7 * 1 / 4, 1000 * 1 / 7 * 1 / 4),
        (2, "C-1"): (2 / 3 * 1 / 2 + 4 * 2 / 7 * 1 / 2, 1000 * 2 / 7 * 1 / 2),
        (2, "C-2"): (2 / 3 * 1 / 2 + 4 * 2 / 7 * 1 / 2, 1000 * 2 / 7 * 1 / 2),
        (3, "C-1"): (4 * 4 / 7, 1000 * 4 / 7),
    },
}
# The same under every model: (day, channel, campaign, triple): (leads, revenue).
EXPECTED_OTHER = {
    (3, "google_ads", "C-5", ("a", "b", "d")): (0, 0),
    (3, "google_ads", "C-6", ("a", "zz", "c")): (0, 0),
    (4, "google_ads", "C-9", U): (1, 0),  # (5, U): 2 leads, 0 clicks -> equal halves
    (4, "google_ads", "C-8", U): (1, 0),
    (5, "", "", ORPHAN): (1, 800),  # no Ads of its triple: unattributed, on its day
    (6, "", "", T): (1, 0),  # T's Ads are 3+ days before day 6: unattributed
    (3, "", "", TYPO): (1, 0),
}
COST = {(1, "C-1"): 3.0, (1, "C-2"): 1.0, (2, "C-1"): 2.0, (2, "C-2"): 0.0, (3, "C-1"): 4.0}


def expected_rows(model: str) -> dict[tuple, tuple]:
    """{(day, channel, campaign_id, triple): (cost, leads, revenue)} of one model, by hand."""
    rows = {
        (day, "google_ads", campaign, T): (COST[day, campaign], leads, revenue)
        for (day, campaign), (leads, revenue) in EXPECTED_T[model].items()
    }
    costs = {"C-5": 1.0, "C-6": 1.0, "C-9": 1.0, "C-8": 1.0, "": 0.0}
    for key, (leads, revenue) in EXPECTED_OTHER.items():
        rows[key] = (costs[key[2]], leads, revenue)
    return rows


def rows_by_key(rows: list[tuple]) -> dict[tuple, tuple]:
    """(date, channel, campaign, utm x3, cost, leads, revenue) -> {(day, ...): (...)}."""
    return {(r[0].day, r[1], r[2], tuple(r[3:6])): tuple(r[6:]) for r in rows}


def assert_close(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key, values in expected.items():
        assert got[key] == pytest.approx(values, abs=1e-9), key


@pytest.fixture(scope="module")
def example():
    """The example loaded and built once, k = 2, h = 1, the campaign marts under time_decay."""
    with pytest.MonkeyPatch.context() as mp:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            warehouse = Warehouse(Path(folder), mp)
            mp.setenv("ATTRIBUTION_LOOKBACK_DAYS", "2")
            mp.setenv("ATTRIBUTION_HALF_LIFE_DAYS", "1")
            mp.setenv("ATTRIBUTION_MODEL", "time_decay")
            warehouse.load(EXAMPLE_ADS, EXAMPLE_CRM)
            warehouse.build()
            yield warehouse


@pytest.mark.parametrize("model", ATTRIBUTION_MODELS)
def test_each_model_gives_the_hand_computed_credit(example, model):
    got = example.query(
        f"select report_date, channel, campaign_id, utm_campaign, utm_source, utm_medium, "
        f"cost, leads, revenue from {ATTRIBUTION_MART.relation} where attribution_model = ?",
        [model],
    )
    assert_close(rows_by_key(got), expected_rows(model))


def test_the_campaign_marts_hold_the_configured_model(example):
    got = example.query(
        "select report_date, channel, campaign_id, utm_campaign, utm_source, utm_medium, "
        "cost, leads, revenue from marts.fct_campaign_daily"
    )
    assert_close(rows_by_key(got), expected_rows("time_decay"))
    # 2025-08-01 per channel: time_decay's C-1 and C-2 of day 1, nothing else that day.
    channel = example.query(
        "select leads, revenue from marts.fct_channel_daily where report_date = '2025-08-01'"
    )
    assert channel[0] == pytest.approx((1 / 3 + 4 / 7, 1000 / 7))


def test_totals_are_conserved_under_every_model(example):
    totals = example.query(
        f"select attribution_model, sum(leads), sum(opportunities), sum(closed_won), "
        f"sum(revenue), sum(cost) from {ATTRIBUTION_MART.relation} group by 1"
    )
    assert len(totals) == 5
    for _, leads, opportunities, won, revenue, cost in totals:
        # 10 opportunities, 2 of them past lead (O-31 won, O-34), 2 won (1000 + 800).
        assert (leads, opportunities, won, revenue) == pytest.approx((10, 3, 2, 1800))
        assert cost == pytest.approx(14.0)


def test_funnel_mart_keeps_whole_counts_on_the_crm_day(example):
    rows = example.query(
        "select report_date, leads, revenue from marts.fct_funnel_daily "
        "where utm_campaign = 'a' and utm_source = 'b' and utm_medium = 'c' order by 1"
    )
    assert [(r[0].day, r[1], r[2]) for r in rows] == [
        (1, 0, 0),
        (2, 1, 0),
        (3, 4, 1000),
        (6, 1, 0),
    ]


def test_tracking_health_by_hand(example):
    rows = example.query(
        f"select report_date, utm_campaign, utm_source, utm_medium, spend, leads, revenue, "
        f"status, suggested_triple from {TRACKING_HEALTH} order by all"
    )
    got = {(r[0].day, tuple(r[1:4])): r[4:] for r in rows}
    assert got == {
        (1, T): (4.0, 0, 0, "spend_without_crm", None),
        (2, T): (2.0, 1, 0, "matched", None),
        (3, T): (4.0, 4, 1000, "matched", None),
        (3, ("a", "b", "d")): (1.0, 0, 0, "spend_without_crm", None),
        (3, ("a", "zz", "c")): (1.0, 0, 0, "spend_without_crm", None),
        # a/b/c and a/b/d have 40 clicks each, a/zz/c 5: the smallest text of the two wins
        (3, TYPO): (0.0, 1, 0, "crm_without_ads", "a/b/c"),
        (4, U): (2.0, 0, 0, "spend_without_crm", None),
        (5, U): (0.0, 2, 0, "crm_without_ads", None),  # no Ads of campaign z on day 5
        (5, ORPHAN): (0.0, 1, 800, "crm_without_ads", None),
        (6, T): (0.0, 1, 0, "crm_without_ads", None),
    }


def test_the_marts_record_their_attribution_settings(example):
    recorded = dict(example.query("select setting, value from audit.build_settings"))
    assert recorded == {
        "reporting_timezone": "UTC",
        "attribution_lookback_days": "2",
        "attribution_model": "time_decay",
        "attribution_half_life_days": "1.0",
    }


# --- k = 0: the single-day rule of before, under every model ---------------------------------


def test_lookback_zero_is_click_share_of_the_day_under_every_model(warehouse, monkeypatch):
    monkeypatch.setenv("ATTRIBUTION_MODEL", "first_touch")
    warehouse.load(EXAMPLE_ADS, EXAMPLE_CRM)
    warehouse.build()
    oracle = Oracle()
    oracle.load(EXAMPLE_ADS, EXAMPLE_CRM)
    assert_rows_match(warehouse.query(CAMPAIGN), oracle.campaign())
    by_model = warehouse.query(
        f"select * exclude (attribution_model) from {ATTRIBUTION_MART.relation} "
        f"where attribution_model = ? order by all",
        ["click_share"],
    )
    for model in ATTRIBUTION_MODELS:
        assert (
            warehouse.query(
                f"select * exclude (attribution_model) from {ATTRIBUTION_MART.relation} "
                f"where attribution_model = ? order by all",
                [model],
            )
            == by_model
        )
    # (2, T) has Ads on its day (0 clicks): halves; (3, T) goes whole to C-1 of day 3.
    day2 = warehouse.query(
        "select campaign_id, leads from marts.fct_campaign_daily "
        "where report_date = '2025-08-02' order by 1"
    )
    assert day2 == [("C-1", 0.5), ("C-2", 0.5)]


# --- the settings' life cycle -------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("ATTRIBUTION_LOOKBACK_DAYS", "-1"),
        ("ATTRIBUTION_LOOKBACK_DAYS", "1.5"),
        ("ATTRIBUTION_MODEL", "position_based"),
        ("ATTRIBUTION_HALF_LIFE_DAYS", "0"),
        ("ATTRIBUTION_HALF_LIFE_DAYS", "soon"),
    ],
)
def test_a_bad_setting_stops_make_build_with_one_line(
    warehouse, monkeypatch, capsys, setting, value
):
    monkeypatch.setenv(setting, value)
    assert build_main([]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and setting in err[0] and repr(value) in err[0], err


def test_a_bad_setting_stops_plain_dbt_build_naming_it(warehouse, monkeypatch):
    from dbt.cli.main import dbtRunner

    from warehouse.build import dbt_args, release_duckdb

    monkeypatch.setenv("ATTRIBUTION_MODEL", "position_based")
    try:
        result = dbtRunner().invoke(dbt_args("build"))
    finally:
        release_duckdb()
    assert not result.success
    assert "ATTRIBUTION_MODEL (var attribution_model) must be one of" in str(result.exception)


def test_a_change_of_attribution_settings_rebuilds_every_day(warehouse, monkeypatch, capsys):
    warehouse.load(EXAMPLE_ADS, EXAMPLE_CRM)
    warehouse.build()
    monkeypatch.setenv("ATTRIBUTION_LOOKBACK_DAYS", "2")
    monkeypatch.setenv("ATTRIBUTION_MODEL", "last_touch")
    capsys.readouterr()
    warehouse.build()
    assert (
        "Settings changed since the marts were built (attribution_lookback_days: 0 -> 2; "
        "attribution_model: click_share -> last_touch): rebuilding every day (full refresh)."
        in capsys.readouterr().out
    )
    oracle = Oracle()
    oracle.load(EXAMPLE_ADS, EXAMPLE_CRM)
    assert_rows_match(warehouse.query(CAMPAIGN), oracle.campaign("last_touch", 2))


ATTRIBUTION_QUERY = (
    "select attribution_model, report_date, channel, campaign_id, utm_campaign, utm_source, "
    "utm_medium, clicks, impressions, cost, leads, opportunities, closed_won, revenue "
    f"from {ATTRIBUTION_MART.relation} order by all"
)


def test_a_warehouse_recorded_before_the_attribution_settings_counts_as_default(
    warehouse, monkeypatch, capsys
):
    """Marts built by the release before these settings recorded the zone only: they were
    built with the defaults, so a build with a lookback rebuilds every day."""
    import duckdb

    warehouse.load(EXAMPLE_ADS, EXAMPLE_CRM)
    warehouse.build()
    with duckdb.connect(str(warehouse.paths.duckdb_path)) as con:
        con.execute("delete from audit.build_settings where setting like 'attribution%'")
    monkeypatch.setenv("ATTRIBUTION_LOOKBACK_DAYS", "2")
    capsys.readouterr()
    warehouse.build()
    assert "(attribution_lookback_days: 0 -> 2): rebuilding every day" in capsys.readouterr().out
    oracle = Oracle()
    oracle.load(EXAMPLE_ADS, EXAMPLE_CRM)
    assert_rows_match(warehouse.query(CAMPAIGN), oracle.campaign("click_share", 2))


# --- incremental: the days a change reaches under a lookback ---------------------------------


def test_a_crm_change_and_an_ads_change_rebuild_the_days_they_reach(warehouse, monkeypatch):
    """A CRM change on day D moves credit on days D-k..D; an Ads change on day d moves the
    credit of the groups of d..d+k, which lands on d-k..d+k: a plain build rebuilds them.
    (The days a change reaches do not depend on the model; time decay weighs every day.)"""
    model = "time_decay"
    monkeypatch.setenv("ATTRIBUTION_LOOKBACK_DAYS", "2")
    monkeypatch.setenv("ATTRIBUTION_MODEL", model)
    oracle = Oracle()
    steps = [
        (EXAMPLE_ADS, EXAMPLE_CRM),
        ([], [crm("O-32", 3, stage="closed_won", amount=50, triple=T)]),  # day 3's group
        ([ads(2, "C-1", clicks=90, cost=2.0, triple=T)], []),  # day 2 only (window 2..2)
        ([], [crm("O-61", 3, triple=T, hour=5)]),  # from day 6 (unattributed) to day 3
    ]
    for ads_batch, crm_batch in steps:
        warehouse.load(ads_batch, crm_batch)
        oracle.load(ads_batch, crm_batch)
        warehouse.build()
        assert_rows_match(warehouse.query(CAMPAIGN), oracle.campaign(model, 2))
        assert_rows_match(
            warehouse.query(ATTRIBUTION_QUERY), oracle.attribution(ATTRIBUTION_MODELS, 2)
        )
    assert_marts_equal(all_marts(warehouse), full_refresh_marts(warehouse))


# --- property: random loads, a few (model, k) pairs, against the oracle and a full refresh ---
# The one property test of incremental builds: k = 0 (the default settings) is one of the pairs.

PAIRS = [
    ("click_share", 0),
    ("time_decay", 2),
    ("last_touch", 1),
    ("linear", 3),
    ("first_touch", 2),
]


# Each example costs a few dbt builds: few examples, no shrinking (helpers.generated).
@few_examples(5)
@given(steps=loads, pair=st.sampled_from(PAIRS))
def test_incremental_with_a_lookback_equals_the_oracle_and_a_full_refresh(
    tmp_path_factory, monkeypatch, steps, pair
):
    model, lookback = pair
    warehouse = Warehouse(tmp_path_factory.mktemp("attribution"), monkeypatch)
    monkeypatch.setenv("ATTRIBUTION_MODEL", model)
    monkeypatch.setenv("ATTRIBUTION_LOOKBACK_DAYS", str(lookback))
    monkeypatch.setenv("ATTRIBUTION_HALF_LIFE_DAYS", "1.5")
    oracle = Oracle()
    for ads_batch, crm_batch, since in steps:
        warehouse.load(ads_batch, crm_batch, since=since)
        oracle.load(ads_batch, crm_batch, since=since)
        warehouse.build()
        assert_rows_match(warehouse.query(FUNNEL), oracle.funnel())
        assert_rows_match(warehouse.query(CAMPAIGN), oracle.campaign(model, lookback, 1.5))
        assert_rows_match(
            warehouse.query(ATTRIBUTION_QUERY),
            oracle.attribution(ATTRIBUTION_MODELS, lookback, 1.5),
        )
        assert_rows_match(
            warehouse.query(
                f"select * exclude (source_load_id) from {TRACKING_HEALTH} order by all"
            ),
            oracle.tracking_health(),
        )
    assert_marts_equal(all_marts(warehouse), full_refresh_marts(warehouse))
