"""The three example queries (dbt analyses, shown in the README) run on the published snapshot
and answer what they promise. Here because they share the sample warehouse of this folder."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import yaml
from helpers.analyses_sql import ANALYSES, analysis_files, as_plain_sql

from browser.sample_site import SampleSite


@pytest.fixture(scope="module")
def snapshot(sample_site: SampleSite):
    with duckdb.connect(str(sample_site.paths.snapshot_path), read_only=True) as con:
        yield con


def run(con: duckdb.DuckDBPyConnection, name: str) -> tuple[list[str], list[tuple]]:
    result = con.execute(as_plain_sql(ANALYSES / f"{name}.sql"))
    return [d[0] for d in result.description], result.fetchall()


def test_there_are_three_and_their_columns_are_documented(snapshot) -> None:
    documented = {
        a["name"]: [c["name"] for c in a["columns"]]
        for a in yaml.safe_load((ANALYSES / "_analyses.yml").read_text())["analyses"]
    }
    assert sorted(documented) == sorted(p.stem for p in analysis_files())
    assert len(documented) == 3
    for name, columns in documented.items():
        got, rows = run(snapshot, name)
        assert got == columns, name
        assert rows, f"{name} returned nothing on the sample"


def test_roas_by_channel(snapshot) -> None:
    _, rows = run(snapshot, "roas_by_channel")
    expected = snapshot.execute(
        "select channel, sum(cost), sum(revenue) from marts.fct_campaign_daily group by 1"
    ).fetchall()
    assert {r[0] for r in rows} == {e[0] for e in expected}
    by_channel = {channel: (spend, revenue) for channel, spend, revenue in expected}
    for channel, spend, revenue, roas in rows:
        exact_spend, exact_revenue = by_channel[channel]
        assert (spend, revenue) == (round(exact_spend, 2), round(exact_revenue, 2))
        assert roas == (round(exact_revenue / exact_spend, 2) if exact_spend else None)
    roas_values = [r[3] for r in rows if r[3] is not None]
    assert roas_values == sorted(roas_values, reverse=True)
    assert rows[-1][0] == "" and rows[-1][3] is None  # the unattributed CRM: no spend, no ROAS


def test_funnel_by_campaign(snapshot) -> None:
    _, rows = run(snapshot, "funnel_by_campaign")
    total_leads = sum(r[1] for r in rows)
    (crm_rows,) = snapshot.execute("select count(*) from staging.stg_crm__opportunities").fetchone()
    assert total_leads == crm_rows, "every opportunity counts once as a lead"
    for _, leads, opportunities, won, to_opp, to_won in rows:
        assert to_opp == round(opportunities / leads, 3)
        assert to_won == (round(won / opportunities, 3) if opportunities else None)


def test_weekly_cpa_by_channel(snapshot) -> None:
    _, rows = run(snapshot, "weekly_cpa_by_channel")
    assert all(week.weekday() == 0 for week, *_ in rows), "weeks start on Monday"
    assert all(type(week) is dt.date for week, *_ in rows), "weeks are dates, not timestamps"
    assert "" not in {r[1] for r in rows}
    (spend,) = snapshot.execute("select sum(cost) from marts.fct_campaign_daily").fetchone()
    assert sum(r[2] for r in rows) == pytest.approx(spend, abs=0.01 * len(rows))
    exact = snapshot.execute(
        """
        select cast(date_trunc('week', report_date) as date), channel, sum(cost) / sum(leads)
        from marts.fct_campaign_daily
        where channel <> ''
        group by all
        """
    ).fetchall()
    cpa_of = {(week, channel): cpa for week, channel, cpa in exact}
    for week, channel, _, _, cpa in rows:
        assert cpa == pytest.approx(round(cpa_of[(week, channel)], 2))
