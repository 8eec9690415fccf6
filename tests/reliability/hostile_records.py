"""Hypothesis strategies for bad upstream data: records with wrong types, huge numbers, unicode,
very long strings, SQL-looking strings and nested junk, and whole payloads that are broken.

Every record starts from a plausible one and gets one to three mutations, so each record drawn
is bad in some way (a field of the wrong type, a missing field, a junk key, or a record that is
not an object at all), while enough of it is plausible to reach every rule of the loader.
"""

from __future__ import annotations

import datetime as dt
import json

from helpers.payloads import envelope
from hypothesis import strategies as st

HOSTILE_STRINGS = [
    "",
    " ",
    "\t\n\r",
    "\u00a0\u3000",
    "'; drop table raw.ads_performance; --",
    '" or 1=1 --',
    "Robert'); DROP TABLE students;--",
    "1; select * from raw.crm_opportunities",
    "${jndi:ldap://127.0.0.1/x}",
    "{{ 7 * 7 }}",
    "{% raw %}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\\x00",
    "\u0000",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "0x1A",
    "12",
    " 12 ",
    "-5",
    "1_000",
    "null",
    "true",
    "ana@example.com",
    "  Ana.Lopez+ads@Example.COM ",
    "2025-08-01",
    "2025-13-45",
    "2025-08-01T25:00:00Z",
    "9999-12-31",
    "0001-01-01",
    "2025-02-30",
    "💥🚀",
    "ÆØÅ ü ß ç",
    "\u202eevil",
    "x" * 5000,
    "y" * 70_000,
]
NUMBERS = [
    0,
    -1,
    -0.0,
    1e15,
    -1e15,
    1e308,
    -1e308,
    5e-324,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63),
    10**30,
    123456789.123456789,
]

_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(NUMBERS),
    st.text(max_size=40),
    st.sampled_from(HOSTILE_STRINGS),
)
junk = st.recursive(
    _leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)

not_an_object = st.one_of(_leaf, st.lists(junk, max_size=3))
_days = st.dates(dt.date(2025, 7, 25), dt.date(2025, 8, 10))
_triples = st.sampled_from(["spring", "google", "cpc", " Meta ", "", None, "paid_social"])


@st.composite
def plausible_ads(draw) -> dict:
    day = draw(_days)
    return {
        "date": draw(st.sampled_from([day.isoformat(), f"{day.isoformat()}T10:15:00Z"])),
        "campaign_id": draw(st.sampled_from(["C-1", "C-2", " C-3 ", "C-4"])),
        "channel": draw(st.sampled_from(["google_ads", "Meta_Ads ", "tiktok_ads"])),
        "clicks": draw(st.integers(-5, 500)),
        "impressions": draw(st.integers(-5, 20_000)),
        "cost": draw(st.floats(-10, 5_000, allow_nan=False)),
        "utm_campaign": draw(_triples),
        "utm_source": draw(_triples),
        "utm_medium": draw(_triples),
    }


@st.composite
def plausible_crm(draw) -> dict:
    day = draw(_days)
    hour = draw(st.integers(0, 23))
    return {
        "opportunity_id": f"O-{draw(st.integers(1, 40))}",
        "contact_email": draw(st.sampled_from(["ana@example.com", " Bo@Example.org ", None])),
        "stage": draw(
            st.sampled_from(
                ["lead", "opportunity", "closed_won", "closed_lost", " Closed_Won", "qualified"]
            )
        ),
        "amount": draw(st.floats(-100, 10_000, allow_nan=False)),
        "created_at": draw(
            st.sampled_from(
                [
                    f"{day}T{hour:02d}:30:00Z",
                    f"{day}T{hour:02d}:30:00.123+02:00",
                    f"{day} {hour:02d}:30:00",
                    f"{day}",
                ]
            )
        ),
        "utm_campaign": draw(_triples),
        "utm_source": draw(_triples),
        "utm_medium": draw(_triples),
    }


@st.composite
def mutated(draw, plausible) -> object:
    """A plausible record with one to three things wrong with it."""
    record = draw(plausible)
    for _ in range(draw(st.integers(1, 3))):
        how = draw(
            st.sampled_from(["junk value", "junk value", "missing", "extra key", "not an object"])
        )
        if how == "not an object":
            return draw(not_an_object)
        key = draw(st.sampled_from(sorted(record)))
        if how == "junk value":
            record[key] = draw(junk)
        elif how == "missing":
            record.pop(key, None)
        else:
            record[draw(st.sampled_from(HOSTILE_STRINGS + ["date ", "Date"]))] = draw(junk)
        if not record:
            break
    return record


ads_records = st.lists(mutated(plausible_ads()), min_size=10, max_size=50)
crm_records = st.lists(mutated(plausible_crm()), min_size=10, max_size=50)


# Whole bodies that are not the envelope (or barely are): each must load cleanly or fail the
# source with a clear one-line error, never raise.
HOSTILE_BODIES = {
    "nesting 100,000 deep before the list": b'{"x":'
    + b"[" * 100_000
    + b"]" * 100_000
    + b', "external": {"ads": {"performance": []}}}',
    "nesting 100,000 deep inside a record": b'{"external": {"ads": {"performance": ['
    + b"[" * 100_000
    + b"]" * 100_000
    + b"]}}}",
    "a byte order mark": b'\xef\xbb\xbf{"external": {"ads": {"performance": []}}}',
    "UTF-16": '{"external": {"ads": {"performance": []}}}'.encode("utf-16"),
    "invalid UTF-8 in a string": b'{"external": {"ads": {"performance": [{"date": "2025-08-01",'
    b' "campaign_id": "C-\xff", "channel": "x"}]}}}',
    "an unpaired surrogate escape": b'{"external": {"ads": {"performance": [{"date": '
    b'"2025-08-01", "campaign_id": "C-\\ud800", "channel": "x"}]}}}',
    "a bare NaN": b'{"external": {"ads": {"performance": [{"date": "2025-08-01", "campaign_id":'
    b' "C-1", "channel": "x", "cost": NaN}]}}}',
    "white space only": b" \n\t ",
    "a number": b"42",
    "null": b"null",
    "a list instead of the envelope": b'[{"date": "2025-08-01"}]',
    "external is a list": b'{"external": []}',
    "the list is a string": b'{"external": {"ads": {"performance": "[]"}}}',
    "two documents": b'{"external": {"ads": {"performance": []}}}{"x": 1}',
    "trailing garbage": b'{"external": {"ads": {"performance": []}}} garbage',
    "a key of 2 MB": b'{"' + b"k" * 2_000_000 + b'": 1, "external": {"ads": {"performance": []}}}',
    "10,000 empty records": b'{"external": {"ads": {"performance": ['
    + b",".join([b"{}"] * 10_000)
    + b"]}}}",
}

# Random JSON documents and random bytes, for the property test on whole bodies.
bodies = st.one_of(
    st.binary(max_size=300),
    junk.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(
        st.sampled_from(["external", "ads", "performance", "next"]), junk, max_size=3
    ).map(lambda v: json.dumps(v).encode()),
    junk.map(lambda v: json.dumps({"external": {"ads": v}}).encode()),
    junk.map(lambda v: json.dumps({"external": {"ads": {"performance": v}}}).encode()),
    ads_records.map(lambda r: envelope("ads", r)[: len(envelope("ads", r)) // 2]),
)
