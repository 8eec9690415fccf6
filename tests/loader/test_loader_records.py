"""Record rules, natural keys, the Ads window and the CRM upsert (CONTRACT §2–§3), on raw tables."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from load.__main__ import main as load_main
from load.config import Settings
from load.sources import SOURCES
from load.sources.declaration import Field, Kind


def ads(date="2025-08-01", campaign_id="C-1", channel="google_ads", clicks=10, **extra) -> dict:
    record = {
        "date": date,
        "campaign_id": campaign_id,
        "channel": channel,
        "clicks": clicks,
        "impressions": 100,
        "cost": 5.0,
        "utm_campaign": "a",
        "utm_source": "b",
        "utm_medium": "c",
    }
    record.update(extra)
    return record


def crm(opportunity_id="O-1", created_at="2025-08-01T10:00:00Z", stage="lead", **extra) -> dict:
    record = {
        "opportunity_id": opportunity_id,
        "contact_email": "x@example.com",
        "stage": stage,
        "amount": 0,
        "created_at": created_at,
        "utm_campaign": "a",
        "utm_source": "b",
        "utm_medium": "c",
    }
    record.update(extra)
    return record


def current_ads(warehouse) -> list[tuple]:
    return warehouse.query(
        "select report_date, channel, campaign_id, clicks from raw.ads_performance "
        "where not coalesce(is_window_tombstone, false) order by all"
    )


def raw_state(warehouse) -> dict[str, list[tuple]]:
    """The current raw tables without load ids and load times."""
    return {
        "ads": warehouse.query(
            "select * exclude (_dlt_load_id, ingested_at) from raw.ads_performance order by all"
        ),
        "crm": warehouse.query(
            "select * exclude (_dlt_load_id, ingested_at) from raw.crm_opportunities order by all"
        ),
    }


D = dt.date(2025, 8, 1)


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def load_day(summary: dict) -> dt.date:
    """The day of the load (UTC), which bounds the plausible days."""
    return dt.datetime.fromisoformat(summary["ingested_at"]).astimezone(dt.UTC).date()


def same_day_or_skip(summary: dict, today: dt.date) -> None:
    """Records dated relative to `today` need the load to run on that day too."""
    if load_day(summary) != today:
        pytest.skip("the load ran past midnight UTC; its records were dated for the day before")


@pytest.mark.parametrize(
    ("source", "record", "field"),
    [
        ("ads", ads(date=None), "date is missing"),
        ("ads", {k: v for k, v in ads().items() if k != "date"}, "date is missing"),
        ("ads", ads(date="2025-13-01"), "date is not a valid date"),
        ("ads", ads(date="yesterday"), "date is not a valid date"),
        ("ads", ads(campaign_id="  "), "campaign_id is missing or blank"),
        ("ads", ads(campaign_id=None), "campaign_id is missing or blank"),
        ("ads", ads(channel=""), "channel is missing or blank"),
        ("ads", ads(clicks="abc"), "clicks is not a number"),
        ("ads", ads(impressions=True), "impressions is not a number"),
        ("ads", ads(cost={"value": 1}), "cost is not a number"),
        ("ads", ads(cost="NaN"), "cost is not a number"),
        ("ads", ads(clicks=""), "clicks is not a number"),
        ("ads", ads(cost=1e300), "cost is out of range"),
        ("ads", ads(clicks="1e16"), "clicks is out of range"),
        # numeric strings follow JSON's number grammar
        ("ads", ads(clicks="+5"), "clicks is not a number"),
        ("ads", ads(cost=".5"), "cost is not a number"),
        ("ads", ads(cost="5."), "cost is not a number"),
        ("ads", ads(clicks="007"), "clicks is not a number"),
        ("ads", ads(impressions="0x10"), "impressions is not a number"),
        ("ads", ads(cost="1,000"), "cost is not a number"),
        ("ads", ads(cost="Infinity"), "cost is not a number"),
        # counts are whole numbers
        ("ads", ads(clicks=12.5), "clicks is not a whole number"),
        ("ads", ads(clicks="12.5"), "clicks is not a whole number"),
        ("ads", ads(impressions=" 1.25e1 "), "impressions is not a whole number"),
        ("ads", ads(impressions=-0.5), "impressions is not a whole number"),
        # |x| >= 1e15
        ("ads", ads(cost=1e15), "cost is out of range"),
        ("ads", ads(impressions="-1e15"), "impressions is out of range"),
        ("ads", ads(cost="1e400"), "cost is out of range"),
        # plausible days: 2000-01-01 .. the day of the load + 365, the Ads day as written
        ("ads", ads(date="0001-01-01"), "date is out of range: 0001-01-01 (plausible: 2000-01-01"),
        ("ads", ads(date="1999-12-31"), "date is out of range: 1999-12-31"),
        ("ads", ads(date="1999-12-31T23:30:00-05:00"), "date is out of range: 1999-12-31"),
        ("ads", ads(date="9999-12-31"), "date is out of range: 9999-12-31"),
        ("ads", "not an object", "record is not a JSON object"),
        ("crm", crm(opportunity_id=""), "opportunity_id is missing or blank"),
        (
            "crm",
            {k: v for k, v in crm().items() if k != "opportunity_id"},
            "opportunity_id is missing or blank",
        ),
        ("crm", crm(created_at=""), "created_at is missing or empty"),
        ("crm", crm(created_at=None), "created_at is missing or empty"),
        ("crm", crm(created_at="2025-02-30T10:00:00Z"), "created_at is not a valid timestamp"),
        ("crm", crm(created_at="infinity"), "created_at is not a valid timestamp"),
        ("crm", crm(amount="n/a"), "amount is not a number"),
        ("crm", crm(amount=[1]), "amount is not a number"),
        ("crm", crm(amount=-1e20), "amount is out of range"),
        ("crm", crm(amount="+5"), "amount is not a number"),
        ("crm", crm(amount=".5"), "amount is not a number"),
        ("crm", crm(amount="NaN"), "amount is not a number"),
        ("crm", crm(amount="1e15"), "amount is out of range"),
        # plausible days: the instant's day in UTC
        ("crm", crm(created_at="1999-12-31T23:59:59Z"), "created_at is out of range: 1999-12-31"),
        (
            "crm",
            crm(created_at="2000-01-01T00:30:00+01:00"),
            "created_at is out of range: 1999-12-31 in UTC",
        ),
        ("crm", crm(created_at="0001-01-01"), "created_at is out of range: 0001-01-01"),
        ("crm", crm(created_at="9999-12-31T00:00:00Z"), "created_at is out of range: 9999-12-31"),
    ],
)
def test_every_reject_reason_names_its_field(warehouse, source, record, field):
    good_ads, good_crm = [ads(campaign_id="C-ok")], [crm(opportunity_id="O-ok")]
    if source == "ads":
        summary = warehouse.load(good_ads + [record], good_crm)
    else:
        summary = warehouse.load(good_ads, good_crm + [record])
    assert summary["status"] == "ok", "a bad record never fails the run"
    assert summary["sources"][source]["rejected"] == 1
    assert summary["sources"][source]["loaded"] == 1
    rows = warehouse.query(
        "select source, reason, record, record_index, contract_version from raw.rejected_records"
    )
    assert len(rows) == 1
    got_source, reason, kept, index, version = rows[0]
    assert got_source == source and field in reason
    assert json.loads(kept) == record, "the record is kept whole for replay"
    assert index == 1 and version == f"{source}.v1"


def test_accepted_variants_are_not_rejected(warehouse):
    summary = warehouse.load(
        [
            ads(clicks="12", cost=" 3.5 "),  # numeric strings are numbers
            ads(campaign_id="C-2", clicks=None, impressions=None),  # missing numbers are 0
            ads(campaign_id="C-3", date="2025-08-02T23:30:00-05:00"),  # a timestamp: its day
            ads(campaign_id="C-4", clicks=-3),  # negatives are clamped later, not rejected
        ],
        [
            crm(opportunity_id="O-1", created_at="2025-08-01T23:30:00-05:00"),
            crm(opportunity_id="O-2", created_at="2025-08-03 09:15:00"),
            crm(opportunity_id="O-3", created_at="2025-08-03T11:00:00.123Z", amount=None),
            crm(opportunity_id="O-4", created_at="2025-08-01T00:30:00+02:00", amount="12.5"),
        ],
    )
    assert summary["sources"]["ads"]["rejected"] == 0
    assert summary["sources"]["crm"]["rejected"] == 0
    assert warehouse.query(
        "select campaign_id, report_date, clicks, cost from raw.ads_performance "
        "where campaign_id in ('C-1', 'C-3') order by 1"
    ) == [("C-1", D, 12.0, 3.5), ("C-3", dt.date(2025, 8, 2), 10.0, 5.0)]


def test_numbers_and_days_the_rules_accept(warehouse):
    today = utc_today()
    latest = today + dt.timedelta(days=365)
    summary = warehouse.load(
        [
            ads(campaign_id="C-1", clicks="1e3", impressions=" 12.0 ", cost=" 12.5 "),
            ads(campaign_id="C-2", clicks=12.0, impressions=1.2e1, cost="-4"),
            ads(campaign_id="C-3", clicks="-4", impressions="1.2e1", cost="2.5e-1"),
            ads(campaign_id="C-4", clicks="\u3000 0 \n", impressions="120e-1", cost=12.25),
            ads(campaign_id="C-5", clicks="999999999999999", cost=999999999999999.9),
            # an Ads timestamp counts on its day as written, whatever its offset
            ads(campaign_id="C-6", date="2025-08-01T23:30:00-05:00"),
            ads(campaign_id="C-7", date="2025-08-01T00:30:00+02:00"),
            ads(campaign_id="C-8", date="2000-01-01T00:30:00+01:00"),  # 1999-12-31 in UTC
            ads(campaign_id="C-9", date=latest.isoformat()),
            ads(campaign_id="C-10", date=f"{latest}T23:30:00-05:00"),  # the next day in UTC
        ],
        [
            crm(opportunity_id="O-1", amount="1e3"),
            crm(opportunity_id="O-2", amount=12.5),  # an amount may have a fraction
            crm(opportunity_id="O-3", amount=" -4 "),
            crm(opportunity_id="O-4", created_at="1999-12-31T23:30:00-01:00"),  # 2000-01-01 UTC
            crm(opportunity_id="O-5", created_at="2000-01-01"),
            crm(opportunity_id="O-6", created_at=f"{latest}T23:59:59Z"),
            crm(opportunity_id="O-7", created_at=f"{latest + dt.timedelta(days=1)}T01:00+02:00"),
        ],
    )
    same_day_or_skip(summary, today)
    assert summary["sources"]["ads"]["rejected"] == 0
    assert summary["sources"]["crm"]["rejected"] == 0
    assert warehouse.query(
        "select campaign_id, report_date, clicks, impressions, cost from raw.ads_performance "
        "where not coalesce(is_window_tombstone, false) order by len(campaign_id), campaign_id"
    ) == [
        ("C-1", D, 1000.0, 12.0, 12.5),
        ("C-2", D, 12.0, 12.0, -4.0),  # negatives are clamped in staging, not here
        ("C-3", D, -4.0, 12.0, 0.25),
        ("C-4", D, 0.0, 12.0, 12.25),
        ("C-5", D, 999999999999999.0, 100.0, 999999999999999.9),
        ("C-6", D, 10.0, 100.0, 5.0),
        ("C-7", D, 10.0, 100.0, 5.0),
        ("C-8", dt.date(2000, 1, 1), 10.0, 100.0, 5.0),
        ("C-9", latest, 10.0, 100.0, 5.0),
        ("C-10", latest, 10.0, 100.0, 5.0),
    ]
    assert warehouse.query(
        "select opportunity_id, amount from raw.crm_opportunities where opportunity_id <= 'O-3' "
        "order by 1"
    ) == [("O-1", 1000.0), ("O-2", 12.5), ("O-3", -4.0)]


def test_the_reasons_of_the_number_and_day_rules(warehouse):
    today = utc_today()
    after = today + dt.timedelta(days=366)
    summary = warehouse.load(
        [
            ads(clicks=" +5 "),
            ads(clicks="12.5"),
            ads(impressions=1.5),
            ads(cost=1e15),
            ads(cost="-1e400"),
            ads(date="0001-01-01"),
            ads(date=f" {after}T00:30:00+02:00 "),
            ads(clicks=".5", cost="1,000", date="1999-12-31"),  # every broken field is named
        ],
        [
            crm(amount="5."),
            crm(amount="1e15"),
            crm(created_at="2000-01-01T00:30:00+01:00"),
            crm(created_at=f"{after - dt.timedelta(days=1)}T23:30:00-05:00"),
        ],
    )
    same_day_or_skip(summary, today)
    assert summary["status"] == "ok"
    plausible = f"(plausible: 2000-01-01 .. {today + dt.timedelta(days=365)})"
    rows = warehouse.query(
        "select source, record_index, reason from raw.rejected_records order by source, 2"
    )
    assert rows == [
        ("ads", 0, 'clicks is not a number: " +5 "'),
        ("ads", 1, 'clicks is not a whole number: "12.5"'),
        ("ads", 2, 'impressions is not a whole number: "1.5"'),
        ("ads", 3, 'cost is out of range: "1000000000000000.0" (|x| must be below 1e15)'),
        ("ads", 4, 'cost is out of range: "-1e400" (|x| must be below 1e15)'),
        ("ads", 5, f"date is out of range: 0001-01-01 {plausible}"),
        ("ads", 6, f"date is out of range: {after} {plausible}"),
        (
            "ads",
            7,
            f"date is out of range: 1999-12-31 {plausible}; "
            'clicks is not a number: ".5"; cost is not a number: "1,000"',
        ),
        ("crm", 0, 'amount is not a number: "5."'),
        ("crm", 1, 'amount is out of range: "1e15" (|x| must be below 1e15)'),
        ("crm", 2, f"created_at is out of range: 1999-12-31 in UTC {plausible}"),
        ("crm", 3, f"created_at is out of range: {after} in UTC {plausible}"),
    ]


def test_an_implausible_day_neither_lands_nor_widens_the_window(warehouse):
    summary = warehouse.load([ads(), ads(campaign_id="C-2", date="9999-12-31")], [])
    assert summary["sources"]["ads"]["window"] == [D, D], "not a window of 8,000 years"
    assert current_ads(warehouse) == [(D, "google_ads", "C-1", 10.0)]
    assert warehouse.query("select count(*) from raw.rejected_records") == [(1,)]


def test_the_plausible_days_are_settings(warehouse, monkeypatch):
    monkeypatch.setenv("EARLIEST_PLAUSIBLE_DATE", " 2025-08-01 ")
    monkeypatch.setenv("LATEST_PLAUSIBLE_DAYS_AHEAD", "0")
    today = utc_today()
    tomorrow = today + dt.timedelta(days=1)
    summary = warehouse.load(
        [
            ads(campaign_id="C-1", date="2025-07-31"),
            ads(campaign_id="C-2", date="2025-08-01"),
            ads(campaign_id="C-3", date=today.isoformat()),
            ads(campaign_id="C-4", date=tomorrow.isoformat()),
        ],
        [
            crm(opportunity_id="O-1", created_at="2025-08-01T01:00:00+02:00"),
            crm(opportunity_id="O-2", created_at=f"{today}T23:59:59Z"),
            crm(opportunity_id="O-3", created_at=f"{tomorrow}T00:00:00Z"),
        ],
    )
    same_day_or_skip(summary, today)
    plausible = f"(plausible: 2025-08-01 .. {today})"
    assert warehouse.query(
        "select source, record_index, reason from raw.rejected_records order by source, 2"
    ) == [
        ("ads", 0, f"date is out of range: 2025-07-31 {plausible}"),
        ("ads", 3, f"date is out of range: {tomorrow} {plausible}"),
        ("crm", 0, f"created_at is out of range: 2025-07-31 in UTC {plausible}"),
        ("crm", 2, f"created_at is out of range: {tomorrow} in UTC {plausible}"),
    ]
    assert warehouse.query("select campaign_id from raw.ads_performance_history order by 1") == [
        ("C-2",),
        ("C-3",),
    ]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "EARLIEST_PLAUSIBLE_DATE",
            "2000-13-01",
            "setting EARLIEST_PLAUSIBLE_DATE='2000-13-01' is not a day (YYYY-MM-DD)",
        ),
        (
            "EARLIEST_PLAUSIBLE_DATE",
            "20000101",
            "setting EARLIEST_PLAUSIBLE_DATE='20000101' is not a day (YYYY-MM-DD)",
        ),
        (
            "EARLIEST_PLAUSIBLE_DATE",
            "2000-01-01T00:00",
            "setting EARLIEST_PLAUSIBLE_DATE='2000-01-01T00:00' is not a day (YYYY-MM-DD)",
        ),
        (
            "EARLIEST_PLAUSIBLE_DATE",
            "9999-01-01",
            "setting EARLIEST_PLAUSIBLE_DATE='9999-01-01' is after the latest plausible day",
        ),
        (
            "LATEST_PLAUSIBLE_DAYS_AHEAD",
            "a year",
            "setting LATEST_PLAUSIBLE_DAYS_AHEAD='a year' is not a whole number of days "
            "(0 to 99999)",
        ),
        (
            "LATEST_PLAUSIBLE_DAYS_AHEAD",
            "-1",
            "setting LATEST_PLAUSIBLE_DAYS_AHEAD='-1' is not a whole number of days (0 to 99999)",
        ),
        (
            "LATEST_PLAUSIBLE_DAYS_AHEAD",
            "36.5",
            "setting LATEST_PLAUSIBLE_DAYS_AHEAD='36.5' is not a whole number of days (0 to 99999)",
        ),
        (
            "LATEST_PLAUSIBLE_DAYS_AHEAD",
            "1000000",
            "setting LATEST_PLAUSIBLE_DAYS_AHEAD='1000000' is not a whole number of days "
            "(0 to 99999)",
        ),
    ],
)
def test_a_bad_plausible_day_setting_stops_the_run(warehouse, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as raised:
        load_main([])
    text = str(raised.value)
    assert text.startswith(message) and "\n" not in text
    assert not warehouse.paths.duckdb_path.exists(), "nothing was loaded"


def test_the_plausible_day_settings_default_to_2000_and_a_year_ahead(monkeypatch):
    monkeypatch.delenv("EARLIEST_PLAUSIBLE_DATE", raising=False)
    monkeypatch.setenv("LATEST_PLAUSIBLE_DAYS_AHEAD", "")
    settings = Settings.from_env()
    assert (settings.earliest_plausible_date, settings.latest_plausible_days_ahead) == (
        dt.date(2000, 1, 1),
        365,
    )
    bounds = settings.plausible_days(dt.date(2026, 12, 3))
    assert (bounds.earliest, bounds.latest) == (dt.date(2000, 1, 1), dt.date(2027, 12, 3))


def test_keys_are_normalized_and_the_last_record_wins(warehouse):
    warehouse.load(
        [
            ads(clicks=1),
            ads(channel=" Google_Ads\t", campaign_id=" C-1 ", clicks=2),  # same key, later wins
            ads(campaign_id="c-1", clicks=3),  # ids keep their case: another campaign
        ],
        [crm(stage="lead"), crm(opportunity_id=" O-1 ", stage="closed_won", amount=10)],
    )
    assert current_ads(warehouse) == [(D, "google_ads", "C-1", 2.0), (D, "google_ads", "c-1", 3.0)]
    assert warehouse.query("select opportunity_id, stage from raw.crm_opportunities") == [
        ("O-1", "closed_won")
    ]


def test_loading_the_same_payload_twice_changes_nothing(warehouse):
    payload_ads = [ads(), ads(campaign_id="C-2", date="2025-08-03"), ads(clicks="x")]
    payload_crm = [crm(), crm(opportunity_id="O-2", stage="opportunity")]
    warehouse.load(payload_ads, payload_crm)
    first = raw_state(warehouse)
    warehouse.load(payload_ads, payload_crm)
    assert raw_state(warehouse) == first
    # the history keeps both loads, for audit
    assert warehouse.query("select count(*) from raw.ads_performance_history")[0][0] == 4


def test_window_replacement(warehouse):
    warehouse.load(
        [
            ads(date="2025-07-31", campaign_id="C-1"),
            ads(date="2025-08-01", campaign_id="C-1"),
            ads(date="2025-08-01", campaign_id="C-2"),
            ads(date="2025-08-02", campaign_id="C-1"),
            ads(date="2025-08-03", campaign_id="C-1"),
            ads(date="2025-08-04", campaign_id="C-1"),
        ],
        [],
    )
    # The source restates 08-01..08-03: C-2 is gone on 08-01, 08-02 has no rows at all now.
    summary = warehouse.load(
        [
            ads(date="2025-08-01", campaign_id="C-1", clicks=99),
            ads(date="2025-08-03", campaign_id="C-1", clicks=77),
        ],
        [],
    )
    assert summary["sources"]["ads"]["window"] == [D, dt.date(2025, 8, 3)]
    assert current_ads(warehouse) == [
        (dt.date(2025, 7, 31), "google_ads", "C-1", 10.0),  # before the window: untouched
        (D, "google_ads", "C-1", 99.0),
        (dt.date(2025, 8, 3), "google_ads", "C-1", 77.0),
        (dt.date(2025, 8, 4), "google_ads", "C-1", 10.0),  # after the window: untouched
    ]
    # An empty extract replaces nothing.
    summary = warehouse.load([], [])
    assert summary["sources"]["ads"]["window"] is None
    assert len(current_ads(warehouse)) == 4


def test_since_opens_the_window_and_skips_older_rows(warehouse):
    warehouse.load([ads(date=f"2025-08-0{d}") for d in range(1, 6)], [])
    summary = warehouse.load(
        [ads(date="2025-08-01", clicks=1), ads(date="2025-08-04", clicks=4)],
        [
            crm(created_at="2025-07-31T23:00:00Z"),
            crm(opportunity_id="O-2", created_at="2025-08-02T00:00:00Z"),
        ],
        since="2025-08-02",
    )
    assert summary["sources"]["ads"]["skipped_before_since"] == 1
    assert summary["sources"]["crm"]["skipped_before_since"] == 1
    assert summary["sources"]["ads"]["window"] == [dt.date(2025, 8, 2), dt.date(2025, 8, 4)]
    assert [(r[0].day, r[3]) for r in current_ads(warehouse)] == [(1, 10.0), (4, 4.0), (5, 10.0)]
    assert warehouse.query("select opportunity_id from raw.crm_opportunities") == [("O-2",)]


def test_crm_stage_progression_updates_the_row(warehouse):
    warehouse.load([], [crm(stage="lead"), crm(opportunity_id="O-2")])
    warehouse.load([], [crm(stage="closed_won", amount=500)])
    assert warehouse.query(
        "select opportunity_id, stage, amount from raw.crm_opportunities order by 1"
    ) == [("O-1", "closed_won", 500.0), ("O-2", "lead", 0.0)]
    versions = warehouse.query(
        "select count(*) from raw.crm_opportunities_history where opportunity_id = 'O-1'"
    )
    assert versions == [(2,)]


def test_envelope_variants(warehouse):
    missing = warehouse.root / "missing.json"
    missing.write_text('{"external": {"ads": {}}}')
    with_more_keys = warehouse.root / "more.json"
    with_more_keys.write_text(
        json.dumps(
            {
                "meta": {"pages": [1]},
                "external": {"crm": {"opportunities": [crm()], "tags": ["x", "y"]}},
            }
        )
    )
    summary = warehouse.load(missing, with_more_keys)
    assert summary["status"] == "ok"
    assert summary["sources"]["ads"]["received"] == 0
    assert summary["sources"]["crm"]["loaded"] == 1


def test_next_links_are_followed(warehouse, httpserver):
    page1 = {"external": {"ads": {"performance": [ads(clicks=1)], "next": "/ads?page=2"}}}
    page2 = {"external": {"ads": {"performance": [ads(clicks=2), ads(campaign_id="C-9")]}}}
    httpserver.expect_request("/ads", query_string="page=2").respond_with_json(page2)
    httpserver.expect_request("/ads", query_string="").respond_with_json(page1)
    httpserver.expect_request("/crm").respond_with_json({"external": {"crm": {}}})
    summary = warehouse.load(httpserver.url_for("/ads"), httpserver.url_for("/crm"))
    assert summary["sources"]["ads"]["received"] == 3
    assert current_ads(warehouse) == [(D, "google_ads", "C-1", 2.0), (D, "google_ads", "C-9", 10.0)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key": ("report_date", "campaign")}, "no raw column campaign"),
        ({"day_of": "clicks"}, "clicks holds no day"),
        ({"day_of": "when"}, "no field when"),
        ({"fields": (Field("date", Kind.DATE_AS_WRITTEN),)}, "stored as report_date"),
        ({"fields": (Field("utm-source", Kind.TEXT),)}, "not a plain name"),
    ],
)
def test_a_declaration_that_does_not_hold_together_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(SOURCES[0], **change)
