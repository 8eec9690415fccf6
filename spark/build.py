"""`dbt build --target spark`: the same models on Spark, reading the raw tables from the lake.

Spark runs inside this process (dbt-spark, method session; profiles.yml, target spark). The
raw tables are the Parquet files the loader landed with RAW_DESTINATION=filesystem under
LAKE_URL; the marts are Spark tables under SPARK_WAREHOUSE_DIR, named in a local Hive metastore
(SPARK_METASTORE_DIR). On a cluster, the same project runs with another connection method or
adapter: see the README, "Beyond one machine".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from warehouse.build import dbt_args
from warehouse.lock import WarehouseBusy, warehouse_lock
from warehouse.paths import WarehousePaths

TARGET = "spark"
# The same default as profiles.yml: Derby writes its log there and needs the folder first.
DEFAULT_METASTORE_DIR = "lake/metastore"


def build(
    paths: WarehousePaths,
    command: str = "build",
    full_refresh: bool = False,
    since: dt.date | None = None,
) -> bool:
    """Run dbt build (or run: models only) on Spark under the lock that loads take too;
    returns whether it passed.

    A plain build rewrites only the day partitions that new loads touched (and the days on or
    after `since`), as on DuckDB (the materialization in dbt_project/macros/spark/);
    full_refresh rebuilds every table whole. The Spark session stays up afterwards: the caller
    can read the marts (spark_session) and then stop it (stop_spark).
    """
    from dbt.cli.main import dbtRunner  # imported late: dbt takes a second to import

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # the driver talks over loopback only
    metastore = Path(os.environ.get("SPARK_METASTORE_DIR") or DEFAULT_METASTORE_DIR)
    metastore.mkdir(parents=True, exist_ok=True)
    with warehouse_lock(paths.state_dir, "spark build"):
        args = dbt_args(command, since=since, full_refresh=full_refresh) + ["--target", TARGET]
        result = dbtRunner().invoke(args)
    return bool(result.success)


def spark_session():
    """The Spark session dbt-spark started in this process (or a new one with its settings)."""
    from pyspark.sql import SparkSession

    return SparkSession.builder.getOrCreate()


def stop_spark() -> None:
    """Stop the session dbt-spark left running: frees its memory and the metastore's files."""
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession() or SparkSession._instantiatedSession
    if session is not None:
        session.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spark.build", description=__doc__)
    parser.add_argument(
        "--since",
        type=dt.date.fromisoformat,
        help="also rebuild every day on or after this one (YYYY-MM-DD)",
    )
    parser.add_argument("--full-refresh", action="store_true", help="rebuild every table whole")
    args = parser.parse_args(argv)
    paths = WarehousePaths.from_env()
    try:
        ok = build(paths, full_refresh=args.full_refresh, since=args.since)
    except WarehouseBusy as exc:
        print(f"build refused: {exc}", file=sys.stderr)
        return 2
    finally:
        stop_spark()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
