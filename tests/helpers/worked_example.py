"""The worked example of CONTRACT §7: its payloads and the funnel it publishes."""

from __future__ import annotations

import datetime as dt

from helpers import TESTS

# A copy of shared/examples, so that a lone clone can test.
EXAMPLES = TESTS / "fixtures" / "worked_example"

D1, D2, D3, D31 = (dt.date(2025, 8, d) for d in (1, 2, 3, 31))

# report_date, triple, clicks, impressions, cost, leads, opportunities, closed_won, revenue
EXPECTED_FUNNEL = [
    (D1, ("back_to_school", "google", "cpc"), 1500, 54000, 450.75, 4, 3, 1, 5000),
    (D1, ("orphan_campaign", "newsletter", "email"), 0, 0, 0, 1, 1, 1, 800),
    (D1, ("unknown", "unknown", "paid_social"), 500, 20000, 120.5, 1, 0, 0, 0),
    (D2, ("back_to_school", "google", "cpc"), 0, 0, 0, 1, 0, 0, 0),
    (D3, ("summer_sale", "facebook", "paid_social"), 0, 1000, 0, 3, 2, 1, 0),
    (D31, ("fall_sale", "tiktok", "cpm"), 50, 2000, 25, 1, 1, 1, 0),
]
