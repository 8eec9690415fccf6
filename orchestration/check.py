"""`make dagster-check`: load the Dagster definitions and materialize every asset on the worked
example (CONTRACT §7, since 2025-08-01) in-process, in a temporary warehouse; then run the
freshness checks. Exit 0 when every asset materialized and every check passed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from warehouse.catalog import MART_NAMES

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKED_EXAMPLE = REPO_ROOT / "tests" / "fixtures" / "worked_example"
SINCE = "2025-08-01"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.check", description=__doc__)
    parser.add_argument("--workdir", type=Path, help="keep the warehouse here (default: a temp)")
    args = parser.parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return check(args.workdir.resolve())
    with tempfile.TemporaryDirectory(prefix="admira-dagster-") as workdir:
        return check(Path(workdir))


def check(workdir: Path) -> int:
    # The definitions read their settings when imported: set them first.
    os.environ.update(
        DUCKDB_PATH=str(workdir / "warehouse.duckdb"),
        ADS_API_URL=str(WORKED_EXAMPLE / "ads.json"),
        CRM_API_URL=str(WORKED_EXAMPLE / "crm.json"),
        DAGSTER_HOME=str(workdir / "dagster_home"),
    )
    for name in ("RAW_DUCKDB_PATH", "ADMIRA_STATE_DIR", "SNAPSHOT_PATH", "RAW_DESTINATION"):
        os.environ.pop(name, None)
    started = time.monotonic()
    print(f"Loading the Dagster definitions (orchestration.definitions) in {workdir}")
    from dagster import AssetCheckSeverity, DagsterInstance

    from orchestration.definitions import defs

    repository = defs.get_repository_def()
    assets = repository.asset_graph.get_all_asset_keys()
    checks = repository.asset_graph.asset_check_keys
    print(
        f"  {len(assets)} assets, {len(checks)} asset checks, schedules: "
        + ", ".join(f"{s.name} ({s.cron_schedule})" for s in repository.schedule_defs)
    )
    job = defs.resolve_implicit_global_asset_job_def()
    run_config = {"ops": {"admira_loader": {"config": {"since": SINCE}}}}
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False
        )
        materialized = {event.asset_key for event in result.get_asset_materialization_events()}
        evaluations = result.get_asset_check_evaluations()
    missing = sorted(key.to_user_string() for key in assets - materialized)
    # a dbt test of severity warn is a check that warns, not one that fails
    failed_checks = [
        e.asset_check_key.to_user_string()
        for e in evaluations
        if not e.passed and e.severity != AssetCheckSeverity.WARN
    ]
    warned = sum(1 for e in evaluations if not e.passed) - len(failed_checks)
    print(f"  materialized {len(materialized)} of {len(assets)} assets")
    print(f"  ran {len(evaluations)} asset checks: {len(failed_checks)} failed, {warned} warned")
    snapshot = workdir / "published" / "warehouse.duckdb"
    if snapshot.exists():
        with duckdb.connect(str(snapshot), read_only=True) as con:
            for mart in MART_NAMES:
                rows = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
                print(f"  marts.{mart}: {rows} rows in the published snapshot")
    ok = result.success and not missing and not failed_checks and len(evaluations) == len(checks)
    if not ok:
        for key in missing:
            print(f"  not materialized: {key}", file=sys.stderr)
        for key in failed_checks:
            print(f"  check failed: {key}", file=sys.stderr)
    verdict = "ok" if ok else "FAILED"
    print(f"Dagster check {verdict} in {time.monotonic() - started:.1f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
