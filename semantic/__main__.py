"""`make kpis [Q="..."]`: the semantic layer for analysts, on the read-only published snapshot.

    python -m semantic                      # the metrics and the names group-by takes
    python -m semantic query --metrics roas,spend --group-by metric_time__week,campaign_day__channel
    python -m semantic query --metrics roas --group-by campaign_day__channel --csv roas.csv

Anything after the first word is MetricFlow's own `mf` command line (`mf query --help`). It runs
against the snapshot, never the warehouse: dbt's target `snapshot` (profiles.yml) is an
in-memory DuckDB with the snapshot attached read-only, and the semantic manifest is the one the
build published beside it. MetricFlow reads that manifest from `<project>/target/`, so it runs in
a scratch project folder (links to the dbt project, the published manifest) removed afterwards;
mf's log goes to dbt_project/logs, and nothing else is written but where `--csv` says.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from semantic.layer import ManifestUnavailable, SemanticLayer, describe
from warehouse.build import PROJECT_DIR, REPO_ROOT
from warehouse.paths import WarehousePaths

PROJECT_FILES = ("dbt_project.yml", "models", "macros", "analyses", "tests")


def list_names(layer: SemanticLayer) -> str:
    listing = describe(layer)
    width = max(len(m["name"]) for m in listing["metrics"])
    lines = ["Metrics (--metrics):"]
    lines += [
        f"  {m['name']:<{width}}  {m['label']}: {m['description']}" for m in listing["metrics"]
    ]
    lines += ["", "Group by (--group-by):"]
    lines += [f"  {name}" for name in listing["dimensions"]]
    example = "--metrics roas,spend --group-by metric_time__week,campaign_day__channel"
    lines += ["", f'Query: make kpis Q="{example}"  (mf query --help for every flag)']
    return "\n".join(lines)


def run_mf(paths: WarehousePaths, args: list[str]) -> int:
    """`mf <args>` in a scratch project whose target/ holds the published manifest."""
    mf = Path(sys.executable).with_name("mf")
    with tempfile.TemporaryDirectory(prefix="admira-mf-") as scratch:
        project = Path(scratch)
        for name in PROJECT_FILES:
            if (PROJECT_DIR / name).exists():
                (project / name).symlink_to(PROJECT_DIR / name)
        (project / "target").mkdir()
        shutil.copyfile(paths.semantic_manifest_path, project / "target" / "semantic_manifest.json")
        env = {
            **os.environ,
            "DBT_PROJECT_DIR": str(project),
            "DBT_PROFILES_DIR": str(REPO_ROOT),
            "DBT_TARGET": "snapshot",
            "DBT_LOG_PATH": str(PROJECT_DIR / "logs"),  # mf's log, named in its errors
            "DBT_TARGET_PATH": str(project / "target"),
            "SNAPSHOT_PATH": str(paths.snapshot_path),
        }
        return subprocess.run([str(mf), *args], env=env, cwd=os.getcwd()).returncode


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = WarehousePaths.from_env()
    if not paths.snapshot_path.exists():
        print(
            f"No published snapshot at {paths.snapshot_path}: run `make run` first.",
            file=sys.stderr,
        )
        return 1
    try:
        layer = SemanticLayer(paths.semantic_manifest_path)
    except ManifestUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if not args or args in (["list"], ["--help"]):
        print(list_names(layer))
        return 0
    return run_mf(paths, args)


if __name__ == "__main__":
    sys.exit(main())
