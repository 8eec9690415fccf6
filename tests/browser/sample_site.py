"""What the browser tests look at: a warehouse built from the shipped sample, its docs site and
its KPI report, and where the screenshots go."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpers import REPO_ROOT

from warehouse.paths import WarehousePaths

SCREENSHOTS = REPO_ROOT / "test-output" / "browser"


@dataclass(frozen=True)
class SampleSite:
    paths: WarehousePaths
    load_summary: dict
    docs_page: Path
    report_page: Path
    report_stdout: str
