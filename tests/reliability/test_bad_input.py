"""Bad input: random hostile records and payloads through the loader and dbt.

Invariants: a record never fails the run; every record received is accounted for in the
warehouse (received = loaded + rejected + skipped before since, and the raw tables hold exactly
the loaded and the rejected ones); a payload that is not the envelope fails its source with a
clear one-line error and changes nothing; the marts keep every invariant of the CONTRACT.
"""

from __future__ import annotations

import datetime as dt
import itertools
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import requests
from helpers.payloads import envelope
from hostile_records import HOSTILE_BODIES, HOSTILE_STRINGS, ads_records, bodies, crm_records
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from mart_invariants import mart_problems
from service_api.service_harness import ServiceProcess
from warehouse_site import Site

HISTORY = {"ads": "ads_performance_history", "crm": "crm_opportunities_history"}
EMPTY = {"ads": envelope("ads", []), "crm": envelope("crm", [])}
sinces = st.one_of(st.none(), st.dates(dt.date(2025, 7, 28), dt.date(2025, 8, 8)))
_payloads = itertools.count()


class Target:
    """A warehouse that takes load after load; each payload goes through a file of its own."""

    def __init__(self, root: Path) -> None:
        self.site = Site(root / "site")
        self.folder = root / "payloads"
        self.folder.mkdir(parents=True)

    def write(self, source: str, body: bytes) -> str:
        path = self.folder / f"{source}-{next(_payloads)}.json"
        path.write_bytes(body)
        return str(path)

    def load(self, ads: bytes, crm: bytes, since: dt.date | None = None) -> dict:
        return self.site.load(self.write("ads", ads), self.write("crm", crm), since)

    def landed(self, source: str, ingested_at: str) -> tuple[int, int]:
        """(accepted rows in the history, rejected rows) of the run stamped `ingested_at`."""
        if not self.site.paths.raw_path.exists():
            return 0, 0
        with duckdb.connect(str(self.site.paths.raw_path), read_only=True) as con:
            tables = {
                t
                for (t,) in con.execute(
                    "select table_name from information_schema.tables where table_schema = 'raw'"
                ).fetchall()
            }
            stamp = "ingested_at = cast(? as timestamptz)"
            accepted = (
                con.execute(
                    f"select count(*) from raw.{HISTORY[source]} where {stamp}", [ingested_at]
                ).fetchone()[0]
                if HISTORY[source] in tables
                else 0
            )
            rejected = (
                con.execute(
                    f"select count(*) from raw.rejected_records where {stamp} and source = ?",
                    [ingested_at, source],
                ).fetchone()[0]
                if "rejected_records" in tables
                else 0
            )
        return accepted, rejected

    def raw_rows(self, source: str) -> dict[str, int]:
        with duckdb.connect(str(self.site.paths.raw_path), read_only=True) as con:
            return {
                table: con.execute(f"select count(*) from raw.{table}").fetchone()[0]
                for table in (HISTORY[source], "rejected_records")
            }


def assert_accounted_for(target: Target, summary: dict, sent: dict[str, list], figures) -> None:
    """received = sent = loaded + rejected + skipped, and the raw tables agree."""
    assert summary["status"] == "ok", summary
    for source, records in sent.items():
        result = summary["sources"][source]
        accepted, rejected = target.landed(source, summary["ingested_at"])
        accounted = accepted + rejected + result["skipped_before_since"]
        figures.records(tried=len(records), accounted_for=accounted)
        assert result["received"] == len(records), (source, result)
        assert (result["loaded"], result["rejected"]) == (accepted, rejected), (source, result)
        assert accounted == len(records), (source, result, accepted, rejected)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Target:
    return Target(tmp_path_factory.mktemp("bad-records"))


# Few examples, each slow (loads, builds), drawn from big strategies; shrinking would take longer
# than the search.
FEW_SLOW_EXAMPLES = {
    "deadline": None,
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}


@settings(max_examples=10, **FEW_SLOW_EXAMPLES)
@given(ads=ads_records, crm=crm_records, since=sinces)
def test_random_hostile_records_are_all_accounted_for(target, figures, ads, crm, since):
    summary = target.load(envelope("ads", ads), envelope("crm", crm), since)
    assert_accounted_for(target, summary, {"ads": ads, "crm": crm}, figures)


# A denominator so close to 0 that the ratio over it overflows: roas, 9e14 over a cost of
# 5e-324. (cpc and cpa no longer can: clicks are whole numbers now, so 1 is the least.)
TINY = (
    [
        {
            "date": "2025-08-01",
            "campaign_id": "C-1",
            "channel": "g",
            "clicks": 1,
            "impressions": 1,
            "cost": 4000,
            "utm_campaign": "a",
            "utm_source": "b",
            "utm_medium": "c",
        },
        {
            "date": "2025-08-02",
            "campaign_id": "C-1",
            "channel": "g",
            "clicks": 0,
            "impressions": 1,
            "cost": 5e-324,
            "utm_campaign": "a",
            "utm_source": "b",
            "utm_medium": "c",
        },
    ],
    [
        {
            "opportunity_id": "O-1",
            "created_at": "2025-08-02T10:00:00Z",
            "stage": "closed_won",
            "amount": 9e14,
            "utm_campaign": "a",
            "utm_source": "b",
            "utm_medium": "c",
        }
    ],
    None,
)


@settings(max_examples=1, **FEW_SLOW_EXAMPLES)
@given(batches=st.lists(st.tuples(ads_records, crm_records, sinces), min_size=2, max_size=2))
@example(batches=[TINY, ([], [], None)])
def test_random_hostile_records_through_dbt_keep_the_mart_invariants(
    tmp_path_factory, figures, batches
):
    """Two loads of hostile records, then a build: dbt's own tests pass (the build fails
    otherwise) and the marts keep the invariants, checked with SQL of this test's own."""
    target = Target(tmp_path_factory.mktemp("bad-records-dbt"))
    for ads, crm, since in batches:
        summary = target.load(envelope("ads", ads), envelope("crm", crm), since)
        assert_accounted_for(target, summary, {"ads": ads, "crm": crm}, figures)
    assert target.site.build(), "dbt build failed on hostile records"
    assert mart_problems(target.site.paths.duckdb_path) == []


def assert_loaded_or_refused_cleanly(target: Target, body: bytes, figures) -> None:
    before = target.raw_rows("ads")
    summary = target.load(body, EMPTY["crm"])
    ads = summary["sources"]["ads"]
    assert summary["sources"]["crm"]["status"] == "ok", "the other source still loads"
    if ads["status"] == "ok":
        accepted, rejected = target.landed("ads", summary["ingested_at"])
        assert ads["received"] == ads["loaded"] + ads["rejected"] + ads["skipped_before_since"]
        assert (ads["loaded"], ads["rejected"]) == (accepted, rejected)
        figures.payload(refused_cleanly=True)
        return
    error = ads["error"]
    clean = error.startswith("source ads: ") and "\n" not in error and "Traceback" not in error
    figures.payload(refused_cleanly=clean and target.raw_rows("ads") == before)
    assert clean, error
    assert target.raw_rows("ads") == before, "a refused payload changed the raw tables"


@pytest.fixture(scope="module")
def payload_target(tmp_path_factory: pytest.TempPathFactory) -> Target:
    target = Target(tmp_path_factory.mktemp("bad-payloads"))
    target.load(EMPTY["ads"], EMPTY["crm"])  # the raw tables exist before the first refusal
    return target


@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
def test_a_hostile_payload_loads_or_is_refused_cleanly(payload_target, figures, name):
    assert_loaded_or_refused_cleanly(payload_target, HOSTILE_BODIES[name], figures)


@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
def test_random_payloads_load_or_are_refused_cleanly(payload_target, figures, body):
    assert_loaded_or_refused_cleanly(payload_target, body, figures)


# --- the service: malformed and hostile query parameters ------------------------------------

SQL_LOOKING = [
    "' or '1'='1",
    "google_ads' --",
    "x'); drop table marts.fct_campaign_daily; --",
    "1 union select * from raw.crm_opportunities",
    "%",
    "_",
    "*",
    "\\",
    "$1",
    "?",
]
PARAMETERS = ["from", "to", "channel", "limit", "offset", "utm_campaign", "form", "limit "]
values = st.one_of(
    st.sampled_from(SQL_LOOKING + HOSTILE_STRINGS[:-1]),
    st.text(max_size=60),
    st.integers(-(10**30), 10**30).map(str),
    st.dates().map(str),
)


@pytest.fixture(scope="module")
def served(reference, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """The service on the reference's first load (read-only: it only reads the snapshot)."""
    service = ServiceProcess(
        tmp_path_factory.mktemp("hostile-params"), DUCKDB_PATH=str(reference.base.paths.duckdb_path)
    ).start()
    try:
        yield service
    finally:
        service.stop()


def _answered_cleanly(response: requests.Response, endpoint: str, params: dict) -> None:
    assert response.status_code in (200, 400), (response.status_code, response.text[:500])
    body = response.json()
    if response.status_code == 400:
        assert body["parameter"] in params and body["error"], body
        return
    limit = params.get("limit", "").strip()
    assert not (limit.lstrip("-").isdigit() and int(limit) > 1000), "a huge limit was taken"
    channel = params.get("channel", "").strip()
    for row in body["data"]:
        if endpoint == "/metrics/channel" and channel:
            assert row["channel"] == channel.lower(), (row["channel"], channel)
        if params.get("from", "").strip():
            assert row["date"] >= params["from"].strip()
        if params.get("to", "").strip():
            assert row["date"] <= params["to"].strip()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(["/metrics/channel", "/metrics/funnel"]),
    params=st.dictionaries(st.sampled_from(PARAMETERS), values, max_size=4),
)
def test_hostile_parameters_get_a_400_or_a_bound_answer(served, figures, endpoint, params):
    response = requests.get(served.url + endpoint, params=params, timeout=60)
    try:
        _answered_cleanly(response, endpoint, params)
    except AssertionError:
        figures.request(answered_cleanly=False)
        raise
    figures.request(answered_cleanly=True)


def test_a_long_url_gets_the_same_answer_however_its_bytes_arrive(served, figures):
    """h11 used to refuse a request head still incomplete past 16 KiB: the same 100 KB URL was
    answered when it came in one read and cut off (connection reset) when it came in pieces."""
    host, port = served.url.removeprefix("http://").split(":")
    head = f"GET /metrics/channel?channel={'x' * 100_000} HTTP/1.1\r\nHost: {host}\r\n"
    with socket.create_connection((host, int(port)), timeout=60) as client:
        for start in range(0, len(head), 10_000):
            client.sendall(head[start : start + 10_000].encode())
            time.sleep(0.02)
        client.sendall(b"Connection: close\r\n\r\n")
        answer = b"".join(iter(lambda: client.recv(65536), b""))
    clean = answer.startswith(b"HTTP/1.1 200 ") and b'"count":0' in answer
    figures.request(answered_cleanly=clean)
    assert clean, answer[:300]


@pytest.mark.parametrize("value", SQL_LOOKING + ["x" * 100_000])
def test_sql_looking_values_are_bound_never_run(served, reference, figures, value):
    """A value formatted into SQL would fail (500) or widen the filter; bound, it matches no
    row. The marts are the same afterwards."""
    before = served.get("/metrics/channel?limit=0").json()["count"]
    for endpoint, name in (("/metrics/channel", "channel"), ("/metrics/funnel", "utm_campaign")):
        response = requests.get(served.url + endpoint, params={name: value}, timeout=60)
        clean = response.status_code == 200 and response.json()["count"] == 0
        figures.request(answered_cleanly=clean)
        assert clean, (response.status_code, response.text[:500])
    assert served.get("/metrics/channel?limit=0").json()["count"] == before > 0
