"""Admira ELT for teams on Dagster (the `dagster` extra): with the venv active,
`dagster dev -m orchestration.definitions` shows it.

- **The loader as assets**: one multi-asset runs `python -m load`'s pipeline and materializes every
  raw table the dbt project declares as a source (their keys are dagster-dbt's for those sources,
  so the lineage runs from the raw tables to the marts).
- **The dbt models as assets** through dagster-dbt: `dbt build` under the warehouse lock, then the
  read-only snapshot is published, as `make build` does. A plain `dbt build` does not rebuild
  every day when the reporting zone changed: it stops and says to run `make build` (docs).
- **A daily schedule** on SCHEDULE (default `0 6 * * *`) in SCHEDULE_TIMEZONE.
- **Freshness checks** on the raw tables: a table not materialized within
  FRESHNESS_WARN_AFTER_HOURS (26 h by default, as `make freshness`) fails its check.

The settings and files are the product's own (docs/operations.md): the same warehouse that
`make load` and `make build` write.
"""

# No `from __future__ import annotations`: Dagster reads the config and context annotations.
import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    AssetSpec,
    Config,
    Definitions,
    MaterializeResult,
    ScheduleDefinition,
    build_last_update_freshness_checks,
    define_asset_job,
    multi_asset,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dbt.cli.main import dbtRunner

from load.config import Settings
from load.pipeline import run as run_loader
from warehouse.build import PROJECT_DIR, REPO_ROOT, environment
from warehouse.lock import warehouse_lock
from warehouse.paths import WarehousePaths
from warehouse.publish import publish

TARGET_PATH = "target-dagster"  # dagster-dbt's own artifacts, apart from make build's
DEFAULT_SCHEDULE = "0 6 * * *"

project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=REPO_ROOT, target_path=TARGET_PATH)
# dbt parse in this process: the manifest the assets are read from
_parse = ["parse", "--quiet", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(REPO_ROOT)]
if not dbtRunner().invoke([*_parse, "--target-path", TARGET_PATH]).success:
    raise RuntimeError("dbt parse failed (its errors are above): the definitions need its manifest")


def _raw_specs() -> list[AssetSpec]:
    """The raw tables, as the dbt project declares them: its sources are what the loader lands
    (ads, crm, and the quarantined rejects); their keys are the ones the dbt assets depend on."""
    manifest = json.loads(project.manifest_path.read_text())
    translator = DagsterDbtTranslator()
    return [
        AssetSpec(
            key=translator.get_asset_spec(manifest, unique_id, project).key,
            group_name="raw",
            description=source.get("description") or None,
            kinds={"dlt", "duckdb"},
        )
        for unique_id, source in sorted(manifest["sources"].items())
        if source["package_name"] == "admira"
    ]


RAW_SPECS = _raw_specs()


def _absolute_paths() -> dict[str, str]:
    """The files spelled absolutely: dbt runs in the project folder, not the repo root."""
    paths = WarehousePaths.from_env()
    return {
        "DUCKDB_PATH": str(paths.duckdb_path),
        "RAW_DUCKDB_PATH": str(paths.raw_path),
        "ADMIRA_STATE_DIR": str(paths.state_dir),
        "SNAPSHOT_PATH": str(paths.snapshot_path),
    }


class LoadConfig(Config):
    since: str | None = None  # YYYY-MM-DD: as `make load SINCE=…`


@multi_asset(specs=RAW_SPECS, name="admira_loader", can_subset=False)
def raw_tables(context: AssetExecutionContext, config: LoadConfig) -> Iterator[MaterializeResult]:
    """One run of the loader: both sources fetched, checked and landed (python -m load)."""
    since = dt.date.fromisoformat(config.since) if config.since else None
    with environment(**_absolute_paths()):
        summary = run_loader(Settings.from_env(), since)
    failed = {name: s["error"] for name, s in summary["sources"].items() if s["status"] != "ok"}
    if failed and not summary.get("load_id"):
        raise RuntimeError(f"the load landed nothing: {failed}")
    for name, error in failed.items():
        context.log.warning(f"source {name} failed: {error}")
    for spec in RAW_SPECS:
        source = spec.key.path[0]
        result = summary["sources"].get(source, {})
        metadata = {"load_id": summary.get("load_id") or ""}
        metadata.update(
            {k: result[k] for k in ("status", "received", "loaded", "rejected") if k in result}
        )
        yield MaterializeResult(asset_key=spec.key, metadata=metadata)


@dbt_assets(manifest=project.manifest_path, project=project)
def admira_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """`dbt build` under the warehouse lock, then the snapshot for readers (as make build)."""
    files = _absolute_paths()
    with environment(**files), warehouse_lock(WarehousePaths.from_env().state_dir, "dagster"):
        # one artifacts folder reused (runs never overlap: the lock), not one more per run
        invocation = dbt.cli(["build"], context=context, target_path=project.target_path / "build")
        yield from invocation.stream()
        paths = WarehousePaths.from_env()
        manifest = (invocation.target_path / "semantic_manifest.json", paths.semantic_manifest_path)
        publish(paths.duckdb_path, paths.snapshot_path, beside=(manifest,))
        context.log.info(f"published the read-only snapshot {paths.snapshot_path}")


daily_job = define_asset_job("admira_daily", selection=AssetSelection.all())
daily_schedule = ScheduleDefinition(
    job=daily_job,
    cron_schedule=os.environ.get("SCHEDULE") or DEFAULT_SCHEDULE,
    execution_timezone=os.environ.get("SCHEDULE_TIMEZONE") or "UTC",
)
freshness_checks = build_last_update_freshness_checks(
    assets=[spec.key for spec in RAW_SPECS],
    lower_bound_delta=dt.timedelta(hours=int(os.environ.get("FRESHNESS_WARN_AFTER_HOURS") or 26)),
)

defs = Definitions(
    assets=[raw_tables, admira_dbt_models],
    asset_checks=freshness_checks,
    jobs=[daily_job],
    schedules=[daily_schedule],
    # the venv's dbt, whether or not the venv is on PATH (make puts it there, cron may not)
    resources={
        "dbt": DbtCliResource(
            project_dir=project, dbt_executable=str(Path(sys.executable).with_name("dbt"))
        )
    },
)
