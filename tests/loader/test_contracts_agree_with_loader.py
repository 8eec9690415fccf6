"""One source of truth: the JSON Schema contracts (contracts/*.v1.json) and the loader's columnar
SQL checks accept and reject the same records and the same envelopes.

Every verdict of the table below was written by hand from CONTRACT §1–§2; both the schema and
the loader must reach it. The hypothesis test then draws records from a wide space of tricky
values and requires that the two always agree with each other. One rule is the loader's alone:
a day more than 365 days after the day of the load is rejected, a bound relative to the day the
load runs that JSON Schema cannot express (the schemas say so); the tests hold it apart.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from load import schemas
from load.records import (
    WHITESPACE_CHARS,
    PlausibleDays,
    append_records,
    create_record_table,
    work_area,
)
from load.sources import SOURCES
from load.sources.landing import split

GOOD_ADS = {
    "date": "2025-08-01",
    "campaign_id": "C-1",
    "channel": "google_ads",
    "clicks": 10,
    "impressions": 100,
    "cost": 5.5,
    "utm_campaign": "a",
    "utm_source": "b",
    "utm_medium": "c",
}
GOOD_CRM = {
    "opportunity_id": "O-1",
    "contact_email": "x@example.com",
    "stage": "lead",
    "amount": 10,
    "created_at": "2025-08-01T10:00:00Z",
    "utm_campaign": "a",
    "utm_source": "b",
    "utm_medium": "c",
}
ABSENT = object()


def with_field(base: dict, **fields) -> dict:
    record = dict(base)
    for key, value in fields.items():
        if value is ABSENT:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def A(**fields) -> dict:  # noqa: N802 (short names keep the table readable)
    return with_field(GOOD_ADS, **fields)


def C(**fields) -> dict:  # noqa: N802
    return with_field(GOOD_CRM, **fields)


# The plausible days (CONTRACT §2 Dates) under the default settings, for a load run today: the
# latest moves with the day of the load, which JSON Schema cannot express.
LOAD_DAY = dt.datetime.now(dt.UTC).date()
LATEST = LOAD_DAY + dt.timedelta(days=365)
AFTER_LATEST = LATEST + dt.timedelta(days=1)
PLAUSIBLE = PlausibleDays(dt.date(2000, 1, 1), LATEST)
# The verdict of a record the loader rejects for the one rule the schema cannot say (it accepts).
LOADER_ONLY = "rejected by the loader only"

# (record, verdict): True accepted, False rejected, LOADER_ONLY rejected past LATEST — the
# verdicts come from the contract's words, not from either checker.
ADS_TABLE = [
    (A(), True),
    (A(date=" 2025-08-01\t"), True),  # trimmed
    (A(date="2025-08-02T23:30:00-05:00"), True),
    (A(date="2025-08-01T23:30:00-05:00"), True),  # its day as written, 08-01
    (A(date="2025-08-01T00:30:00+02:00"), True),
    (A(date="2025-08-01 10:00"), True),
    (A(date="2024-02-29"), True),  # leap day
    (A(date="2000-02-29T00:00:00Z"), True),
    (A(date="2025-08-01T24:00"), True),  # the end of the day
    (A(date="2025-02-29"), False),  # not a leap year
    (A(date="1900-02-29"), False),
    (A(date="2025-13-01"), False),
    (A(date="2025-08-32"), False),
    (A(date="2025-08-01T25:00"), False),
    (A(date="2025-08-01T10:60"), False),
    (A(date="2025-08-01Tfoo"), False),
    (A(date="2025-08-01T10:00:00 UTC"), False),  # zone names are not RFC 3339
    (A(date="2025-08-01t10:00:00z"), False),
    (A(date="2025-08-01Z"), False),
    (A(date="20250801"), False),
    (A(date=20250801), False),
    (A(date=""), False),
    (A(date="   "), False),
    (A(date=None), False),
    (A(date=ABSENT), False),
    (A(date=["2025-08-01"]), False),
    # plausible days: from 2000-01-01 to 365 days after the day of the load, as written
    (A(date="2000-01-01"), True),
    (A(date="1999-12-31"), False),
    (A(date="0001-01-01"), False),
    (A(date="0000-02-29"), False),
    (A(date="1999-12-31T23:30:00-05:00"), False),  # written 1999-12-31 (2000-01-01 in UTC)
    (A(date="2000-01-01T00:30:00+01:00"), True),  # written 2000-01-01 (1999-12-31 in UTC)
    (A(date=LATEST.isoformat()), True),
    (A(date=f"{LATEST}T23:30:00-05:00"), True),  # as written, LATEST (the next day in UTC)
    (A(date=AFTER_LATEST.isoformat()), LOADER_ONLY),
    (A(date=f"{AFTER_LATEST}T00:30:00+02:00"), LOADER_ONLY),
    (A(date="9999-12-31"), LOADER_ONLY),
    (A(campaign_id=" C-1 "), True),
    (A(campaign_id=1001), True),  # a whole number is an id
    (A(campaign_id=1001.0), True),
    (A(campaign_id=10.5), False),
    (A(campaign_id=""), False),
    (A(campaign_id="\u3000\n"), False),  # only white space
    (A(campaign_id=None), False),
    (A(campaign_id=ABSENT), False),
    (A(campaign_id=True), False),
    (A(channel={"name": "x"}), False),
    (A(channel="\u00a0Google_Ads\u2003"), True),
    # numbers: a JSON number, or a string holding one in JSON's grammar once trimmed
    (A(clicks=None), True),
    (A(clicks=ABSENT), True),
    (A(clicks="12"), True),
    (A(cost=" 12.5 "), True),
    (A(cost="\u3000 12.5\n"), True),
    (A(clicks="1e3"), True),
    (A(clicks="1E+3"), True),
    (A(clicks="-4"), True),  # negatives become 0 later
    (A(clicks="-7"), True),
    (A(clicks="0"), True),
    (A(cost="-0"), True),
    (A(cost="0.5"), True),
    (A(cost="2.5e-3"), True),
    (A(clicks="+5"), False),
    (A(cost="+5"), False),
    (A(cost=".5"), False),
    (A(cost="5."), False),
    (A(clicks="007"), False),  # leading zeros
    (A(cost="-.5"), False),
    (A(cost="1e"), False),
    (A(cost="--1"), False),
    (A(cost="1,000"), False),
    (A(cost="1,5"), False),
    (A(cost="NaN"), False),
    (A(cost="inf"), False),
    (A(cost="Infinity"), False),
    (A(cost="-Infinity"), False),
    (A(cost="1_000"), False),
    (A(cost="0x10"), False),
    (A(cost="12 €"), False),
    (A(cost="1 000"), False),
    (A(cost=""), False),
    (A(cost=True), False),
    (A(cost=[1]), False),
    (A(impressions={"value": 1}), False),
    # clicks and impressions are counts: whole numbers (12.0 is 12); cost may have a fraction
    (A(clicks=12.0), True),
    (A(clicks="12.0"), True),
    (A(clicks=1.2e1), True),
    (A(clicks="1.2e1"), True),
    (A(impressions="120e-1"), True),
    (A(impressions=" 1.0E2 "), True),
    (A(clicks=12.5), False),
    (A(clicks="12.5"), False),
    (A(clicks=" 3.5 "), False),
    (A(impressions=0.5), False),
    (A(impressions="1.25e1"), False),
    (A(impressions=-0.1), False),
    (A(cost=12.5), True),
    (A(cost=0.01), True),
    # |x| < 1e15
    (A(clicks=999999999999999), True),
    (A(clicks="999999999999999"), True),
    (A(cost=999999999999999.9), True),
    (A(cost="-999999999999999.9"), True),
    (A(clicks=1e15), False),
    (A(clicks=-1e15), False),
    (A(clicks="1e16"), False),
    (A(clicks="1000000000000000"), False),
    (A(impressions="1e15"), False),
    (A(cost=1e15), False),
    (A(cost="1e15"), False),
    (A(cost="-1E15"), False),
    (A(cost=1e300), False),
    (A(cost="1e400"), False),  # a number (as a double, Inf), far out of range
    (A(utm_campaign=None, utm_source=7, utm_medium=["x"]), True),  # UTMs are free
    ("not an object", False),
    ([GOOD_ADS], False),
    (None, False),
]

CRM_TABLE = [
    (C(), True),
    (C(created_at="2025-08-01T23:30:00-05:00"), True),
    (C(created_at="2025-08-03 09:15:00"), True),
    (C(created_at="2025-08-03T11:00:00.123Z"), True),
    (C(created_at="2025-08-01T00:30:00+0200"), True),
    (C(created_at="2025-08-01T00:30+02"), True),
    (C(created_at="2025-08-01"), True),
    (C(created_at="2025-02-30T10:00:00Z"), False),
    (C(created_at="2025-08-01T10:00:60Z"), False),
    (C(created_at="2025-08-01T10:00:00+5"), False),
    (C(created_at="infinity"), False),
    (C(created_at="now"), False),
    (C(created_at=""), False),
    (C(created_at=None), False),
    (C(created_at=ABSENT), False),
    (C(created_at=1754042400), False),
    # plausible days: the instant's day in UTC, from 2000-01-01 to 365 days after the load day
    (C(created_at="2000-01-01"), True),
    (C(created_at="2000-01-01T00:00:00Z"), True),
    (C(created_at=" 2000-01-01T05:00:00+05:00 "), True),  # 2000-01-01T00:00Z
    (C(created_at="1999-12-31T23:30:00-01:00"), True),  # 2000-01-01T00:30Z
    (C(created_at="1999-12-31T24:00"), True),  # the end of 1999-12-31 is 2000-01-01T00:00Z
    (C(created_at="1999-12-31T23:59:59.999Z"), False),
    (C(created_at="1999-12-31"), False),
    (C(created_at="2000-01-01T00:30:00+01:00"), False),  # 1999-12-31T23:30Z
    (C(created_at="2000-01-01T10:00+1001"), False),  # 1999-12-31T23:59Z
    (C(created_at="2000-01-03T00:00+99:99"), False),  # 1999-12-29T19:21Z, as DuckDB reads it
    (C(created_at="0001-01-01T00:00:00Z"), False),
    (C(created_at="0000-12-31T23:00:00-05:00"), False),
    (C(created_at=f"{LATEST}T23:59:59Z"), True),
    (C(created_at=f"{LATEST}T00:30:00+02:00"), True),  # the day before LATEST in UTC
    (C(created_at=f"{AFTER_LATEST}T01:00:00+02:00"), True),  # LATEST, 23:00 in UTC
    (C(created_at=f"{LATEST}T23:30:00-05:00"), LOADER_ONLY),  # the day after LATEST in UTC
    (C(created_at=f"{AFTER_LATEST}T00:00:00Z"), LOADER_ONLY),
    (C(created_at="9999-12-31T23:00:00-05:00"), LOADER_ONLY),  # in UTC, year 10000
    (C(opportunity_id=""), False),
    (C(opportunity_id=" "), False),
    (C(opportunity_id=ABSENT), False),
    (C(opportunity_id=9001), True),
    (C(opportunity_id=" O-9 "), True),
    (C(opportunity_id=1.5), False),
    (C(amount=None), True),
    (C(amount="12.5"), True),
    (C(amount=" 12.5 "), True),
    (C(amount=12.5), True),  # an amount may have a fraction
    (C(amount="1e3"), True),
    (C(amount=-3), True),
    (C(amount="-4"), True),
    (C(amount="+5"), False),
    (C(amount=".5"), False),
    (C(amount="5."), False),
    (C(amount="0x10"), False),
    (C(amount="1,000"), False),
    (C(amount="NaN"), False),
    (C(amount="Infinity"), False),
    (C(amount="n/a"), False),
    (C(amount=[1]), False),
    (C(amount=-1e20), False),
    (C(amount=1e15), False),
    (C(amount="1e15"), False),
    (C(amount="-1e15"), False),
    (C(amount="-999999999999999.5"), True),
    (C(contact_email=None, stage=None), True),
    (C(stage="Closed_Won "), True),
    (42, False),
]


def loader_accepts(source: str, records: list, tmp_path: Path) -> list[bool]:
    """The loader's verdict on each record: its real validation SQL in its real work area."""
    con = work_area(tmp_path / "spill")
    try:
        declared = next(s for s in SOURCES if s.name == source)
        array_file = tmp_path / f"{source}-records.json"
        array_file.write_text(json.dumps(records, allow_nan=False))
        create_record_table(con, declared.work.records)
        append_records(con, declared.work.records, array_file)
        split(con, declared, None, "UTC", PLAUSIBLE)
        rows = con.execute(
            f"select reason is null from {declared.work.checked} order by record_index"
        ).fetchall()
        return [accepted for (accepted,) in rows]
    finally:
        con.close()


def schema_accepts(source: str, records: list) -> list[bool]:
    contract = schemas.ADS if source == "ads" else schemas.CRM
    # What a reader of the JSON text sees, exactly as the loader reads the same text.
    parsed = json.loads(json.dumps(records, allow_nan=False))
    return [not contract.record_errors(record) for record in parsed]


def verdict(accepted: bool) -> str:
    return "accept" if accepted else "reject"


@pytest.mark.parametrize(("source", "table"), [("ads", ADS_TABLE), ("crm", CRM_TABLE)])
def test_schema_and_loader_reach_the_contracts_verdicts(source, table, tmp_path):
    records = [record for record, _ in table]
    by_schema = schema_accepts(source, records)
    by_loader = loader_accepts(source, records, tmp_path)
    for (record, want), schema, loader in zip(table, by_schema, by_loader, strict=True):
        # past LATEST, the schema accepts (it cannot know the day of the load), the loader not
        expected = (want is not False, want is True)
        assert (schema, loader) == expected, (
            f"{source} record {record!r}: expected schema {verdict(expected[0])}, loader "
            f"{verdict(expected[1])}; got schema {verdict(schema)}, loader {verdict(loader)}"
        )


def test_the_table_reaches_the_loader_only_rule():
    for table in (ADS_TABLE, CRM_TABLE):
        assert sum(want == LOADER_ONLY for _, want in table) >= 3


def past_latest(source: str, record: dict) -> bool:
    """The loader-only rule, for a record the schema accepts: is its day after LATEST?"""
    text = record["date" if source == "ads" else "created_at"].strip()
    written = dt.date.min if text.startswith("0000") else dt.date.fromisoformat(text[:10])
    if source == "crm":
        # A UTC day is within 5 days of the day written (offsets go up to 99:99); no drawn day
        # comes that near LATEST, where this would have to read the instant.
        assert abs((written - LATEST).days) > 5, text
    return written > LATEST


# --- hypothesis: a wide space of values, both checkers must agree ------------------------------

SPACES = st.sampled_from(sorted(set(WHITESPACE_CHARS) | {"", " "}))
PADDING = st.lists(SPACES, max_size=2).map("".join)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)


@st.composite
def timestamp_text(draw) -> str:
    """Dates and times around every edge of the grammar: out-of-range parts, odd separators."""
    year = draw(
        st.sampled_from(["2025", "2024", "2000", "1999", "1900", "0000", "9999", "202", "20255"])
    )
    month = draw(st.sampled_from(["01", "02", "04", "12", "00", "13", "1", "08"]))
    day = draw(st.sampled_from(["01", "28", "29", "30", "31", "32", "00", "1"]))
    text = f"{year}-{month}-{day}"
    if draw(st.booleans()):
        text += draw(st.sampled_from(["T", " ", "t", "  ", "", "_"]))
        text += draw(st.sampled_from(["00", "10", "23", "24", "25", "1"]))
        text += draw(st.sampled_from([":00", ":59", ":60", ":5", ""]))
        text += draw(st.sampled_from(["", ":00", ":59", ":60", ":00.5", ":00.", ":00.000", ".5"]))
    text += draw(st.sampled_from(["", "", "Z", "z", "+05", "+0530", "+05:30", "-5", "+05:3", " Z"]))
    return draw(PADDING) + text + draw(PADDING)


@st.composite
def numeric_text(draw) -> str:
    """Decimal numbers as text, and near misses: separators, lone signs, broken exponents."""
    digits = draw(st.text("0123456789", min_size=1, max_size=4))
    more = draw(st.text("0123456789", min_size=1, max_size=3))
    body = draw(
        st.sampled_from(
            [
                digits,
                f"{digits}.{more}",
                f".{more}",
                f"{digits}.",
                f"{digits}_{more}",
                f"{digits},{more}",
                f"{digits} {more}",
                ".",
                "",
                f"0x{digits}",
            ]
        )
    )
    sign = draw(st.sampled_from(["", "", "+", "-", "--", "+-"]))
    exponent = draw(
        st.sampled_from(
            ["", "", "e", "E+", "e-", f"e{more}", "e14", "e15", "e300", "e400", "e-1", "E-2"]
        )
    )
    return draw(PADDING) + sign + body + exponent + draw(PADDING)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1.1e15, max_value=1.1e15),
    st.floats(min_value=9.99e14, max_value=1.001e15),
    TEXT,
)
ANY_VALUE = st.one_of(
    SCALARS, st.lists(SCALARS, max_size=2), st.dictionaries(TEXT, SCALARS, max_size=2)
)
MEASURE = st.one_of(
    numeric_text(),
    numeric_text(),
    SCALARS,
    st.sampled_from(["NaN", "inf", "-Infinity", " 12 ", "999999999999999", "1E400", "-0"]),
    st.sampled_from(["12.0", "1.2e1", "120e-1", "1.25e1", "0.5", "9.99e14", "1e15", "007"]),
    st.integers(min_value=-(10**16), max_value=10**16).map(float),  # whole, as doubles
)
IDENTIFIER = st.one_of(
    TEXT,
    st.lists(SPACES, min_size=1, max_size=3).map("".join),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1.0, -0.0, 1e20, 1e300, 1.5, True, None]),
    ANY_VALUE,
)
TIMESTAMP = st.one_of(timestamp_text(), TEXT, SCALARS)


@st.composite
def variants_of(draw, good: dict, fields: dict[str, st.SearchStrategy]) -> object:
    """A good record with up to three fields changed (or removed), or any JSON value at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(ANY_VALUE)
    changed = draw(st.lists(st.sampled_from(sorted(fields)), max_size=3, unique=True))
    record = dict(good)
    for key in changed:
        value = draw(st.one_of(st.just(ABSENT), fields[key]))
        if value is ABSENT:
            record.pop(key, None)
        else:
            record[key] = value
    return record


ADS_RECORDS = variants_of(
    GOOD_ADS,
    {
        "date": TIMESTAMP,
        "campaign_id": IDENTIFIER,
        "channel": IDENTIFIER,
        "clicks": MEASURE,
        "impressions": MEASURE,
        "cost": MEASURE,
        "utm_campaign": ANY_VALUE,
    },
)
CRM_RECORDS = variants_of(
    GOOD_CRM,
    {
        "opportunity_id": IDENTIFIER,
        "created_at": TIMESTAMP,
        "amount": MEASURE,
        "stage": ANY_VALUE,
        "contact_email": ANY_VALUE,
    },
)


@pytest.fixture(scope="module")
def loader_area(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("agree")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    ads_records=st.lists(ADS_RECORDS, min_size=80, max_size=120),
    crm_records=st.lists(CRM_RECORDS, min_size=80, max_size=120),
)
def test_schema_and_loader_always_agree(ads_records, crm_records, loader_area):
    for source, records in (("ads", ads_records), ("crm", crm_records)):
        by_schema = schema_accepts(source, records)
        by_loader = loader_accepts(source, records, loader_area)
        disagree = [
            (record, schema, loader)
            for record, schema, loader in zip(records, by_schema, by_loader, strict=True)
            if loader != (schema and not past_latest(source, record))
        ]
        assert not disagree, f"{source}: (record, schema accepts, loader accepts): {disagree}"


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_the_strategies_reach_both_verdicts():
    """The property above means something only if both verdicts are common in what it draws."""
    for source, strategy in (("ads", ADS_RECORDS), ("crm", CRM_RECORDS)):
        records = [strategy.example() for _ in range(300)]
        accepted = sum(schema_accepts(source, records))
        assert 60 <= accepted <= 240, f"{source}: {accepted} of 300 drawn records conform"


def test_the_white_space_of_the_contracts_is_the_loaders():
    """The schema's character class of white space is exactly the set the loader trims."""
    pattern = schemas.ADS.schema["$defs"]["identifier"]["anyOf"][0]["pattern"]
    import re

    non_space = re.compile(pattern)
    trimmed = {chr(c) for c in range(sys.maxunicode + 1) if not non_space.search(chr(c))}
    assert trimmed == set(WHITESPACE_CHARS)


def test_the_loaders_white_space_is_what_python_strips():
    assert WHITESPACE_CHARS == "".join(
        chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()
    )


def test_the_two_contracts_share_their_definitions():
    shared = ("timestamp", "identifier", "measure", "text")
    assert {k: schemas.ADS.schema["$defs"][k] for k in shared} == {
        k: schemas.CRM.schema["$defs"][k] for k in shared
    }


def test_quarantine_rows_name_the_version_in_the_schema_id(warehouse):
    assert (schemas.ADS.version, schemas.CRM.version) == ("ads.v1", "crm.v1")
    assert schemas.ADS.schema["$id"].endswith("/ads.v1.json")
    summary = warehouse.load(
        [record for record, _ in ADS_TABLE], [record for record, _ in CRM_TABLE]
    )
    assert summary["status"] == "ok"
    rows = warehouse.query(
        "select source, record_index, contract_version from raw.rejected_records order by all"
    )
    expected = sorted(
        [("ads", i, "ads.v1") for i, (_, ok) in enumerate(ADS_TABLE) if ok is not True]
        + [("crm", i, "crm.v1") for i, (_, ok) in enumerate(CRM_TABLE) if ok is not True]
    )
    assert rows == expected


# --- envelopes (CONTRACT §1): a body that is not the envelope fails the source -------------------

ENVELOPES = [  # valid and invalid alternate, so each run pairs a good body with a bad one
    ({"external": {"{s}": {"{k}": []}}}, True),
    ({"external": {"{s}": {"{k}": {}}}}, False),
    ({"external": {"{s}": {"{k}": None}}}, True),
    ({"external": {"{s}": {"{k}": "rows"}}}, False),
    ({"external": {"{s}": {}}}, True),
    ({"external": {"{s}": []}}, False),
    ({"external": None}, True),
    ({"external": "x"}, False),
    ({}, True),
    ([], False),
    ({"external": {"{s}": {"{k}": [], "next": 5}}}, True),  # a next that is not a link: ignored
    ("text", False),
]


def _envelope(template, source: str):
    key = "performance" if source == "ads" else "opportunities"
    text = json.dumps(template).replace("{s}", source).replace("{k}", key)
    return json.loads(text)


@pytest.mark.parametrize("pair", range(0, len(ENVELOPES), 2))
def test_envelopes_agree(warehouse, pair):
    """Two envelopes per loader run, a good and a bad one, each source taking either in turn."""
    good, bad = ENVELOPES[pair], ENVELOPES[pair + 1]
    cases = {"ads": good, "crm": bad} if pair % 4 == 0 else {"ads": bad, "crm": good}
    paths = {}
    for source, (template, valid) in cases.items():
        body = _envelope(template, source)
        contract = schemas.ADS if source == "ads" else schemas.CRM
        assert contract.payload_validator.is_valid(body) is valid, (source, body)
        paths[source] = warehouse.root / f"{source}-envelope.json"
        paths[source].write_text(json.dumps(body))
    summary = warehouse.load(paths["ads"], paths["crm"])
    for source, (template, valid) in cases.items():
        status = summary["sources"][source]["status"]
        assert status == ("ok" if valid else "failed"), (source, template, summary)
