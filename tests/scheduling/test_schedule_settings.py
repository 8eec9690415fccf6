"""The scheduler's settings, its cron arithmetic and its own files, without a load or a build:
a refused start says why in one line, the times are croniter's read in SCHEDULE_TIMEZONE, a
record is one whole line, and summary() reads what a running scheduler wrote."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers.environment import isolated, run_module

import scheduler.runs as runs
from scheduler.runs import append_record, lock_path, read_records, summary, write_state
from scheduler.settings import ScheduleError, ScheduleSettings, next_after

UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "setting SCHEDULE is not set"),
        ({"SCHEDULE": "every morning"}, "setting SCHEDULE='every morning': not a cron expression"),
        ({"SCHEDULE": "61 * * * *"}, "setting SCHEDULE='61 * * * *': not a cron expression"),
        ({"SCHEDULE": "0 0 31 2 *"}, "it has no next time"),
        ({"SCHEDULE": "0 6 * * *", "SCHEDULE_TIMEZONE": "Mars/Olympus"}, "SCHEDULE_TIMEZONE="),
    ],
    ids=["unset", "words", "out-of-range", "never", "bad-zone"],
)
def test_a_start_without_a_usable_schedule_is_refused_in_one_line(
    tmp_path: Path, env: dict[str, str], says: str
) -> None:
    result = run_module("scheduler", DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"), **env)
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert result.stderr.startswith("schedule refused: ") and result.stderr.count("\n") == 1
    assert says in result.stderr, result.stderr
    assert not (tmp_path / ".admira").exists(), "a refused start writes nothing"


def test_a_second_scheduler_on_the_same_records_is_refused(tmp_path: Path) -> None:
    runs_path = tmp_path / "runs.jsonl"
    with open(lock_path(runs_path), "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write('{"pid": 1}')
        held.flush()
        result = run_module(
            "scheduler",
            SCHEDULE="0 6 * * *",
            SCHEDULE_RUNS_PATH=str(runs_path),
            DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"),
        )
    assert result.returncode == 2, result
    assert f"another scheduler writes {runs_path}" in result.stderr, result.stderr


def test_the_settings_and_their_defaults(tmp_path: Path) -> None:
    with isolated(DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"), SCHEDULE="0 6 * * *"):
        settings = ScheduleSettings.from_env()
    assert settings.timezone == UTC
    assert settings.state_dir == tmp_path / ".admira"
    assert settings.runs_path == tmp_path / ".admira" / "scheduled_runs.jsonl"
    with isolated(
        ADMIRA_STATE_DIR=str(tmp_path / "state"),
        SCHEDULE=" 30 5 * * 1-5 ",
        SCHEDULE_TIMEZONE="Europe/Madrid",
        SCHEDULE_RUNS_PATH=str(tmp_path / "elsewhere" / "runs.jsonl"),
    ):
        settings = ScheduleSettings.from_env()
    assert settings.expression == "30 5 * * 1-5"
    assert settings.timezone == ZoneInfo("Europe/Madrid")
    assert settings.state_dir == tmp_path / "state"
    assert settings.runs_path == tmp_path / "elsewhere" / "runs.jsonl"
    with pytest.raises(ScheduleError):
        ScheduleSettings("not cron", UTC, tmp_path / "r.jsonl", tmp_path)


def test_times_are_read_in_the_schedule_zone_and_a_sixth_field_is_seconds() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    moment = dt.datetime(2025, 3, 29, 12, 0, 0, 500_000, tzinfo=dt.UTC)
    assert next_after("* * * * * *", UTC, moment) == dt.datetime(2025, 3, 29, 12, 0, 1, tzinfo=UTC)
    assert next_after("* * * * * */10", UTC, moment).second == 10
    # 06:00 in Madrid, on the night the clocks go forward: 05:00 UTC, then 04:00 UTC
    first = next_after("0 6 * * *", madrid, moment)
    assert first.isoformat() == "2025-03-30T06:00:00+02:00"
    assert first.astimezone(dt.UTC).hour == 4
    assert next_after("0 6 * * *", madrid, moment - dt.timedelta(days=1)).utcoffset() == (
        dt.timedelta(hours=1)
    )
    assert next_after("0 6 * * *", UTC, moment).isoformat() == "2025-03-30T06:00:00+00:00"


def test_a_record_is_one_whole_line_even_after_a_torn_one(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    append_record(path, {"status": "ok", "n": 1})
    with open(path, "ab") as handle:
        handle.write(b'{"status": "fai')  # what a crash in another writer could leave
    append_record(path, {"status": "skipped", "n": 2})
    assert [r["n"] for r in read_records(path)] == [1, 2]
    assert path.read_bytes().endswith(b"\n")


def test_a_failed_write_leaves_the_records_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "runs.jsonl"
    append_record(path, {"status": "ok"})
    before = path.read_bytes()
    real_write = os.write

    def half_write(fd: int, data: bytes) -> int:  # a disk that fills half-way
        return real_write(fd, data[: len(data) // 2])

    monkeypatch.setattr(runs.os, "write", half_write)
    with pytest.raises(OSError, match="short write"):
        append_record(path, {"status": "failed", "reason": "x" * 1000})
    assert path.read_bytes() == before


def test_the_summary_reads_the_records_and_a_running_schedulers_state(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    empty = {"ok": 0, "failed": 0, "skipped": 0}
    assert summary(path) == {
        "next_run": None,
        "running": None,
        "runs_by_status": empty,
        "last_run": None,
    }
    for status in ("ok", "skipped", "failed", "ok"):
        append_record(path, {"status": status, "scheduled_for": f"at-{status}"})
    write_state(path, next_run="2030-01-01T06:00:00+00:00", running=None)  # this process: alive
    result = summary(path)
    assert result["next_run"] == "2030-01-01T06:00:00+00:00"
    assert result["runs_by_status"] == {"ok": 2, "failed": 1, "skipped": 1}
    assert result["last_run"] == {"status": "ok", "scheduled_for": "at-ok"}

    write_state(path, next_run=None, stopped_at="2030-01-01T00:00:00+00:00")
    assert summary(path)["next_run"] is None, "a stopped scheduler has no next run"

    pid_of = [sys.executable, "-c", "import os; print(os.getpid())"]
    gone = subprocess.run(pid_of, check=True, capture_output=True, text=True)
    state = json.loads(runs.state_path(path).read_text())
    state.update(pid=int(gone.stdout), next_run="2030-01-01T06:00:00+00:00", stopped_at=None)
    runs.state_path(path).write_text(json.dumps(state))
    assert summary(path)["next_run"] is None, "a killed scheduler has no next run"
