"""Generated loads for property tests: small random sequences of Ads and CRM batches that follow
the contract, dirty the way upstreams are (case and spaces in the keys, negative measures, zero
clicks and costs, unknown stages, several time zones), with or without a `since`."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

TRIPLES = [("spring", "google", "cpc"), ("spring", "meta", "paid_social"), (None, "  ", "cpc")]
CAMPAIGNS = [
    ("C-1", "google_ads"),
    ("C-2", "google_ads"),
    ("C-3", "meta_ads"),
    ("C-4", "Meta_Ads "),
]


def messy(text):
    return st.sampled_from([text, text.upper() if text else text, f" {text} " if text else text])


@st.composite
def ads_records(draw):
    day = draw(st.integers(1, 6))
    campaign, channel = draw(st.sampled_from(CAMPAIGNS))
    triple = draw(st.sampled_from(TRIPLES))
    return {
        "date": f"2025-08-{day:02d}",
        "campaign_id": campaign,
        "channel": draw(messy(channel)),
        "clicks": draw(st.sampled_from([0, 0, 3, 10, 25, -5])),
        "impressions": draw(st.integers(-10, 500)),
        "cost": draw(st.sampled_from([0.0, 1.25, 10.0, 33.3, -2.0])),
        "utm_campaign": triple[0],
        "utm_source": triple[1],
        "utm_medium": triple[2],
    }


@st.composite
def crm_records(draw):
    day = draw(st.integers(1, 6))
    hour = draw(st.integers(0, 23))
    offset = draw(st.sampled_from(["Z", "+02:00", "-05:00", ""]))
    separator = " " if offset == "" else "T"
    triple = draw(st.sampled_from(TRIPLES + [("orphan", "newsletter", "email")]))
    return {
        "opportunity_id": f"O-{draw(st.integers(1, 8))}",
        "contact_email": "someone@example.com",
        "stage": draw(
            st.sampled_from(
                ["lead", "opportunity", "closed_won", "closed_lost", " Closed_Won", "qualified"]
            )
        ),
        "amount": draw(st.sampled_from([0, 100.0, 250.5, -10, None])),
        "created_at": f"2025-08-{day:02d}{separator}{hour:02d}:30:00{offset}",
        "utm_campaign": triple[0],
        "utm_source": triple[1],
        "utm_medium": triple[2],
    }


loads = st.lists(
    st.tuples(
        st.lists(ads_records(), max_size=8),
        st.lists(crm_records(), max_size=6),
        st.one_of(st.none(), st.integers(1, 6).map(lambda d: dt.date(2025, 8, d))),
    ),
    min_size=1,
    max_size=3,
)


def few_examples(count: int):
    """Settings for a property test whose examples each cost loads and dbt builds (~5 s each):
    few examples and no shrinking, so a failure is reported as generated (still small)."""
    return settings(
        max_examples=count,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
