"""Fixtures of the reliability suite, and the figures it ends with (printed and saved as JSON).

Helpers live in modules of their own (not here): test modules import them by name, and
`from conftest import ...` would find whichever conftest pytest imported last.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from faulty_upstream import FaultyUpstream
from helpers import REPO_ROOT
from reference_run import Reference, make_reference
from reliability_figures import FIGURES, Figures

SUMMARY_PATH = REPO_ROOT / "test-output" / "reliability" / "summary.json"


@pytest.fixture(scope="session")
def figures() -> Figures:
    return FIGURES


@pytest.fixture(scope="session")
def reference(dbt_session_dirs, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    return make_reference(tmp_path_factory.mktemp("reference"))


@pytest.fixture
def upstream() -> Iterator[FaultyUpstream]:
    server = FaultyUpstream()
    yield server
    server.stop()


@pytest.hookimpl(trylast=True)  # after pytest's own sections: the figures end the report
def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not FIGURES.touched():
        return
    terminalreporter.section("reliability figures")
    for line in FIGURES.summary_lines():
        terminalreporter.write_line(line)
    for failed in FIGURES.failed_scenarios():
        terminalreporter.write_line(f"NOT SURVIVED: {failed}")
    path = Path(os.environ.get("RELIABILITY_SUMMARY_PATH") or SUMMARY_PATH)
    FIGURES.write(path)
    terminalreporter.write_line(f"(saved to {path})")
