"""`make build`: `dbt build` under the warehouse lock, then publish the read-only snapshot.

Plain `dbt build` works too (with the venv active); this wrapper adds the lock that keeps a load
and a build from writing at once, the snapshot for readers, and a record of the last build.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import duckdb

from warehouse.catalog import ATTRIBUTION_MART, ATTRIBUTION_MODELS, MART_NAMES
from warehouse.code_fingerprint import code_fingerprint
from warehouse.lock import WarehouseBusy, warehouse_lock
from warehouse.paths import WarehousePaths
from warehouse.publish import publish
from warehouse.raw_file import RawLayerError, move_raw_layer, require_raw_file

REPO_ROOT = Path(__file__).resolve().parents[1]
PROJECT_DIR = REPO_ROOT / "dbt_project"


def target_dir() -> Path:
    """Where dbt writes its artifacts: DBT_TARGET_PATH (relative to the project) or target/."""
    configured = os.environ.get("DBT_TARGET_PATH")
    if not configured:
        return PROJECT_DIR / "target"
    path = Path(configured)
    return path if path.is_absolute() else PROJECT_DIR / path


def publish_snapshot(paths: WarehousePaths) -> None:
    """The snapshot for readers, and the semantic manifest that describes it."""
    manifest = (target_dir() / "semantic_manifest.json", paths.semantic_manifest_path)
    publish(paths.duckdb_path, paths.snapshot_path, beside=(manifest,))


def dbt_args(command: str, since: dt.date | None = None, full_refresh: bool = False) -> list[str]:
    args = [command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(REPO_ROOT)]
    if since:
        args += ["--vars", json.dumps({"since": since.isoformat()})]
    if full_refresh:
        args.append("--full-refresh")
    return args


def release_duckdb() -> None:
    """dbt-duckdb keeps the database open in the process after a run; close it so that the
    snapshot copy, a later load or a reader in this process can open the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    DuckDBConnectionManager.close_all_connections()


@contextlib.contextmanager
def environment(**values: str):
    """Set environment variables for the dbt run in this process, then restore them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def loads_the_marts_have_seen(warehouse: Path) -> str | None:
    """The newest load id every mart was built from, or None when there is no mart yet.

    The days of later loads are what this build rebuilds, so they are what its data tests
    check (macro tested_days_condition); None makes them check everything."""
    if not warehouse.exists():
        return None
    watermarks = " union all ".join(
        f"select coalesce(max(source_load_id), '') from marts.{mart}"
        for mart in (*MART_NAMES, ATTRIBUTION_MART.name)
    )
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                f"select min(watermark) from ({watermarks}) as t(watermark)"
            ).fetchone()[0]
    except duckdb.Error:  # a mart is missing (the first build) or unreadable: test everything
        return None


class SettingError(ValueError):
    """A setting with a value the build cannot use; the message is one line naming it."""


def attribution_settings(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """ATTRIBUTION_LOOKBACK_DAYS, ATTRIBUTION_MODEL and ATTRIBUTION_HALF_LIFE_DAYS, checked and
    written as dbt writes them (macro attribution_settings: 3, click_share, 7.0)."""
    lookback = (environ.get("ATTRIBUTION_LOOKBACK_DAYS") or "0").strip()
    model = (environ.get("ATTRIBUTION_MODEL") or "click_share").strip()
    half_life = (environ.get("ATTRIBUTION_HALF_LIFE_DAYS") or "7").strip()
    if not (lookback.isascii() and lookback.isdigit()):
        raise SettingError(
            f"ATTRIBUTION_LOOKBACK_DAYS must be a whole number >= 0, got {lookback!r}"
        )
    if model not in ATTRIBUTION_MODELS:
        raise SettingError(
            f"ATTRIBUTION_MODEL must be one of {', '.join(ATTRIBUTION_MODELS)}, got {model!r}"
        )
    whole, _, fraction = half_life.partition(".")
    plain_number = whole.isascii() and whole.isdigit() and (not _ or fraction.isdigit())
    if not plain_number or float(half_life) <= 0:
        raise SettingError(
            f"ATTRIBUTION_HALF_LIFE_DAYS must be a number of days > 0, got {half_life!r}"
        )
    return {
        "attribution_lookback_days": str(int(lookback)),
        "attribution_model": model,
        "attribution_half_life_days": str(float(half_life)),
    }


def day_settings() -> dict[str, str]:
    """The settings that decide which day a row counts on, as dbt reads them
    (dbt_project/macros/build_settings/day_settings.sql keeps the same list)."""
    return {
        "reporting_timezone": os.environ.get("REPORTING_TIMEZONE") or "UTC",
        **attribution_settings(),
    }


def changed_day_settings(warehouse: Path) -> list[str]:
    """'name: recorded -> now' for each setting that differs from the marts' own."""
    if not warehouse.exists():
        return []
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            recorded = dict(
                con.execute("select setting, value from audit.build_settings").fetchall()
            )
    except duckdb.Error:  # no build recorded its settings yet
        return []
    # A setting missing from a record made before it existed: the marts were built under its
    # default (the attribution's; before any record, nothing is compared).
    if recorded:
        recorded = {**attribution_settings({}), **recorded}
    return [
        f"{name}: {recorded[name]} -> {value}"
        for name, value in day_settings().items()
        if name in recorded and recorded[name] != value
    ]


def _last_good_build_had(paths: WarehousePaths, fingerprint: str) -> bool:
    """Whether the last build succeeded (its unit tests included) on this same code."""
    try:
        last = json.loads((paths.state_dir / "last_build.json").read_text())
    except (OSError, ValueError):
        return False
    return last.get("status") == "ok" and last.get("code_fingerprint") == fingerprint


def build(paths: WarehousePaths, since: dt.date | None = None, full_refresh: bool = False) -> bool:
    """Run dbt build; on success publish the snapshot. Returns whether it succeeded."""
    from dbt.cli.main import dbtRunner  # imported late: dbt takes a second to import

    started = time.time()
    day_settings()  # a bad setting stops here, in one line (SettingError), before any work
    with warehouse_lock(paths.state_dir, "build"):
        move_raw_layer(paths)  # a warehouse of the single-file layout
        require_raw_file(paths)
        changed = [] if full_refresh else changed_day_settings(paths.duckdb_path)
        if changed:
            print(
                f"Settings changed since the marts were built ({'; '.join(changed)}): "
                "rebuilding every day (full refresh)."
            )
            full_refresh = True
        fingerprint = code_fingerprint(PROJECT_DIR, REPO_ROOT / "profiles.yml")
        unit_tests = full_refresh or not _last_good_build_had(paths, fingerprint)
        args = dbt_args("build", since, full_refresh)
        if not unit_tests:
            print("Unit tests skipped: the models' code is unchanged since the last good build.")
            args += ["--exclude-resource-type", "unit_test"]
        try:
            seen = None if full_refresh else loads_the_marts_have_seen(paths.duckdb_path)
            with environment(DBT_TESTS_COVER_LOADS_AFTER=seen or ""):
                result = dbtRunner().invoke(args)
        finally:
            release_duckdb()
        ok = bool(result.success)
        publish_seconds = None
        if ok:
            publish_started = time.monotonic()
            try:
                publish_snapshot(paths)
                publish_seconds = round(time.monotonic() - publish_started, 3)
            except (OSError, duckdb.Error) as exc:  # a full disk: readers keep the last one
                ok = False
                print(f"Publishing the snapshot failed: {exc}", file=sys.stderr)
        record = {
            "status": "ok" if ok else "failed",
            "finished_at": time.time(),
            "duration_seconds": round(time.time() - started, 3),
            "since": since.isoformat() if since else None,
            "full_refresh": full_refresh,
            "snapshot": str(paths.snapshot_path) if ok else None,
            "publish_seconds": publish_seconds,
            "code_fingerprint": fingerprint,
            "unit_tests": "run" if unit_tests else "skipped (code unchanged)",
        }
        try:
            (paths.state_dir / "last_build.json").write_text(json.dumps(record, indent=2))
        except OSError as exc:
            print(f"Could not record the build: {exc}", file=sys.stderr)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.build", description=__doc__)
    parser.add_argument("--since", type=dt.date.fromisoformat, help="rebuild days on and after")
    parser.add_argument("--full-refresh", action="store_true", help="rebuild every day")
    args = parser.parse_args(argv)
    paths = WarehousePaths.from_env()
    started = time.monotonic()
    try:
        ok = build(paths, args.since, args.full_refresh)
    except (WarehouseBusy, RawLayerError, SettingError) as exc:
        print(f"build refused: {exc}", file=sys.stderr)
        return 2
    took = time.monotonic() - started
    if ok:
        print(f"Build ok in {took:.1f}s. Published the read-only snapshot: {paths.snapshot_path}")
    else:
        print(
            f"Build FAILED after {took:.1f}s (the dbt errors are above). The snapshot was not "
            f"replaced: readers keep the last good one ({paths.snapshot_path}).",
            file=sys.stderr,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
