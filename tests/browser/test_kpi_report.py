"""The KPI report as a person sees it in a browser: real charts, and numbers that agree with
the marts. Expected values come from the test's own SQL, mostly over other marts than the
report reads (the contract says their totals agree), never from the report's code."""

from __future__ import annotations

import re

import duckdb
import pytest
from PIL import Image

from browser.headless_chromium import Chromium
from browser.html_reading import Row, tables, visible_text
from browser.sample_site import SCREENSHOTS, SampleSite

CHART_TITLES = (
    "Spend by channel per day",
    "Leads by channel per day",
    "Closed-won revenue by channel per day",
    "ROAS to date by channel, per day",
    "Funnel by campaign (top 12 by leads)",
    "Campaigns by ROAS: top and bottom",
)


@pytest.fixture(scope="module")
def report_dom(chromium: Chromium, sample_site: SampleSite) -> str:
    return chromium.dump_dom(sample_site.report_page.as_uri(), js_budget_ms=2_000)


@pytest.fixture(scope="module")
def snapshot(sample_site: SampleSite):
    with duckdb.connect(str(sample_site.paths.snapshot_path), read_only=True) as con:
        yield con


def shown(text: str) -> float | None:
    """The number a person reads in a cell ('1,234.5', '52.6%', '–' for none)."""
    text = text.strip()
    if text == "–":
        return None
    value = float(text.replace(",", "").rstrip("%"))
    return value / 100 if text.endswith("%") else value


def assert_cell(row: Row, index: int, expected: float | None, decimals: int) -> None:
    """The cell's exact value equals the expected one; its text shows it rounded."""
    cell = row.cells[index]
    if expected is None:
        assert cell.text == "–" and cell.value == "", (row.attrs, cell)
        return
    assert float(cell.value) == pytest.approx(expected, rel=1e-9, abs=1e-9), (row.attrs, cell)
    assert shown(cell.text) == pytest.approx(expected, abs=0.5 * 10**-decimals), (row.attrs, cell)


def test_kpi_tiles_match_the_campaign_and_funnel_marts(report_dom: str, snapshot) -> None:
    spend, revenue = snapshot.execute(
        "select sum(cost), sum(revenue) from marts.fct_campaign_daily"
    ).fetchone()
    (leads,) = snapshot.execute("select sum(leads) from marts.fct_funnel_daily").fetchone()
    expected = {
        "spend": spend,
        "leads": leads,
        "revenue": revenue,
        "roas": revenue / spend,
        "cpa": spend / leads,
    }
    tiles = dict(re.findall(r'data-kpi="(\w+)" data-value="([^"]*)"', report_dom))
    assert set(tiles) == set(expected)
    for key, value in expected.items():
        assert float(tiles[key]) == pytest.approx(value, rel=1e-9), key
    text = visible_text(report_dom)
    assert f"Spend {spend:,.2f}" in text
    assert f"Leads {leads:,}" in text
    assert f"Closed-won revenue {revenue:,.2f}" in text
    assert f"ROAS {revenue / spend:,.2f}" in text


def test_channel_table_matches_the_campaign_mart(report_dom: str, snapshot) -> None:
    expected = {
        channel: values
        for channel, *values in snapshot.execute(
            """
            select channel, sum(cost), sum(clicks), sum(leads), sum(closed_won), sum(revenue)
            from marts.fct_campaign_daily
            group by channel
            """
        ).fetchall()
    }
    rows = tables(report_dom)["channel-totals"]
    assert {r.attrs["data-channel"] for r in rows} == set(expected)
    assert [r.cells[0].text for r in rows if r.attrs["data-channel"] == ""] == ["(unattributed)"]
    for row in rows:
        spend, clicks, leads, won, revenue = expected[row.attrs["data-channel"]]
        assert_cell(row, 1, spend, 2)
        assert_cell(row, 2, clicks, 0)
        assert_cell(row, 3, leads, 1)
        assert_cell(row, 4, won, 1)
        assert_cell(row, 5, revenue, 2)
        assert_cell(row, 6, spend / leads if leads else None, 2)
        assert_cell(row, 7, revenue / spend if spend else None, 2)
    spends = [float(r.cells[1].value) for r in rows]
    assert spends == sorted(spends, reverse=True), "channels are listed by spend"


def test_funnel_table_matches_the_campaign_mart(report_dom: str, snapshot) -> None:
    """Per UTM campaign, the click-share splits of the campaign mart add up to the funnel."""
    expected = {
        campaign: values
        for campaign, *values in snapshot.execute(
            """
            select utm_campaign, sum(leads), sum(opportunities), sum(closed_won), sum(revenue)
            from marts.fct_campaign_daily
            group by utm_campaign
            """
        ).fetchall()
    }
    rows = tables(report_dom)["funnel-by-campaign"]
    assert {r.attrs["data-campaign"] for r in rows} == set(expected)
    for row in rows:
        leads, opportunities, won, revenue = expected[row.attrs["data-campaign"]]
        assert [c.text for c in row.cells[1:4]] == [
            f"{round(leads):,}",
            f"{round(opportunities):,}",
            f"{round(won):,}",
        ]
        assert_cell(row, 4, revenue, 2)
        assert_cell(row, 5, opportunities / leads if leads else None, 3)
        assert_cell(row, 6, won / opportunities if opportunities else None, 3)


def test_top_and_bottom_campaigns_by_roas(report_dom: str, snapshot) -> None:
    ranked = snapshot.execute(
        """
        select channel || '/' || campaign_id, sum(cost), sum(revenue)
        from marts.fct_campaign_daily
        where channel <> ''
        group by channel, campaign_id
        having sum(cost) > 0
        """
    ).fetchall()
    ranked.sort(key=lambda r: r[2] / r[1], reverse=True)
    assert len(ranked) >= 10, "the sample has enough campaigns for distinct top and bottom 5"
    found = tables(report_dom)
    for table_id, expected in (("top-campaigns", ranked[:5]), ("bottom-campaigns", ranked[-5:])):
        rows = found[table_id]
        assert [r.attrs["data-campaign"] for r in rows] == [e[0] for e in expected], table_id
        for row, (_, spend, revenue) in zip(rows, expected, strict=True):
            assert_cell(row, 3, spend, 2)
            assert_cell(row, 4, revenue, 2)
            assert_cell(row, 5, revenue / spend, 2)


def test_state_of_the_last_load(report_dom: str, sample_site: SampleSite, snapshot) -> None:
    found = tables(report_dom)
    sources = {r.attrs["data-source"]: r for r in found["load-sources"]}
    assert set(sources) == {"ads", "crm"}
    for name, row in sources.items():
        loaded = sample_site.load_summary["sources"][name]
        assert row.cells[1].text == "ok"
        assert_cell(row, 2, loaded["received"], 0)
        assert_cell(row, 3, loaded["loaded"], 0)
        assert_cell(row, 4, loaded["rejected"], 0)
    rejected = dict(
        snapshot.execute(
            "select source, count(*) from audit.rejected_records group by 1"
        ).fetchall()
    )
    assert {r.attrs["data-source"]: int(r.cells[1].value) for r in found["rejected"]} == rejected
    for row in found["mart-rows"]:
        mart = row.attrs["data-mart"]
        count, first, last = snapshot.execute(
            f"select count(*), min(report_date), max(report_date) from {mart}"
        ).fetchone()
        assert_cell(row, 1, count, 0)
        assert [c.text for c in row.cells[2:]] == [str(first), str(last)]
    text = visible_text(report_dom)
    assert re.search(r"fresh Last load \d+\.\d+ at .* (0\.\d|1\.\d) hours ago", text), text[:600]


def test_charts_are_inline_svg_with_readable_text(report_dom: str, snapshot) -> None:
    figures = re.findall(r'<figure class="chart[^"]*">(.*?)</figure>', report_dom, re.S)
    assert len(figures) == 6
    for figure, title in zip(figures, CHART_TITLES, strict=True):
        assert figure.lstrip().startswith("<svg"), "a chart is not an inline SVG"
        assert title in visible_text(figure), f"chart title {title!r} is not text in its SVG"
    channels = [
        c
        for (c,) in snapshot.execute(
            "select distinct channel from marts.fct_channel_daily where channel <> ''"
        ).fetchall()
    ]
    legend = visible_text(figures[0])
    for channel in channels:
        assert channel in legend, f"{channel} missing from the spend chart's legend"
    assert "(unattributed)" in legend
    # Self-contained: no scripts, nothing fetched from anywhere.
    assert "<script" not in report_dom
    assert not re.search(r'(src|href)="(https?:)?//', report_dom)


def test_screenshot_shows_the_charts(chromium: Chromium, sample_site: SampleSite) -> None:
    path = chromium.screenshot(
        sample_site.report_page.as_uri(),
        SCREENSHOTS / "kpi_report.png",
        1280,
        4000,
        js_budget_ms=2_000,
    )
    with Image.open(path) as image:
        colours = dict((rgb, n) for n, rgb in image.convert("RGB").getcolors(maxcolors=1 << 22))
    # The channel palette of the charts, drawn by the browser: blue, orange, green, red, purple.
    palette = [
        (0x1F, 0x77, 0xB4),
        (0xFF, 0x7F, 0x0E),
        (0x2C, 0xA0, 0x2C),
        (0xD6, 0x27, 0x28),
        (0x94, 0x67, 0xBD),
    ]
    drawn = {rgb: colours.get(rgb, 0) for rgb in palette}
    assert all(n > 200 for n in drawn.values()), f"chart colours barely on screen: {drawn}"
