"""Browser-test fixtures: one real warehouse built from the shipped sample, its docs site and its
KPI report, and Debian's headless Chromium to look at them. Screenshots go to test-output/."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from browser.headless_chromium import Chromium, find_chromium
from browser.sample_site import SampleSite
from load.config import Settings
from load.pipeline import run as run_loader
from warehouse.build import build
from warehouse.docs_site import generate
from warehouse.paths import WarehousePaths


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
        mp.setenv("DUCKDB_PATH", str(root / "warehouse.duckdb"))
        for name in (
            "ADMIRA_STATE_DIR",
            "SNAPSHOT_PATH",
            "ADS_API_URL",
            "CRM_API_URL",
            "REPORTING_TIMEZONE",
            "INGEST_METRICS_PATH",
        ):
            mp.delenv(name, raising=False)
        paths = WarehousePaths.from_env()
        summary = run_loader(Settings.from_env())
        assert summary["status"] == "ok", summary
        assert build(paths), "dbt build of the sample failed (see its output above)"
        docs = generate(paths)
        report_page = root / "reports" / "kpi_report.html"
        env = {**os.environ, "REPORT_PATH": str(report_page)}
        report = subprocess.run(
            [sys.executable, "-m", "report"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert report.returncode == 0, f"python -m report failed:\n{report.stderr}"
    return SampleSite(paths, summary, docs.page, report_page, report.stdout)
