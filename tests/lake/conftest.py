"""Fixtures of the lake tests: one warehouse loaded and built once, copied by each test."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from lake_payloads import ads_payload, crm_payload

from load.config import Settings
from load.pipeline import run as run_loader
from warehouse.build import build
from warehouse.paths import WarehousePaths


@pytest.fixture(scope="session")
def built_template(tmp_path_factory) -> Path:
    """Four months of Ads and CRM, loaded and built once; each test works on a copy."""
    root = tmp_path_factory.mktemp("retention-template")
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "ADMIRA_STATE_DIR",
            "SNAPSHOT_PATH",
            "REPORTING_TIMEZONE",
            "ARCHIVE_URL",
            "INGEST_METRICS_PATH",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("DUCKDB_PATH", str(root / "warehouse.duckdb"))
        first = dt.date(2025, 1, 1)
        for source, payload in (("ads", ads_payload(first, 100)), ("crm", crm_payload(first, 100))):
            path = root / f"{source}-template.json"
            key = {"ads": "performance", "crm": "opportunities"}[source]
            path.write_text(json.dumps({"external": {source: {key: payload}}}))
            patch.setenv(f"{source.upper()}_API_URL", str(path))
        paths = WarehousePaths.from_env()
        assert run_loader(Settings.from_env())["status"] == "ok"
        assert build(paths), "dbt build failed (see its output above)"
    shutil.rmtree(root / "lake")  # the raw payload archive of the template's load
    return root
