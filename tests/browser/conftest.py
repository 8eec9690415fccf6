"""Browser-test fixtures: one real warehouse built from the shipped sample, its docs site and its
KPI report, and Debian's headless Chromium to look at them. Screenshots go to test-output/."""

from __future__ import annotations

import os

import pytest
from helpers.environment import run_module
from helpers.warehouse_harness import Warehouse

from browser.headless_chromium import Chromium, find_chromium
from browser.sample_site import SampleSite
from warehouse.docs_site import generate
from warehouse.freshness import check as check_freshness


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    binary = find_chromium()
    if binary is None:
        message = "Debian's chromium is missing: apt-get install chromium (.ci/run does it)"
        if os.environ.get("CI"):
            pytest.fail(message)  # never skipped in CI
        pytest.skip(message)
    return Chromium(binary)


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> SampleSite:
    """`make run && make docs && make report` on the embedded sample, in a temp folder.

    The environment is set only while building, so no other test sees this warehouse."""
    root = tmp_path_factory.mktemp("sample-site")
    with pytest.MonkeyPatch.context() as mp:
        sample = Warehouse(root, mp)
        summary = sample.load(None, None)  # the shipped sample
        assert summary["status"] == "ok", summary
        sample.build()
        check_freshness(sample.paths)  # make run ends with it
        docs = generate(sample.paths)
    report_page = root / "reports" / "kpi_report.html"
    report = run_module(
        "report",
        cwd=root,
        timeout=120,
        DUCKDB_PATH=str(sample.paths.duckdb_path),
        REPORT_PATH=str(report_page),
    )
    assert report.returncode == 0, f"python -m report failed:\n{report.stderr}"
    return SampleSite(sample.paths, summary, docs.page, report_page, report.stdout)
