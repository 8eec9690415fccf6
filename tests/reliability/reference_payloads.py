"""The two loads every fault scenario replays: the shipped sample, then a restatement of August.

The restatement changes what a partial or doubled load would show: restated costs, campaign-days
the source stopped reporting, new campaigns, stage progressions, new opportunities, rows before
`since` (skipped) and a few bad records (rejected). Generated from a fixed seed, so every run of
the suite sees the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
from functools import cache

from helpers import REPO_ROOT
from helpers.payloads import envelope, records_in

SAMPLE_DIR = REPO_ROOT / "load" / "sample"
RESTATEMENT_SINCE = dt.date(2025, 8, 1)
SEED = 20250801


def _sample(source: str) -> list[dict]:
    return records_in((SAMPLE_DIR / f"{source}.json").read_bytes(), source)


@cache
def first_load() -> dict[str, bytes]:
    """The shipped sample, as the APIs would serve it."""
    return {source: (SAMPLE_DIR / f"{source}.json").read_bytes() for source in ("ads", "crm")}


@cache
def restatement() -> dict[str, bytes]:
    """August again, loaded with --since 2025-08-01: what the APIs answer a week later."""
    rng = random.Random(SEED)
    ads = []
    for record in _sample("ads"):
        day = str(record.get("date", ""))[:10]
        if not "2025-07-28" <= day <= "2025-08-09":
            continue
        if day >= "2025-08-01" and rng.random() < 0.12:
            continue  # the source stopped reporting this campaign-day
        restated = dict(record)
        if isinstance(restated.get("cost"), int | float) and rng.random() < 0.4:
            restated["cost"] = round(restated["cost"] * rng.uniform(0.5, 1.5), 2)
        ads.append(restated)
    for day in range(1, 10):
        ads.append(
            {
                "date": f"2025-08-{day:02d}",
                "campaign_id": "C-9000",
                "channel": "reddit_ads",
                "clicks": 40 + day,
                "impressions": 900 + 10 * day,
                "cost": 12.5 * day,
                "utm_campaign": "back_to_school_0",
                "utm_source": "reddit",
                "utm_medium": "cpc",
            }
        )
    ads += [
        {"date": "2025-08-13", "campaign_id": "", "channel": "google_ads", "clicks": 1},
        {"date": "not-a-day", "campaign_id": "C-1", "channel": "google_ads"},
        {"date": "2025-08-05", "campaign_id": "C-1", "channel": "meta_ads", "cost": "a lot"},
    ]
    crm = []
    for record in _sample("crm"):
        created = str(record.get("created_at", ""))[:10]
        if not "2025-07-30" <= created <= "2025-08-09":
            continue
        progressed = dict(record)
        stage = str(progressed.get("stage", "")).strip().lower()
        if stage == "lead" and rng.random() < 0.3:
            progressed["stage"] = "opportunity"
        elif stage == "opportunity" and rng.random() < 0.5:
            progressed["stage"] = "closed_won"
            progressed["amount"] = round(rng.uniform(500, 9000), 2)
        crm.append(progressed)
    for n in range(1, 16):
        crm.append(
            {
                "opportunity_id": f"O-R{n}",
                "contact_email": f"late{n}@example.com",
                "stage": ["lead", "opportunity", "closed_won"][n % 3],
                "amount": 1000.0 + n if n % 3 == 2 else 0,
                "created_at": f"2025-08-{1 + n % 9:02d}T0{n % 10}:30:00Z",
                "utm_campaign": "back_to_school_0",
                "utm_source": "reddit",
                "utm_medium": "cpc",
            }
        )
    crm += [
        {"opportunity_id": "O-R99", "created_at": "", "stage": "lead"},
        {"opportunity_id": " ", "created_at": "2025-08-02T10:00:00Z", "stage": "lead"},
    ]
    return {"ads": envelope("ads", ads), "crm": envelope("crm", crm)}
