"""Record rules, natural keys, the Ads window and the CRM upsert (CONTRACT §2–§3), on raw tables."""

from __future__ import annotations

import datetime as dt
import json

import pytest


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
