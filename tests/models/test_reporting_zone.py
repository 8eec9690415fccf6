"""The reporting time zone: builds under other zones match the oracle, and a change of zone on
an existing warehouse rebuilds every day (CONTRACT §2 report_date, §3)."""

from __future__ import annotations

import pytest
from helpers.marts import (
    CAMPAIGN,
    FUNNEL,
    all_marts,
    assert_marts_equal,
    assert_rows_match,
    full_refresh_marts,
)
from helpers.oracle import Oracle
from helpers.payloads import BASE_ADS, crm

# Instants near midnight: each counts on another day in one of the zones.
CRM = [
    crm("O-1", 2, hour=20),  # Kolkata (UTC+05:30): 08-03
    crm("O-2", 2, hour=3, stage="closed_won", amount=300),  # Mexico City (UTC-06): 08-01
    crm("O-3", 3, hour=12, stage="opportunity"),  # the same day everywhere
    dict(crm("O-4", 4), created_at="2025-08-04T23:45:00-05:00"),  # UTC and Kolkata: 08-05
    dict(crm("O-5", 5), created_at="2025-08-05 18:40:00"),  # naive = UTC; Kolkata: 08-06
]


ZONE_RECORDED = "select value from audit.build_settings where setting = 'reporting_timezone'"


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/Mexico_City"])
def test_builds_under_another_zone_match_the_oracle(warehouse, monkeypatch, zone):
    monkeypatch.setenv("REPORTING_TIMEZONE", zone)
    oracle = Oracle(zone)
    warehouse.load(BASE_ADS, CRM)
    oracle.load(BASE_ADS, CRM)
    warehouse.build()  # the first build runs the unit tests: they pin their own zone
    assert_rows_match(warehouse.query(FUNNEL), oracle.funnel())
    assert_rows_match(warehouse.query(CAMPAIGN), oracle.campaign())
    warehouse.build(full_refresh=True)
    assert_rows_match(warehouse.query(FUNNEL), oracle.funnel())
    assert warehouse.query(ZONE_RECORDED) == [(zone,)]


def test_a_change_of_zone_rebuilds_every_day(warehouse, monkeypatch, capsys):
    warehouse.load(BASE_ADS, CRM)
    warehouse.build()
    utc_days = {row[0] for row in warehouse.query("select report_date from marts.fct_funnel_daily")}

    monkeypatch.setenv("REPORTING_TIMEZONE", "Asia/Kolkata")
    warehouse.load(BASE_ADS, CRM)
    capsys.readouterr()
    warehouse.build()
    assert (
        "Settings changed since the marts were built (reporting_timezone: UTC -> Asia/Kolkata): "
        "rebuilding every day (full refresh)." in capsys.readouterr().out
    )
    oracle = Oracle("Asia/Kolkata")
    oracle.load(BASE_ADS, CRM)
    assert_rows_match(warehouse.query(FUNNEL), oracle.funnel())
    leads = warehouse.query("select sum(leads) from marts.fct_funnel_daily")[0][0]
    assert leads == len(CRM), "every opportunity counts once, on its day in the new zone"
    kolkata_days = {r[0] for r in warehouse.query("select report_date from marts.fct_funnel_daily")}
    assert kolkata_days != utc_days
    assert_marts_equal(all_marts(warehouse), full_refresh_marts(warehouse))


def test_plain_dbt_build_under_a_changed_zone_stops_with_one_line(warehouse, monkeypatch):
    from dbt.cli.main import dbtRunner

    from warehouse.build import dbt_args, release_duckdb

    warehouse.load(BASE_ADS, CRM)
    warehouse.build()
    monkeypatch.setenv("REPORTING_TIMEZONE", "America/Mexico_City")
    try:
        result = dbtRunner().invoke(dbt_args("build"))
    finally:
        release_duckdb()
    assert not result.success
    assert (
        "The marts were built with reporting_timezone=UTC, this build has America/Mexico_City"
        in (str(result.exception))
    )
    assert warehouse.query(ZONE_RECORDED) == [("UTC",)]
