"""Shared fixtures: a real DuckDB warehouse in a temp folder, the real loader, real dbt builds.

What the fixtures are made of lives in tests/helpers/ (imported as `helpers.<module>`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
from helpers import REPO_ROOT
from helpers.payloads import ads_payload, crm_payload
from helpers.reliability_figures import FIGURES
from helpers.warehouse_harness import Warehouse
from helpers.worked_example import EXAMPLES


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    return Warehouse(tmp_path, monkeypatch)


@pytest.fixture(scope="session")
def examples() -> Path:
    assert EXAMPLES.exists(), f"the worked example payloads are missing: {EXAMPLES}"
    return EXAMPLES


@pytest.fixture(scope="session", autouse=True)
def dbt_session_dirs(tmp_path_factory: pytest.TempPathFactory):
    """dbt's target and log folders per test session: parallel sessions never share them, and
    builds inside one session reuse the parse (about 5 s saved per build)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DBT_TARGET_PATH", str(tmp_path_factory.mktemp("dbt-target")))
        mp.setenv("DBT_LOG_PATH", str(tmp_path_factory.mktemp("dbt-logs")))
        yield


@pytest.fixture(scope="session")
def built_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four months of Ads and CRM, loaded and built once; each test works on a copy
    (tests/lifecycle/test_retention_archive.py, tests/service_api/test_service_openapi.py)."""
    root = tmp_path_factory.mktemp("retention-template")
    first = dt.date(2025, 1, 1)
    with pytest.MonkeyPatch.context() as patch:
        template = Warehouse(root, patch)
        assert template.load(ads_payload(first, 100), crm_payload(first, 100))["status"] == "ok"
        template.build()
    shutil.rmtree(root / "lake")  # the raw payload archive of the template's load
    return root


# --- the reliability figures: counted where the tests ran, printed and saved once -------------
# Under pytest-xdist (`make test` runs two workers) each worker counts its own; it sends them to
# the controller, which adds them up and ends the report with them.
SUMMARY_PATH = REPO_ROOT / "test-output" / "reliability" / "summary.json"


def pytest_sessionfinish(session: pytest.Session) -> None:
    sent = getattr(session.config, "workeroutput", None)
    if sent is not None and FIGURES.touched():
        sent["reliability_figures"] = asdict(FIGURES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    figures = getattr(node, "workeroutput", {}).get("reliability_figures")
    if figures:
        FIGURES.add(figures)


@pytest.hookimpl(trylast=True)  # after pytest's own sections: the figures end the report
def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if hasattr(config, "workeroutput") or not FIGURES.touched():
        return
    terminalreporter.section("reliability figures")
    for line in FIGURES.summary_lines():
        terminalreporter.write_line(line)
    for failed in FIGURES.failed_scenarios():
        terminalreporter.write_line(f"NOT SURVIVED: {failed}")
    path = Path(os.environ.get("RELIABILITY_SUMMARY_PATH") or SUMMARY_PATH)
    FIGURES.write(path)
    terminalreporter.write_line(f"(saved to {path})")
