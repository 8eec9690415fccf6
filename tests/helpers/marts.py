"""The marts, read and compared: row for row, floats to 1e-9, against a full refresh."""

from __future__ import annotations

import math
import shutil

import pytest

from helpers.warehouse_harness import Warehouse
from warehouse.build import build
from warehouse.catalog import ATTRIBUTION_MART, TRACKING_HEALTH

MARTS = ("fct_campaign_daily", "fct_funnel_daily", "fct_channel_daily")
# What an incremental build must leave as a full refresh would: the marts, the comparison of
# the attribution models and the tracking-health audit.
COMPARED = (*MARTS, ATTRIBUTION_MART.name, TRACKING_HEALTH)
# The funnel and campaign marts in the column order of the oracle's rows.
FUNNEL = (
    "select report_date, utm_campaign, utm_source, utm_medium, clicks, impressions, cost, "
    "leads, opportunities, closed_won, revenue from marts.fct_funnel_daily order by all"
)
CAMPAIGN = (
    "select report_date, channel, campaign_id, utm_campaign, utm_source, utm_medium, clicks, "
    "impressions, cost, leads, opportunities, closed_won, revenue "
    "from marts.fct_campaign_daily order by all"
)


def all_marts(warehouse: Warehouse) -> dict[str, list[tuple]]:
    return {name: warehouse.mart(name) for name in COMPARED}


def full_refresh_marts(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Build a copy of the warehouse with --full-refresh and return its marts."""
    folder = warehouse.root / "full-refresh"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    mirror = Warehouse(folder)  # no monkeypatch: the test's environment stays the test's
    shutil.copyfile(warehouse.paths.snapshot_path, mirror.paths.duckdb_path)
    shutil.copyfile(warehouse.paths.raw_path, mirror.paths.raw_path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUCKDB_PATH", str(mirror.paths.duckdb_path))  # the rest as the test set it
        assert build(mirror.paths, full_refresh=True)
        return all_marts(mirror)


def same_value(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def assert_rows_match(got: list[tuple], expected: list[tuple]) -> None:
    assert len(got) == len(expected), f"{len(got)} rows, expected {len(expected)}"
    for g, e in zip(got, expected, strict=True):
        assert len(g) == len(e) and all(map(same_value, g, e)), (g, e)


def assert_marts_equal(a: dict, b: dict) -> None:
    for name in COMPARED:
        assert_rows_match(a[name], b[name])
