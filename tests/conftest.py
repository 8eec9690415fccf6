"""Shared fixtures: a real DuckDB warehouse in a temp folder, the real loader, real dbt builds."""

from __future__ import annotations

from pathlib import Path

import pytest
from warehouse_harness import EXAMPLES, Warehouse


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
    import os

    saved = {k: os.environ.get(k) for k in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
    os.environ["DBT_TARGET_PATH"] = str(tmp_path_factory.mktemp("dbt-target"))
    os.environ["DBT_LOG_PATH"] = str(tmp_path_factory.mktemp("dbt-logs"))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
