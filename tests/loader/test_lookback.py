"""ADS_LOOKBACK_DAYS: plain loads ask the Ads API for the last N days loaded again, so restated
and vanished campaign-days heal by themselves; `--since` wins; CRM stays a full extract."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from helpers.marts import CAMPAIGN, FUNNEL, assert_rows_match
from helpers.oracle import Oracle
from helpers.payloads import ads, crm, envelope
from werkzeug import Request, Response

from load.__main__ import main as load_main


class Upstream:
    """Ads and CRM APIs on 127.0.0.1 that honour `since`, and remember what was asked."""

    def __init__(self, httpserver) -> None:
        self.ads: list[dict] = []
        self.crm: list[dict] = []
        self.asked: dict[str, list[str | None]] = {"ads": [], "crm": []}
        self.served: dict[str, list[dict]] = {}
        for source in ("ads", "crm"):
            httpserver.expect_request(f"/{source}").respond_with_handler(self._handler(source))
        self.urls = {source: httpserver.url_for(f"/{source}") for source in ("ads", "crm")}

    def _handler(self, source: str):
        def respond(request: Request) -> Response:
            since = request.args.get("since")
            self.asked[source].append(since)
            records = self.ads if source == "ads" else self.crm
            day = "date" if source == "ads" else "created_at"
            served = [r for r in records if since is None or r[day][:10] >= since]
            self.served[source] = served
            return Response(envelope(source, served), content_type="application/json")

        return respond


@pytest.fixture
def upstream(httpserver) -> Upstream:
    return Upstream(httpserver)


def load(warehouse, upstream: Upstream, oracle: Oracle, since: str | None = None) -> dict:
    summary = warehouse.load(
        upstream.urls["ads"], upstream.urls["crm"], since, ADS_LOOKBACK_DAYS="3"
    )
    assert summary["status"] == "ok", summary
    ads_since = summary["sources"]["ads"]["since"]
    oracle.load(upstream.served["ads"], [], since=ads_since)
    oracle.load([], upstream.served["crm"], since=summary["sources"]["crm"]["since"])
    return summary


def test_plain_loads_refetch_the_last_days_and_heal_them(warehouse, upstream):
    oracle = Oracle()
    upstream.ads = [ads(day, c, clicks=10 * day, cost=day) for day in range(1, 6) for c in "AB"]
    upstream.crm = [crm("O-1", 2, "lead"), crm("O-2", 4, "closed_won", 100.0)]
    first = load(warehouse, upstream, oracle)
    assert first["sources"]["ads"]["since_reason"].startswith("first load")

    # The platform restates Aug 4, drops campaign B on Aug 5, adds Aug 6; a late CRM update.
    upstream.ads = [
        r for r in upstream.ads if not (r["date"].endswith("05") and r["campaign_id"] == "B")
    ]
    upstream.ads = [
        {**r, "cost": 99.0} if r["date"].endswith("04") else r for r in upstream.ads
    ] + [ads(6, c, clicks=60, cost=6) for c in "AB"]
    upstream.crm = [crm("O-1", 2, "opportunity"), crm("O-2", 4, "closed_won", 100.0)]
    second = load(warehouse, upstream, oracle)
    assert second["sources"]["ads"]["since"] == dt.date(2025, 8, 3)
    assert second["sources"]["ads"]["since_reason"] == (
        "lookback of 3 days from the latest day loaded, 2025-08-05"
    )
    assert second["sources"]["ads"]["window"] == [dt.date(2025, 8, 3), dt.date(2025, 8, 6)]

    upstream.ads.append(ads(7, "A", clicks=70, cost=7))
    load(warehouse, upstream, oracle)
    warehouse.build()

    assert upstream.asked == {
        "ads": [None, "2025-08-03", "2025-08-04"],
        "crm": [None, None, None],  # upserts by id need every version: always a full extract
    }
    assert_rows_match(warehouse.query(CAMPAIGN), oracle.campaign())
    assert_rows_match(warehouse.query(FUNNEL), oracle.funnel())
    # The healed days: Aug 4 restated, B's Aug 5 gone, Aug 6 and 7 added.
    ads_days = warehouse.query(
        "select report_date, campaign_id, cost from raw.ads_performance order by all"
    )
    assert (dt.date(2025, 8, 4), "A", 99.0) in ads_days
    assert (dt.date(2025, 8, 5), "B", 5.0) not in ads_days
    assert max(day for day, _, _ in ads_days) == dt.date(2025, 8, 7)


def test_since_given_by_hand_wins_and_the_summary_says_why(warehouse, upstream, capsys):
    oracle = Oracle()
    upstream.ads = [ads(day, "A") for day in range(1, 10)]
    upstream.crm = [crm("O-1", 5, "lead")]
    load(warehouse, upstream, oracle)
    summary = load(warehouse, upstream, oracle, since="2025-08-02")
    assert upstream.asked["ads"] == [None, "2025-08-02"]
    assert upstream.asked["crm"] == [None, "2025-08-02"]
    assert summary["sources"]["ads"]["since_reason"] == "given (--since)"
    recorded = json.loads((warehouse.paths.state_dir / "last_load.json").read_text())
    assert recorded["sources"]["ads"]["since"] == "2025-08-02"
    assert recorded["sources"]["crm"]["since_reason"] == "given (--since)"


def test_without_the_setting_a_plain_load_fetches_everything(warehouse, upstream):
    upstream.ads = [ads(day, "A") for day in range(1, 4)]
    upstream.crm = []
    for _ in range(2):
        summary = warehouse.load(upstream.urls["ads"], upstream.urls["crm"])
        assert summary["sources"]["ads"]["since_reason"] == "full extract"
    assert upstream.asked["ads"] == [None, None]


@pytest.mark.parametrize("value", ["0", "three", "-1", "1.5"])
def test_a_bad_lookback_is_named(warehouse, value):
    with pytest.raises(SystemExit) as stopped:
        warehouse.load([], [], ADS_LOOKBACK_DAYS=value)
    assert "ADS_LOOKBACK_DAYS" in str(stopped.value)


def test_a_replay_asks_each_source_for_the_days_the_original_run_asked_for(
    warehouse, upstream, tmp_path, monkeypatch
):
    """The lookback's since is archived with each source's pages: replayed into an empty
    warehouse, the runs replace the same windows and give the same raw rows."""
    oracle = Oracle()
    upstream.ads = [ads(day, c) for day in range(1, 6) for c in "AB"]
    upstream.crm = [crm("O-1", 2, "lead")]
    load(warehouse, upstream, oracle)
    upstream.ads = [r for r in upstream.ads if r["date"] != "2025-08-05"]  # the last day vanished
    load(warehouse, upstream, oracle)
    original = warehouse.query("select * exclude (_dlt_load_id, ingested_at) "
                               "from raw.ads_performance order by all")  # fmt: skip
    assert not [row for row in original if row[0] == dt.date(2025, 8, 5)]

    replayed = tmp_path / "replayed"
    replayed.mkdir()
    monkeypatch.setenv("ARCHIVE_URL", str(warehouse.root / "lake"))
    monkeypatch.setenv("DUCKDB_PATH", str(replayed / "warehouse.duckdb"))
    monkeypatch.setenv("ADS_LOOKBACK_DAYS", "3")
    today = dt.datetime.now(dt.UTC).date()
    assert load_main(["--replay", f"{today - dt.timedelta(days=1)}..{today}"]) == 0
    with duckdb.connect(str(replayed / "warehouse_raw.duckdb"), read_only=True) as con:
        again = con.execute(
            "select * exclude (_dlt_load_id, ingested_at) from raw.ads_performance order by all"
        ).fetchall()
    assert again == original
