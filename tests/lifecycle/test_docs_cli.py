"""`make docs` before any load, and `make docs-serve` on bad ground: clear messages, no traces."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import REPO_ROOT
from helpers.environment import run_module, scrub

from warehouse.docs_site import generate
from warehouse.paths import WarehousePaths


def test_docs_without_a_warehouse_describe_the_project_and_create_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scrub(
        monkeypatch,
        DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"),
        DBT_TARGET_PATH=str(tmp_path / "target"),
    )
    site = generate(WarehousePaths.from_env())
    assert site.page == tmp_path / "target" / "static_index.html" and site.page.exists()
    assert not site.with_catalog
    models = list((REPO_ROOT / "dbt_project" / "models").rglob("*.sql"))
    assert site.counts["model"] == len(models) and site.counts["exposure"] == 3
    assert site.counts["analysis"] == 3
    assert not (tmp_path / "warehouse.duckdb").exists(), "docs created an empty warehouse"


def run_server(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return run_module(
        "warehouse.docs_server", *args, DBT_TARGET_PATH=str(tmp_path / "target"), **env
    )


def test_serve_before_docs_says_run_make_docs(tmp_path: Path) -> None:
    result = run_server(tmp_path)
    assert result.returncode == 1
    assert "run `make docs` first" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_port_is_named(tmp_path: Path) -> None:
    result = run_server(tmp_path, DOCS_PORT="eighty")
    assert result.returncode == 2
    assert "not a port number: 'eighty'" in result.stderr and "Traceback" not in result.stderr
