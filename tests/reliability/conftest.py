"""Fixtures of the reliability suite (the figures it ends with are printed by tests/conftest.py).

Helpers live in modules of their own (not here): test modules import them by name, and
`from conftest import ...` would find whichever conftest pytest imported last.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from faulty_upstream import FaultyUpstream
from helpers.reliability_figures import FIGURES, Figures
from reference_run import Reference, make_reference


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
