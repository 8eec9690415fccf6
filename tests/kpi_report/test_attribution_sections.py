"""The KPI report's attribution sections on the shipped sample built with a lookback of 3 days:
the model comparison per channel and the tracking-health summary, each checked against the
test's own SQL over other relations than the report reads (the channel mart, staging)."""

from __future__ import annotations

import duckdb
import pytest
from browser.html_reading import tables
from helpers.environment import run_module
from helpers.warehouse_harness import Warehouse

from warehouse.catalog import ATTRIBUTION_MODELS

CONFIGURED = "linear"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("report-attribution")
    with pytest.MonkeyPatch.context() as mp:
        site = Warehouse(root, mp)
        mp.setenv("ATTRIBUTION_LOOKBACK_DAYS", "3")
        mp.setenv("ATTRIBUTION_MODEL", CONFIGURED)
        assert site.load(None, None)["status"] == "ok"
        site.build()
    page = root / "report.html"
    result = run_module(
        "report",
        "--output",
        str(page),
        cwd=root,
        timeout=120,
        DUCKDB_PATH=str(site.paths.duckdb_path),
    )
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(site.paths.snapshot_path), read_only=True) as con:
        yield page.read_text(), con


def test_the_model_comparison_per_channel(report):
    html, con = report
    rows = tables(html)["model-comparison"]
    got = {(r.attrs["data-channel"], r.attrs["data-model"]): r.cells for r in rows}
    channels = {
        c for (c,) in con.execute("select distinct channel from marts.fct_channel_daily").fetchall()
    }
    assert set(got) == {(c, m) for c in channels for m in ATTRIBUTION_MODELS}
    # The configured model is the channel mart's, channel by channel.
    for channel, spend, leads, revenue in con.execute(
        "select channel, sum(cost), sum(leads), sum(revenue) "
        "from marts.fct_channel_daily group by 1"
    ).fetchall():
        cells = got[channel, CONFIGURED]
        assert [float(cells[i].value) for i in (2, 3, 4)] == pytest.approx([spend, leads, revenue])
        assert "(marts)" in cells[1].text
    # Every model credits all the clean CRM revenue, and they differ on a channel.
    (crm_revenue,) = con.execute(
        "select sum(amount) from staging.stg_crm__opportunities where stage = 'closed_won'"
    ).fetchone()
    for model in ATTRIBUTION_MODELS:
        total = sum(float(cells[4].value) for (c, m), cells in got.items() if m == model)
        assert total == pytest.approx(crm_revenue)
    google = {m: float(cells[4].value) for (c, m), cells in got.items() if c == "google_ads"}
    assert len(set(google.values())) > 1, google
    assert 'id="lookback">3<' in html


def test_the_tracking_health_summary(report):
    html, con = report
    expected = dict(
        (status, (groups, spend, revenue))
        for status, groups, spend, revenue in con.execute(
            """
            with ads as (
                select report_date, utm_campaign, utm_source, utm_medium, sum(cost) as spend
                from staging.stg_ads__performance group by all
            ),
            crm as (
                select report_date, utm_campaign, utm_source, utm_medium,
                    sum(case when stage = 'closed_won' then amount else 0 end) as revenue
                from staging.stg_crm__opportunities group by all
            )
            select
                case when ads.spend is null then 'crm_without_ads'
                     when crm.revenue is null then 'spend_without_crm' else 'matched' end,
                count(*), coalesce(sum(ads.spend), 0), coalesce(sum(crm.revenue), 0)
            from ads full join crm using (report_date, utm_campaign, utm_source, utm_medium)
            group by 1
            """
        ).fetchall()
    )
    rows = {r.attrs["data-status"]: r.cells for r in tables(html)["tracking-health-summary"]}
    assert set(rows) == set(expected)
    for status, (groups, spend, revenue) in expected.items():
        cells = rows[status]
        assert float(cells[1].value) == groups
        assert float(cells[2].value) == pytest.approx(spend)
        assert float(cells[4].value) == pytest.approx(revenue)
    (unattributed,) = con.execute(
        "select sum(revenue) from marts.fct_channel_daily where channel = ''"
    ).fetchone()
    assert f'id="unattributed-revenue" data-value="{unattributed}"' in html
    assert unattributed < expected["crm_without_ads"][2], "the lookback found Ads for some"
