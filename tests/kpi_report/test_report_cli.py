"""`make report` on bad ground: a clear message and exit 1, never a stack trace; and the run
records it reads may be missing or damaged without stopping the report."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

from helpers.environment import run_module

from report.run_state import read_run_state


def run_report(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return run_module(
        "report",
        "--output",
        str(tmp_path / "out" / "report.html"),
        cwd=tmp_path,
        timeout=120,
        DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"),
        **env,
    )


def test_no_snapshot_yet_says_what_to_run(tmp_path: Path) -> None:
    result = run_report(tmp_path)
    assert result.returncode == 1
    assert "No published snapshot at" in result.stderr and "make run" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "report.html").exists()


def test_a_snapshot_without_marts_is_a_clear_error(tmp_path: Path) -> None:
    import duckdb

    (tmp_path / "published").mkdir()
    duckdb.connect(str(tmp_path / "published" / "warehouse.duckdb")).close()  # empty database
    result = run_report(tmp_path)
    assert result.returncode == 1
    assert "Cannot read the marts in" in result.stderr and "make build" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_and_damaged_run_records(tmp_path: Path) -> None:
    state = read_run_state(tmp_path)
    assert not state.load_found and state.problems == []
    (tmp_path / "last_load.json").write_text("{not json")
    (tmp_path / "last_build.json").write_text("[1, 2]")
    state = read_run_state(tmp_path)
    assert not state.load_found
    assert len(state.problems) == 2
    assert "last_load.json could not be read" in state.problems[0]
    assert "last_build.json is not a JSON object" in state.problems[1]


def test_freshness_is_judged_again_when_the_report_is_drawn(tmp_path: Path) -> None:
    """The recorded check holds the newest row's time and the limits; the state is the one at
    the time of reading: 26 h and 50 h limits, a row landed at 06:00."""
    loaded_at = dt.datetime(2025, 8, 10, 6, 0, tzinfo=dt.UTC)
    table = {
        "table": "ads.ads_performance",
        "max_loaded_at": loaded_at.timestamp(),
        "warn_after": 26 * 3600.0,
        "error_after": 50 * 3600.0,
        "error": None,
    }
    body = {"checked_at": loaded_at.timestamp(), "tables": [table]}
    (tmp_path / "freshness.json").write_text(json.dumps(body))
    state = read_run_state(tmp_path)
    at = dt.datetime(2025, 8, 11, 8, 0, tzinfo=dt.UTC)  # 26 h later: not past the limit
    assert state.freshness_status(at) == "pass"
    assert state.freshness_status(at + dt.timedelta(minutes=1)) == "warn"
    assert state.freshness_status(dt.datetime(2025, 8, 12, 8, 1, tzinfo=dt.UTC)) == "error"
    (tmp_path / "freshness.json").unlink()
    assert read_run_state(tmp_path).freshness_status(at) is None, "never checked"
