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
from helpers.warehouse_harness import Warehouse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st


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


# --- property: random sequences of small loads that follow the contract --------------------

TRIPLES = [("spring", "google", "cpc"), ("spring", "meta", "paid_social"), (None, "  ", "cpc")]
CAMPAIGNS = [
    ("C-1", "google_ads"),
    ("C-2", "google_ads"),
    ("C-3", "meta_ads"),
    ("C-4", "Meta_Ads "),
]


def messy(text):
    return st.sampled_from([text, text.upper() if text else text, f" {text} " if text else text])


@st.composite
def ads_records(draw):
    day = draw(st.integers(1, 6))
    campaign, channel = draw(st.sampled_from(CAMPAIGNS))
    triple = draw(st.sampled_from(TRIPLES))
    return {
        "date": f"2025-08-{day:02d}",
        "campaign_id": campaign,
        "channel": draw(messy(channel)),
        "clicks": draw(st.sampled_from([0, 0, 3, 10, 25, -5])),
        "impressions": draw(st.integers(-10, 500)),
        "cost": draw(st.sampled_from([0.0, 1.25, 10.0, 33.3, -2.0])),
        "utm_campaign": triple[0],
        "utm_source": triple[1],
        "utm_medium": triple[2],
    }


@st.composite
def crm_records(draw):
    day = draw(st.integers(1, 6))
    hour = draw(st.integers(0, 23))
    offset = draw(st.sampled_from(["Z", "+02:00", "-05:00", ""]))
    separator = " " if offset == "" else "T"
    triple = draw(st.sampled_from(TRIPLES + [("orphan", "newsletter", "email")]))
    return {
        "opportunity_id": f"O-{draw(st.integers(1, 8))}",
        "contact_email": "someone@example.com",
        "stage": draw(
            st.sampled_from(
                ["lead", "opportunity", "closed_won", "closed_lost", " Closed_Won", "qualified"]
            )
        ),
        "amount": draw(st.sampled_from([0, 100.0, 250.5, -10, None])),
        "created_at": f"2025-08-{day:02d}{separator}{hour:02d}:30:00{offset}",
        "utm_campaign": triple[0],
        "utm_source": triple[1],
        "utm_medium": triple[2],
    }


loads = st.lists(
    st.tuples(
        st.lists(ads_records(), max_size=8),
        st.lists(crm_records(), max_size=6),
        st.one_of(st.none(), st.integers(1, 6).map(lambda d: dt.date(2025, 8, d))),
    ),
    min_size=1,
    max_size=3,
)


# Each example costs a few dbt builds (~5 s each), so few examples and no shrinking: a failure
# is reported as generated, which is still small (at most 3 loads of at most 8 records).
@settings(
    max_examples=5,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=loads)
def test_incremental_equals_full_refresh_and_the_oracle(tmp_path_factory, monkeypatch, steps):
    warehouse = Warehouse(tmp_path_factory.mktemp("property"), monkeypatch)
    oracle = Oracle()
    for ads_batch, crm_batch, since in steps:
        warehouse.load(ads_batch, crm_batch, since=since)
        oracle.load(ads_batch, crm_batch, since=since)
        warehouse.build()
        assert_rows_match(warehouse.query(FUNNEL), oracle.funnel())
        assert_rows_match(warehouse.query(CAMPAIGN), oracle.campaign())
    assert_marts_equal(all_marts(warehouse), full_refresh_marts(warehouse))


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
