"""`make spark-demo`: the worked example on DuckDB and on Spark, and the marts compared.

The same payloads (CONTRACT §7, since 2025-08-01) are loaded twice: into a DuckDB warehouse,
and as Parquet into a lake folder (RAW_DESTINATION=filesystem). The same dbt project is built
on each engine, and every mart is compared row for row. Then a second load (an Ads window
restated, a campaign-day dropped, an opportunity's stage changed) goes to both, a plain
incremental build runs on each engine, and the marts are compared again. Everything lives in
one work folder (default test-output/spark-demo, emptied first), so the demo never touches
your warehouse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import sys
from pathlib import Path

import duckdb

from warehouse.catalog import MART_NAMES

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKED_EXAMPLE = REPO_ROOT / "tests" / "fixtures" / "worked_example"
SINCE = dt.date(2025, 8, 1)
# Each engine stamps its own load ids; every other column must match.
IGNORED_COLUMNS = {"source_load_id"}
# The second load: 2025-08-01..03 restated (C-1002 and C-2001 stop on 08-01, C-1001 on 08-02),
# and O-9011 (2025-08-31, outside that window) lost.
SECOND_ADS = [
    {
        "date": "2025-08-01",
        "campaign_id": "C-1001",
        "channel": "google_ads",
        "clicks": 1000,
        "impressions": 40000,
        "cost": 300.0,
        "utm_campaign": "back_to_school",
        "utm_source": "google",
        "utm_medium": "cpc",
    },
    {
        "date": "2025-08-03",
        "campaign_id": "C-3001",
        "channel": "meta_ads",
        "clicks": 10,
        "impressions": 1000,
        "cost": 5.0,
        "utm_campaign": "summer_sale",
        "utm_source": "facebook",
        "utm_medium": "paid_social",
    },
]
SECOND_CRM = [
    {
        "opportunity_id": "O-9011",
        "contact_email": "kim@example.com",
        "stage": "closed_lost",
        "amount": None,
        "created_at": "2025-08-31T23:59:59Z",
        "utm_campaign": "fall_sale",
        "utm_source": "tiktok",
        "utm_medium": "cpm",
    }
]


def mart_columns(con: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    described = con.execute(f"describe marts.{mart}").fetchall()
    return [row[0] for row in described if row[0] not in IGNORED_COLUMNS]


def sorted_rows(rows: list[tuple]) -> list[tuple]:
    """Rows in one order for both engines (they sort NULLs differently)."""
    return sorted(rows, key=lambda row: tuple((v is None, v if v is not None else 0) for v in row))


def same_value(a: object, b: object) -> bool:
    """Equal, with doubles equal to 1e-9 relative (two engines may sum in another order)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b and type(a) is type(b)


def differences(duckdb_rows: list[tuple], spark_rows: list[tuple]) -> list[str]:
    """What differs between two sorted row lists, in words (empty when they are the same)."""
    if len(duckdb_rows) != len(spark_rows):
        return [f"{len(duckdb_rows)} rows on DuckDB, {len(spark_rows)} on Spark"]
    return [
        f"row {i}: DuckDB {d} vs Spark {s}"
        for i, (d, s) in enumerate(zip(duckdb_rows, spark_rows, strict=True))
        if len(d) != len(s) or not all(same_value(a, b) for a, b in zip(d, s, strict=True))
    ]


def _use_workdir(workdir: Path) -> None:
    """Point every setting at the work folder and the worked example payloads."""
    lake = workdir / "lake"
    os.environ.update(
        {
            "DUCKDB_PATH": str(workdir / "warehouse.duckdb"),
            "LAKE_URL": str(lake),
            "SPARK_WAREHOUSE_DIR": str(lake / "spark-warehouse"),
            "SPARK_METASTORE_DIR": str(lake / "metastore"),
            "ADS_API_URL": str(WORKED_EXAMPLE / "ads.json"),
            "CRM_API_URL": str(WORKED_EXAMPLE / "crm.json"),
            # dbt's artifacts too: the project's own target folder is left as it was.
            "DBT_TARGET_PATH": str(workdir / "dbt-target"),
            "DBT_LOG_PATH": str(workdir / "dbt-logs"),
        }
    )
    for name in ("ADMIRA_STATE_DIR", "SNAPSHOT_PATH", "INGEST_METRICS_PATH"):
        os.environ.pop(name, None)


def _load(raw_destination: str) -> None:
    from load.config import Settings
    from load.pipeline import run as run_loader

    os.environ["RAW_DESTINATION"] = raw_destination
    summary = run_loader(Settings.from_env(), SINCE)
    if summary["status"] != "ok":
        raise SystemExit(f"the {raw_destination} load failed: {summary['sources']}")


def _use_payloads(workdir: Path, ads: list[dict], crm: list[dict]) -> None:
    """Write the second load's payloads in the APIs' envelope and point the loader at them."""
    for source, key, records in (("ads", "performance", ads), ("crm", "opportunities", crm)):
        path = workdir / f"second-{source}.json"
        path.write_text(json.dumps({"external": {source: {key: records}}}))
        os.environ[f"{source.upper()}_API_URL"] = str(path)


def _compare(paths, spark) -> tuple[bool, list[str]]:
    """Every mart on DuckDB (its snapshot) and on Spark, row for row."""
    same = True
    report = []
    with duckdb.connect(str(paths.snapshot_path), read_only=True) as con:
        for mart in MART_NAMES:
            columns = mart_columns(con, mart)
            on_duckdb = sorted_rows(
                con.execute(f"select {', '.join(columns)} from marts.{mart}").fetchall()
            )
            on_spark = sorted_rows(
                [tuple(r) for r in spark.table(f"marts.{mart}").select(*columns).collect()]
            )
            diff = differences(on_duckdb, on_spark)
            same = same and not diff
            verdict = "same rows" if not diff else "DIFFERENT: " + "; ".join(diff[:3])
            report.append(
                f"  marts.{mart:<20} DuckDB {len(on_duckdb):>4} rows   "
                f"Spark {len(on_spark):>4} rows   {verdict}"
            )
    return same, report


def run(workdir: Path) -> bool:
    """Load and build on both engines twice, compare the marts each time, print the result."""
    from spark import build as spark_build
    from warehouse import build as duckdb_build
    from warehouse.paths import WarehousePaths

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    _use_workdir(workdir)
    paths = WarehousePaths.from_env()
    results = []
    try:
        for title, payloads in (
            (f"Worked example (since {SINCE}), first build", None),
            ("Second load (a window restated, a stage changed), plain incremental build", True),
        ):
            if payloads:
                _use_payloads(workdir, SECOND_ADS, SECOND_CRM)
            _load("duckdb")
            if not duckdb_build.build(paths):
                raise SystemExit("dbt build on DuckDB failed (see its output above)")
            _load("filesystem")
            if not spark_build.build(paths):
                raise SystemExit("dbt build on Spark failed (see its output above)")
            results.append((title, *_compare(paths, spark_build.spark_session())))
    finally:
        spark_build.stop_spark()
    for title, _, report in results:
        print(f"\n{title}, on DuckDB and on Spark:")
        print("\n".join(report))
    print(f"\nRaw lake (Parquet, one folder per raw table): {workdir / 'lake' / 'raw'}")
    print(f"Spark tables: {workdir / 'lake' / 'spark-warehouse'}")
    print(f"DuckDB snapshot: {paths.snapshot_path}")
    return all(same for _, same, _ in results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spark.demo", description=__doc__)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=REPO_ROOT / "test-output" / "spark-demo",
        help="folder for the demo's warehouse, lake and Spark tables (emptied first)",
    )
    args = parser.parse_args(argv)
    return 0 if run(args.workdir.resolve()) else 1


if __name__ == "__main__":
    sys.exit(main())
