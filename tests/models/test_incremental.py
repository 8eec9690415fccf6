"""Incremental builds: a plain build after any load equals a full refresh and the contract."""

from __future__ import annotations

import datetime as dt

from helpers.marts import (
    CAMPAIGN,
    FUNNEL,
    all_marts,
    assert_marts_equal,
    assert_rows_match,
    full_refresh_marts,
)
from helpers.oracle import Oracle
from helpers.payloads import BASE_ADS, BASE_CRM, ads, crm


def test_second_identical_load_and_build_changes_nothing(warehouse):
    warehouse.load(BASE_ADS, BASE_CRM)
    warehouse.build()
    first = all_marts(warehouse)
    warehouse.load(BASE_ADS, BASE_CRM)
    warehouse.build()
    assert all_marts(warehouse) == first


def test_since_reload_restates_drops_and_progresses(warehouse):
    oracle = Oracle()
    for step in ((BASE_ADS, BASE_CRM, None),):
        warehouse.load(*step)
        oracle.load(*step)
    warehouse.build()
    before = warehouse.query(
        "select * from marts.fct_campaign_daily where report_date < '2025-08-03' order by all"
    )
    restated_ads = [
        ads(3, "C-1", clicks=30, cost=99.0),  # restated cost
        ads(3, "C-2", clicks=60, cost=4.5),
        ads(4, "C-1", clicks=40, cost=6.0),  # C-2 on 08-04 is gone
        ads(5, "C-1", clicks=50, cost=7.5),
        ads(5, "C-2", clicks=50, cost=7.5),
    ]
    progressed_crm = [
        crm("O-40", 4, stage="closed_won", amount=700),  # lead -> won
        crm("O-41", 4, stage="closed_lost"),
        crm("O-10", 1, stage="closed_won", amount=50),  # before since: skipped
    ]
    since = dt.date(2025, 8, 3)
    warehouse.load(restated_ads, progressed_crm, since=since)
    oracle.load(restated_ads, progressed_crm, since=since)
    warehouse.build()
    assert_rows_match(warehouse.query(FUNNEL), oracle.funnel())
    assert_rows_match(warehouse.query(CAMPAIGN), oracle.campaign())
    after = warehouse.query(
        "select * from marts.fct_campaign_daily where report_date < '2025-08-03' order by all"
    )
    assert after == before, "days before since are untouched (same rows, same load ids)"
    assert not warehouse.query(
        "select * from marts.fct_campaign_daily where report_date = '2025-08-04' "
        "and campaign_id = 'C-2'"
    )
    assert_marts_equal(all_marts(warehouse), full_refresh_marts(warehouse))


def test_late_stage_change_of_an_old_opportunity(warehouse):
    warehouse.load(BASE_ADS, BASE_CRM)
    warehouse.build()
    # Months later only the CRM changes: an old lead is won, another moves to another day.
    warehouse.load(
        [],
        [
            crm("O-10", 1, stage="closed_won", amount=900),
            crm("O-21", 5, stage="opportunity", hour=23),
        ],
    )
    warehouse.build()
    oracle = Oracle()
    oracle.load(BASE_ADS, BASE_CRM)
    oracle.load(
        [],
        [
            crm("O-10", 1, stage="closed_won", amount=900),
            crm("O-21", 5, stage="opportunity", hour=23),
        ],
    )
    assert_rows_match(warehouse.query(FUNNEL), oracle.funnel())
    assert_marts_equal(all_marts(warehouse), full_refresh_marts(warehouse))


def test_build_since_rebuilds_the_days_on_and_after(warehouse):
    warehouse.load(BASE_ADS, BASE_CRM)
    warehouse.build()
    ids = dict(
        warehouse.query(
            "select report_date, max(source_load_id) from marts.fct_channel_daily group by 1"
        )
    )
    warehouse.build(since="2025-08-04")
    assert_marts_equal(all_marts(warehouse), full_refresh_marts(warehouse))
    assert (
        dict(
            warehouse.query(
                "select report_date, max(source_load_id) from marts.fct_channel_daily group by 1"
            )
        )
        == ids
    )


# The property test (random load sequences against the oracle and a full refresh, the default
# settings among other attribution settings) is in test_attribution.py.


def test_a_window_of_ten_years_rebuilds_it_and_matches_the_oracle(warehouse):
    """The days a window touches become ranges (macro days_in): ten years is one range."""
    oracle = Oracle()
    decade = [dict(ads(1, "C-9", clicks=7), date="2015-08-01")] + BASE_ADS[:2]
    for step in ((BASE_ADS, BASE_CRM), (decade, [])):
        warehouse.load(*step)
        oracle.load(*step)
        warehouse.build()
    window = warehouse.query(
        "select window_start, window_end from raw.ads_load_windows order by _dlt_load_id"
    )[-1]
    assert window == (dt.date(2015, 8, 1), dt.date(2025, 8, 1))
    assert_rows_match(warehouse.query(FUNNEL), oracle.funnel())
    assert_rows_match(warehouse.query(CAMPAIGN), oracle.campaign())
    assert_marts_equal(all_marts(warehouse), full_refresh_marts(warehouse))
