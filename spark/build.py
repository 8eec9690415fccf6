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

from warehouse.build import dbt_args, environment
from warehouse.catalog import MART_NAMES
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

    First the lake's logs are compacted (dbt run-operation compact_lake), then a plain build
    rewrites only the day partitions that new loads touched (and the days on or after
    `since`), as on DuckDB (the materialization in dbt_project/macros/spark/), and its data
    tests check those days, as `make build`'s do; full_refresh rebuilds every table whole and
    tests everything. The Spark session stays up afterwards: the caller can read the marts
    (spark_session) and then stop it (stop_spark).
    """
    from dbt.cli.main import dbtRunner  # imported late: dbt takes a second to import

    _prepare()
    with warehouse_lock(paths.state_dir, "spark build"):
        if not _compact(dbtRunner()):
            return False
        seen = None if full_refresh else loads_the_marts_have_seen()
        args = dbt_args(command, since=since, full_refresh=full_refresh) + ["--target", TARGET]
        with environment(DBT_TESTS_COVER_LOADS_AFTER=seen or ""):
            result = dbtRunner().invoke(args)
    return bool(result.success)


def compact(paths: WarehousePaths) -> bool:
    """`make compact-lake`: bring the lake's current-state tables up to date, under the lock."""
    from dbt.cli.main import dbtRunner

    _prepare()
    with warehouse_lock(paths.state_dir, "lake compaction"):
        return _compact(dbtRunner())


def _prepare() -> None:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # the driver talks over loopback only
    metastore = Path(os.environ.get("SPARK_METASTORE_DIR") or DEFAULT_METASTORE_DIR)
    metastore.mkdir(parents=True, exist_ok=True)


def _compact(runner) -> bool:
    args = dbt_args("run-operation") + ["compact_lake", "--target", TARGET]
    return bool(runner.invoke(args).success)


def loads_the_marts_have_seen() -> str | None:
    """The newest load id every Spark mart was built from (None before the first build), read
    in the session dbt started: the data tests check the days of later loads (macro
    tested_days_condition), as warehouse.build does on DuckDB."""
    from pyspark.errors import PySparkException

    watermarks = " union all ".join(
        f"select coalesce(max(source_load_id), '') as watermark from marts.{mart}"
        for mart in MART_NAMES
    )
    try:
        row = spark_session().sql(f"select min(watermark) from ({watermarks})").first()
    except PySparkException:  # a mart is missing (the first build): test everything
        return None
    return row[0] if row else None


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
