"""`make docs`: generate the static dbt docs site (one self-contained HTML file) and say where.

`dbt docs generate` reads the warehouse for the catalog (column types, row counts), so it takes
the warehouse lock like a build: a load running at the same time makes it stop with a clear
message instead of failing on DuckDB's file lock. Without a warehouse yet, the site is still
generated from the project alone (models, docs, lineage) with an empty catalog.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from warehouse.build import PROJECT_DIR, REPO_ROOT, release_duckdb, target_dir
from warehouse.lock import WarehouseBusy, warehouse_lock
from warehouse.paths import WarehousePaths

STATIC_PAGE = "static_index.html"


@dataclass(frozen=True)
class DocsSite:
    page: Path  # the single self-contained HTML file
    counts: dict[str, int]  # resource type -> how many (model, source, exposure, ...)
    with_catalog: bool  # False when there was no warehouse to describe


def generate(paths: WarehousePaths) -> DocsSite:
    """Run `dbt docs generate --static`; raises RuntimeError when dbt fails."""
    from dbt.cli.main import dbtRunner  # imported late: dbt takes a second to import

    with_catalog = paths.duckdb_path.exists() and paths.raw_path.exists()
    where = ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(REPO_ROOT)]
    steps = [["docs", "generate", "--static", *where]]
    if not with_catalog:
        # Compiling would open (and so create) an empty warehouse file: describe the project
        # only, from the manifest that `dbt parse` writes without opening the database.
        steps = [["parse", *where], [*steps[0], "--empty-catalog", "--no-compile"]]
    with warehouse_lock(paths.state_dir, "docs"):
        try:
            for args in steps:
                result = dbtRunner().invoke(args)
                if not result.success:
                    break
        finally:
            release_duckdb()
    page = target_dir() / STATIC_PAGE
    if not result.success or not page.exists():
        raise RuntimeError(f"dbt docs generate failed: {result.exception or 'see the log above'}")
    return DocsSite(page, _count_resources(target_dir() / "manifest.json"), with_catalog)


def _count_resources(manifest_path: Path) -> dict[str, int]:
    manifest = json.loads(manifest_path.read_text())
    counts: dict[str, int] = {}
    for section in ("nodes", "sources", "exposures", "unit_tests"):
        for node in manifest.get(section, {}).values():
            if node.get("package_name") != "admira":
                continue
            kind = node["resource_type"]
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def main() -> int:
    paths = WarehousePaths.from_env()
    try:
        site = generate(paths)
    except WarehouseBusy as exc:
        print(f"docs refused: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    shown = {
        "model": "models",
        "source": "sources",
        "exposure": "exposures",
        "analysis": "analyses",
        "test": "data tests",
        "unit_test": "unit tests",
    }
    described = ", ".join(f"{site.counts[k]} {n}" for k, n in shown.items() if k in site.counts)
    print(f"Docs site: {site.page}")
    print(f"  {described}")
    if not site.with_catalog:
        print(f"  no warehouse at {paths.duckdb_path} yet: column types and row counts are")
        print("  missing; run `make run` first for the full catalog")
    print("  open it in a browser, or `make docs-serve` to serve it on 127.0.0.1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
