"""Ads and CRM records, and the API envelope they travel in (CONTRACT §1).

Deterministic builders, no randomness: a record of one day (`ads`, `crm`), the small history
the incremental and zone tests start from (`BASE_ADS`, `BASE_CRM`), and months of records for
the retention and service tests (`ads_payload`, `crm_payload`).
"""

from __future__ import annotations

import datetime as dt
import json

# The raw tables the loader lands these records in (load/sources/): current rows, histories,
# the Ads windows and the quarantine.
RAW_TABLES = (
    "ads_performance",
    "ads_performance_history",
    "ads_load_windows",
    "crm_opportunities",
    "crm_opportunities_history",
    "rejected_records",
)
# The list of records inside {"external": {<source>: {<key>: [...]}}}.
LIST_KEY = {"ads": "performance", "crm": "opportunities"}
TRIPLE = ("a", "b", "c")  # utm_campaign, utm_source, utm_medium
SPRING = ("spring", "google", "cpc")


def envelope(source: str, records: list) -> bytes:
    """The records of `source` (ads or crm) as its API serves them."""
    return json.dumps({"external": {source: {LIST_KEY[source]: records}}}).encode()


def records_in(body: bytes, source: str) -> list:
    return json.loads(body)["external"][source][LIST_KEY[source]]


# --- one record: a day of August 2025 --------------------------------------------------------


def ads(
    day: int,
    campaign: str,
    clicks: float = 10,
    cost: float = 5.0,
    triple=TRIPLE,
    channel: str = "google_ads",
) -> dict:
    return {
        "date": f"2025-08-{day:02d}",
        "campaign_id": campaign,
        "channel": channel,
        "clicks": clicks,
        "impressions": clicks * 10,
        "cost": cost,
        "utm_campaign": triple[0],
        "utm_source": triple[1],
        "utm_medium": triple[2],
    }


def crm(
    opp: str,
    day: int,
    stage: str = "lead",
    amount: float = 0,
    triple=TRIPLE,
    hour: int = 10,
) -> dict:
    return {
        "opportunity_id": opp,
        "contact_email": f"{opp}@example.com",
        "stage": stage,
        "amount": amount,
        "created_at": f"2025-08-{day:02d}T{hour:02d}:00:00Z",
        "utm_campaign": triple[0],
        "utm_source": triple[1],
        "utm_medium": triple[2],
    }


# Five days, two campaigns a day; three opportunities a day, one of each stage.
BASE_ADS = [ads(d, c, clicks=10 * d, cost=1.5 * d) for d in range(1, 6) for c in ("C-1", "C-2")]
BASE_CRM = [
    crm(f"O-{d}{i}", d, stage=s, amount=100 * d if s == "closed_won" else 0)
    for d in range(1, 6)
    for i, s in enumerate(["lead", "opportunity", "closed_won"])
]


# --- months of records from a first day ----------------------------------------------------

CAMPAIGNS = (
    ("C-1", "google_ads", "spring", "google", "cpc"),
    ("C-2", "meta_ads", "promo", "fb", "social"),
)
STAGES = ("lead", "opportunity", "closed_won", "closed_lost")


def ads_payload(first: dt.date, days: int) -> list[dict]:
    rows = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        for n, (campaign, channel, utm_campaign, utm_source, utm_medium) in enumerate(CAMPAIGNS):
            rows.append({"date": day.isoformat(), "campaign_id": campaign, "channel": channel,
                         "clicks": 10 + offset % 7 + n, "impressions": 100 + offset,
                         "cost": round(3.5 + offset % 5 + n, 2), "utm_campaign": utm_campaign,
                         "utm_source": utm_source, "utm_medium": utm_medium})  # fmt: skip
    return rows


def crm_payload(first: dt.date, days: int) -> list[dict]:
    rows = []
    for offset in range(0, days, 2):
        day = first + dt.timedelta(days=offset)
        _, _, utm_campaign, utm_source, utm_medium = CAMPAIGNS[offset % 3 % 2]
        rows.append({"opportunity_id": f"O-{offset}", "contact_email": f"p{offset}@example.com",
                     "stage": STAGES[offset % 4], "amount": 100.0 + offset,
                     "created_at": f"{day.isoformat()}T{offset % 24:02d}:30:00Z",
                     "utm_campaign": utm_campaign if offset % 5 else "orphan",
                     "utm_source": utm_source, "utm_medium": utm_medium})  # fmt: skip
    return rows
