"""A fingerprint of what decides the models' logic: the dbt project's files, the profile and the
versions of dbt and DuckDB. `make build` runs dbt's unit tests when it changed since the last
good build; unit tests check the SQL, not the data, so rerunning them on unchanged code after
every day's load would only add seconds (dbt's own advice: run them in development and CI)."""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

GENERATED = {"target", "logs", "dbt_packages"}  # dbt's outputs, not its inputs


def code_fingerprint(project_dir: Path, profiles: Path) -> str:
    digest = hashlib.sha256()
    for package in ("dbt-core", "dbt-duckdb", "duckdb"):
        digest.update(f"{package}=={version(package)}\n".encode())
    files = [
        path
        for path in sorted(project_dir.rglob("*"))
        if path.is_file() and GENERATED.isdisjoint(path.relative_to(project_dir).parts)
    ]
    for path in [*files, profiles]:
        digest.update(str(path.relative_to(project_dir.parent)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
