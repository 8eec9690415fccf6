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
import json
import os
import sys
import time
from pathlib import Path

from warehouse.build import PROJECT_DIR, REPO_ROOT, day_settings, dbt_args, environment
from warehouse.code_fingerprint import code_fingerprint
from warehouse.lock import WarehouseBusy, warehouse_lock
from warehouse.paths import WarehousePaths

TARGET = "spark"
# The same default as profiles.yml: Derby writes its log there and needs the folder first.
DEFAULT_METASTORE_DIR = "lake/metastore"
LAST_BUILD = "last_spark_build.json"  # in the state folder, beside make build's last_build.json


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
        changed = changed_day_settings()
        if changed and not full_refresh:
            print(f"Day settings changed ({'; '.join(changed)}): rebuilding every day.")
            full_refresh = True
        # As make build does: unit tests when the code changed since the last good build, and
        # data tests on the days of the loads that build had not seen (every day without one).
        fingerprint = code_fingerprint(PROJECT_DIR, REPO_ROOT / "profiles.yml")
        last = {} if full_refresh else _last_good_build(paths)
        args = dbt_args(command, since=since, full_refresh=full_refresh) + ["--target", TARGET]
        if command == "build" and last.get("code_fingerprint") == fingerprint:
            args += ["--exclude-resource-type", "unit_test"]
        loads_now = compacted_loads()
        with environment(DBT_TESTS_COVER_LOADS_AFTER=last.get("loads_seen") or ""):
            result = dbtRunner().invoke(args)
        ok = bool(result.success)
        if command == "build":  # what the next build's tests may take as checked
            record = {"status": "ok" if ok else "failed", "finished_at": time.time()}
            record.update(code_fingerprint=fingerprint, loads_seen=loads_now)
            _write_record(paths, record)
    return ok


def _last_good_build(paths: WarehousePaths) -> dict:
    try:
        last = json.loads((paths.state_dir / LAST_BUILD).read_text())
    except (OSError, ValueError):
        return {}
    return last if last.get("status") == "ok" else {}


def _write_record(paths: WarehousePaths, record: dict) -> None:
    paths.state_dir.mkdir(parents=True, exist_ok=True)
    path = paths.state_dir / LAST_BUILD
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(path)


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


def changed_day_settings() -> list[str]:
    """'name: recorded -> now' for each day setting that differs from the Spark marts' own
    (audit.build_settings, written by the macro record_day_settings)."""
    from pyspark.errors import PySparkException

    try:
        rows = spark_session().sql("select setting, value from audit.build_settings").collect()
    except PySparkException:  # no build recorded its settings yet
        return []
    recorded = {row[0]: row[1] for row in rows}
    return [
        f"{name}: {recorded[name]} -> {value}"
        for name, value in day_settings().items()
        if name in recorded and recorded[name] != value
    ]


def compacted_loads() -> str | None:
    """The newest load the lake's compaction has taken in (its ledger, a small table): once a
    build succeeds, the marts have seen every load up to it."""
    from pyspark.errors import PySparkException

    try:
        row = spark_session().sql("select max(load_id) from raw.lake_compactions").first()
    except PySparkException:
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
    parser.add_argument(
        "--compact-only",
        action="store_true",
        help="only bring the lake's current-state tables up to date (make compact-lake)",
    )
    args = parser.parse_args(argv)
    paths = WarehousePaths.from_env()
    try:
        if args.compact_only:
            ok = compact(paths)
        else:
            ok = build(paths, full_refresh=args.full_refresh, since=args.since)
    except WarehouseBusy as exc:
        print(f"build refused: {exc}", file=sys.stderr)
        return 2
    finally:
        stop_spark()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
