"""CONTRACT §7: the worked example, served over HTTP, gives exactly the published numbers."""

from __future__ import annotations

import pytest
from helpers.warehouse_harness import Warehouse
from helpers.worked_example import EXPECTED_FUNNEL
from pytest_httpserver import HTTPServer


@pytest.fixture(scope="module")
def built(tmp_path_factory, examples):
    """Load the example over HTTP with since=2025-08-01 and build once for the module."""
    mp = pytest.MonkeyPatch()
    warehouse = Warehouse(tmp_path_factory.mktemp("worked-example"), mp)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    for name in ("ads", "crm"):
        server.expect_request(f"/{name}", query_string={"since": "2025-08-01"}).respond_with_data(
            (examples / f"{name}.json").read_bytes(), content_type="application/json"
        )
    try:
        summary = warehouse.load(server.url_for("/ads"), server.url_for("/crm"), since="2025-08-01")
        warehouse.build()
        yield warehouse, summary
    finally:
        server.clear()
        server.stop()
        mp.undo()


def test_funnel_mart_is_the_contract_table(built):
    warehouse, _ = built
    rows = warehouse.query(
        """
        select report_date, utm_campaign, utm_source, utm_medium, clicks, impressions, cost,
               leads, opportunities, closed_won, revenue
        from marts.fct_funnel_daily order by report_date, utm_campaign
        """
    )
    got = [(r[0], tuple(r[1:4]), *r[4:]) for r in rows]
    assert got == EXPECTED_FUNNEL
    leads_types = {type(r[7]) for r in rows}
    assert leads_types == {int}, "CRM counts in the funnel mart are whole numbers"


def test_click_share_split_and_unattributed_row(built):
    warehouse, _ = built
    rows = warehouse.query(
        """
        select channel, campaign_id, clicks, leads, opportunities, closed_won, revenue
        from marts.fct_campaign_daily
        where report_date = '2025-08-01'
          and utm_campaign in ('back_to_school', 'orphan_campaign')
        order by campaign_id
        """
    )
    assert rows[0][:2] == ("", "")  # the unattributed orphan CRM row
    assert rows[0][2:] == (0, 1, 1, 1, 800)
    c1001, c1002 = rows[1], rows[2]
    assert c1001[:3] == ("google_ads", "C-1001", 1200)
    assert c1001[3:] == pytest.approx((3.2, 2.4, 0.8, 4000))
    assert c1002[:3] == ("google_ads", "C-1002", 300)
    assert c1002[3:] == pytest.approx((0.8, 0.6, 0.2, 1000))


def test_ratios_are_null_when_the_denominator_is_zero(built):
    warehouse, _ = built
    rows = warehouse.query(
        """
        select utm_campaign, cpc, cpa, cvr_lead_to_opp, cvr_opp_to_won, roas
        from marts.fct_funnel_daily
        where report_date = '2025-08-02' or utm_campaign = 'unknown'
        order by report_date
        """
    )
    unknown, day2 = rows
    assert unknown[1:] == pytest.approx((120.5 / 500, 120.5, 0.0, None, 0.0), nan_ok=False)
    assert unknown[4] is None  # no opportunities: cvr_opp_to_won is NULL, not 0
    assert day2[1] is None and day2[5] is None  # no clicks, no cost
    assert day2[2] == 0 and day2[3] == 0


def test_exactly_one_rejected_record(built):
    warehouse, summary = built
    rejected = warehouse.query("select source, reason, record from audit.rejected_records")
    assert len(rejected) == 1
    source, reason, record = rejected[0]
    assert source == "crm" and "created_at" in reason
    assert "O-9013" in record and "max@example.com" not in record
    assert summary["sources"]["crm"]["rejected"] == 1
    assert summary["sources"]["ads"]["rejected"] == 0


def test_since_skips_older_rows(built):
    _, summary = built
    assert summary["sources"]["ads"]["skipped_before_since"] == 1  # 2025-07-31
    # O-9008 (2025-07-31T23:59:59Z) and O-9012 (2025-07-31 in UTC)
    assert summary["sources"]["crm"]["skipped_before_since"] == 2
