"""`make report` on bad ground: a clear message and exit 1, never a stack trace; and the run
records it reads may be missing or damaged without stopping the report."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

from helpers.environment import run_module

from report.run_state import FRESH_HOURS, read_run_state


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


def test_freshness_follows_the_last_successful_load(tmp_path: Path) -> None:
    loaded_at = dt.datetime(2025, 8, 10, 6, 0, tzinfo=dt.UTC)
    record = {
        "ingested_at": loaded_at.isoformat(),
        "status": "ok",
        "load_id": "1",
        "sources": {"ads": {"status": "ok", "received": 3, "loaded": 2, "rejected": 1}},
    }
    (tmp_path / "last_load.json").write_text(json.dumps(record))
    state = read_run_state(tmp_path)
    assert state.sources[0].rejected == 1
    assert state.is_fresh(loaded_at + dt.timedelta(hours=FRESH_HOURS))
    assert not state.is_fresh(loaded_at + dt.timedelta(hours=FRESH_HOURS, minutes=1))
    record["status"] = "failed"
    (tmp_path / "last_load.json").write_text(json.dumps(record))
    assert not read_run_state(tmp_path).is_fresh(loaded_at)
