"""Upstream faults: the Ads API misbehaves while the restatement is loaded.

One warehouse goes through every fault in turn (a copy of the reference after the first load).
A fault the loader must ride out (5xx bursts, 429 storms, timeouts, resets) ends in a complete
load; a fault it must not ride out (a truncated, empty or HTML body, errors that outlast the
retries, a 4xx) ends in a clear error naming the source, the URL and the cause, with not one
Ads raw row changed and the CRM loaded. At the end a normal run and a build give exactly the
marts of the uninterrupted run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from faulty_upstream import FaultyUpstream
from recovery_check import assert_recovered
from reference_payloads import RESTATEMENT_SINCE, restatement
from reference_run import Reference
from warehouse_site import Site

# Short timeouts and backoffs keep the suite fast; the behaviour does not depend on them.
FAULT_SETTINGS = {"HTTP_TIMEOUT_SECONDS": "0.5", "HTTP_MAX_RETRIES": "3"}
ATTEMPTS = 4  # 1 + HTTP_MAX_RETRIES

RIDDEN_OUT = {
    "burst of 500 and 503": ["status:500", "status:503", "status:500"],
    "429 storm with Retry-After": ["status:429:1", "status:429:1"],
    "502 and 504 from a gateway": ["status:502", "status:504"],
    "response slower than the timeout": ["slow_headers:1.5"],
    "body stalls longer than the timeout": ["slow_body:1.5"],
    "connection reset mid-body": ["reset_mid_body", "reset_mid_body"],
}
# fault -> (script, words the error must contain, attempts the loader must make)
MUST_FAIL = {
    "truncated JSON": (["truncated"], "not valid JSON", 1),
    "empty body": (["empty"], "the body is empty", 1),
    "200 with an HTML error page": (["html"], "not JSON", 1),
    "503 outlasting the retries": (
        ["status:503"] * ATTEMPTS,
        "HTTP 503 after 4 attempts",
        ATTEMPTS,
    ),
    "429 storm outlasting the retries": (
        ["status:429:0"] * ATTEMPTS,
        "HTTP 429 after 4 attempts",
        ATTEMPTS,
    ),
    "timeouts outlasting the retries": (
        ["slow_headers:1.5"] * ATTEMPTS,
        "timed out after 0.5s after 4 attempts",
        ATTEMPTS,
    ),
    "resets outlasting the retries": (["reset_mid_body"] * ATTEMPTS, "connection error", ATTEMPTS),
    "401 unauthorized": (["status:401"], "HTTP 401", 1),
    "404 not found": (["status:404"], "HTTP 404", 1),
}


class Chain:
    """The warehouse and upstream every fault of this module goes through."""

    def __init__(self, site: Site, upstream: FaultyUpstream) -> None:
        self.site = site
        self.upstream = upstream

    def load(self, ads_script: list[str], crm_script: tuple[str, ...] = ()) -> dict:
        bodies = restatement()
        ads_url = self.upstream.serve("/ads", bodies["ads"], *ads_script)
        crm_url = self.upstream.serve("/crm", bodies["crm"], *crm_script)
        self.upstream.seen.clear()
        return self.site.load(ads_url, crm_url, RESTATEMENT_SINCE, **FAULT_SETTINGS)

    def attempts(self, path: str) -> int:
        return len(self.upstream.requests_to(path))

    def raw_of(self, source: str) -> dict:
        """Every raw row of one source, with the load it came in (an unchanged source keeps
        exactly these)."""
        contents = self.site.contents()
        tables = {
            "ads": ("ads_performance_history", "ads_load_windows"),
            "crm": ("crm_opportunities_history",),
        }[source]
        current = {"ads": "ads_performance", "crm": "crm_opportunities"}[source]
        return {
            "current": contents.current[current],
            "appended": {t: contents.appended[t] for t in tables},
            "rejected": {
                k: v
                for k, v in contents.appended["rejected_records"].items()
                if v and v[0][0] == source
            },
        }


@pytest.fixture(scope="module")
def chain(reference: Reference, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    upstream = FaultyUpstream()
    try:
        yield Chain(reference.base.copy_to(tmp_path_factory.mktemp("upstream") / "site"), upstream)
    finally:
        upstream.stop()


@pytest.mark.parametrize("fault", list(RIDDEN_OUT))
def test_a_transient_fault_is_retried_and_the_load_completes(fault, chain, reference, figures):
    with figures.fault(fault):
        script = RIDDEN_OUT[fault]
        started = time.monotonic()
        summary = chain.load(script)
        assert summary["status"] == "ok", summary
        assert chain.attempts("/ads") == len(script) + 1
        assert (
            chain.site.contents().current["ads_performance"]
            == reference.final.current["ads_performance"]
        )
        if "Retry-After" in fault:
            assert time.monotonic() - started >= 2.0, "Retry-After: 1 was not honoured"


@pytest.mark.parametrize("fault", list(MUST_FAIL))
def test_a_fatal_fault_fails_the_source_clearly_and_changes_nothing(fault, chain, figures):
    with figures.fault(fault):
        script, words, attempts = MUST_FAIL[fault]
        before = chain.raw_of("ads")
        summary = chain.load(script)
        ads = summary["sources"]["ads"]
        assert summary["status"] == "failed" and ads["status"] == "failed"
        assert words in ads["error"], ads["error"]
        assert ads["error"].startswith("source ads: ") and "/ads" in ads["error"]
        assert "Traceback" not in ads["error"] and "\n" not in ads["error"]
        assert chain.attempts("/ads") == attempts
        assert summary["sources"]["crm"]["status"] == "ok", "the other source still loads"
        assert chain.raw_of("ads") == before, "a failed source changed its raw tables"
        last = json.loads((chain.site.paths.state_dir / "last_load.json").read_text())
        assert last["sources"]["ads"]["error"] == ads["error"]


def test_a_fault_on_the_crm_leaves_the_crm_untouched_and_loads_the_ads(chain, figures):
    with figures.fault("truncated CRM body"):
        before = chain.raw_of("crm")
        summary = chain.load([], ("truncated",))
        assert summary["sources"]["crm"]["status"] == "failed"
        assert "not valid JSON" in summary["sources"]["crm"]["error"]
        assert summary["sources"]["ads"]["status"] == "ok"
        assert chain.raw_of("crm") == before


def test_after_every_fault_a_normal_run_gives_the_uninterrupted_marts(chain, reference, figures):
    summary = chain.load([])
    assert summary["status"] == "ok", summary
    assert chain.site.build()
    assert_recovered(chain.site, reference, figures)
