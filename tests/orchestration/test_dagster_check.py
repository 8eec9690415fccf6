"""`make dagster-check` as CI runs it: the extra installed, the definitions loaded, every asset
materialized on the worked example, and the published funnel is CONTRACT §7's."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import duckdb
import pytest
from helpers import REPO_ROOT
from helpers.environment import child_env
from helpers.payloads import RAW_TABLES
from helpers.worked_example import EXPECTED_FUNNEL

from warehouse.catalog import MART_NAMES

pytestmark = pytest.mark.slow


def test_make_dagster_check_materializes_every_asset_on_the_worked_example(tmp_path: Path):
    result = subprocess.run(
        ["make", "-s", "dagster-check", f"DAGSTER_WORKDIR={tmp_path}"],
        cwd=REPO_ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    out = result.stdout
    materialized = re.search(r"materialized (\d+) of (\d+) assets", out)
    assert materialized and materialized.group(1) == materialized.group(2), out[-3000:]
    # every raw table of the dbt project's sources is an asset, besides the dbt models
    assert int(materialized.group(1)) > len(RAW_TABLES) + len(MART_NAMES)
    assert re.search(r"ran \d+ asset checks: 0 failed", out) and "Dagster check ok" in out
    assert "admira_daily_schedule (0 6 * * *)" in out
    with duckdb.connect(str(tmp_path / "published" / "warehouse.duckdb"), read_only=True) as con:
        funnel = con.execute(
            """
            select report_date, utm_campaign, utm_source, utm_medium, clicks, impressions, cost,
                   leads, opportunities, closed_won, revenue
            from marts.fct_funnel_daily order by all
            """
        ).fetchall()
    expected = sorted((day, *triple, *measures) for day, triple, *measures in EXPECTED_FUNNEL)
    assert [tuple(row) for row in funnel] == [tuple(row) for row in expected]
