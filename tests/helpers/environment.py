"""The settings a test must choose itself, and the one way to give a run its environment.

Every setting the code reads (tests/test_docs.py scans for them) whose value changes what a
load, a build, the service, the report or the docs do is listed once, here. A test never
inherits one from the developer's shell: it unsets them all and sets what it means, in this
process (`scrub` on the test's monkeypatch, `isolated` for a block) or for a child process
(`child_env`, `run_module`).

Not listed, on purpose: DBT_TARGET_PATH and DBT_LOG_PATH, which the session sets once for every
build (tests/conftest.py, dbt_session_dirs: builds reuse one parse), and DBT_DUCKDB_MEMORY_LIMIT,
which bounds the memory of a build, not what it builds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers import REPO_ROOT

SETTINGS = (
    # where the warehouse, its state, its snapshot, the metrics and the archive live
    "DUCKDB_PATH",
    "RAW_DUCKDB_PATH",
    "ADMIRA_STATE_DIR",
    "SNAPSHOT_PATH",
    "INGEST_METRICS_PATH",
    "ARCHIVE_URL",
    # the loader
    "ADS_API_URL",
    "CRM_API_URL",
    "REPORTING_TIMEZONE",
    "HTTP_TIMEOUT_SECONDS",
    "HTTP_MAX_RETRIES",
    "HTTP_BACKOFF_SECONDS",
    "HTTP_BACKOFF_MAX_SECONDS",
    "EARLIEST_PLAUSIBLE_DATE",
    "LATEST_PLAUSIBLE_DAYS_AHEAD",
    "ADS_LOOKBACK_DAYS",
    "RAW_DESTINATION",
    "LAKE_URL",
    # the build, retention and Spark
    "ATTRIBUTION_LOOKBACK_DAYS",
    "ATTRIBUTION_MODEL",
    "ATTRIBUTION_HALF_LIFE_DAYS",
    "DBT_TARGET",
    "DBT_TESTS_COVER_LOADS_AFTER",
    "HOT_RETENTION_MONTHS",
    "SPARK_WAREHOUSE_DIR",
    "SPARK_METASTORE_DIR",
    # the service
    "HOST",
    "PORT",
    "READY_MAX_AGE_SECONDS",
    "SINK_URL",
    "SINK_SECRET",
    "SINK_TIMEOUT_SECONDS",
    "SINK_MAX_RETRIES",
    "SINK_BACKOFF_SECONDS",
    # the report and the docs
    "REPORT_PATH",
    "DOCS_PORT",
    # the scheduler
    "SCHEDULE",
    "SCHEDULE_TIMEZONE",
    "SCHEDULE_RUNS_PATH",
    # freshness and alerts
    "FRESHNESS_WARN_AFTER_HOURS",
    "FRESHNESS_ERROR_AFTER_HOURS",
    "ALERT_WEBHOOK_URL",
    "ALERT_SECRET",
    "ALERT_TIMEOUT_SECONDS",
    "ALERT_MAX_RETRIES",
    "ALERT_BACKOFF_SECONDS",
)


def scrub(monkeypatch: pytest.MonkeyPatch, **values: str | None) -> None:
    """Unset every setting, then set `values` (None: unset), until the monkeypatch is undone."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


@contextmanager
def isolated(**values: str | None) -> Iterator[pytest.MonkeyPatch]:
    """This process's environment scrubbed and set to `values` for the block, then restored."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        scrub(monkeypatch, **values)
        yield monkeypatch


def child_env(**values: str | None) -> dict[str, str]:
    """The environment of a child process: this one's, scrubbed, with `values` set."""
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    env.update({name: value for name, value in values.items() if value is not None})
    return env


def run_module(
    module: str, *args: str, cwd: Path = REPO_ROOT, timeout: float = 60, **env: str | None
) -> subprocess.CompletedProcess:
    """`python -m <module> <args>` to its end, on a scrubbed environment, output captured."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
