"""Months of generated Ads and CRM records for the lake tests (deterministic, no randomness)."""

from __future__ import annotations

import datetime as dt

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
