"""The scheduler's own files: the run records and the state beside them.

`scheduled_runs.jsonl` gets one JSON line per run, appended in a single write (a write that
fails is cut back off, so the file never ends in half a record). `scheduled_runs.state.json`
says what the scheduler does now: its next run, the run in progress; it is replaced atomically.
`summary()` reads both, for the service or anyone else.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections import Counter
from pathlib import Path
from typing import Any

from load.observability import write_atomically

STATUSES = ("ok", "failed", "skipped")


def state_path(runs_path: Path) -> Path:
    """`scheduled_runs.jsonl` -> `scheduled_runs.state.json`."""
    return runs_path.with_suffix(".state.json")


def lock_path(runs_path: Path) -> Path:
    """Held by the scheduler that writes `runs_path`, for as long as it runs."""
    return runs_path.with_suffix(".lock")


def append_record(runs_path: Path, record: dict[str, Any]) -> None:
    """Append one record as one line, in one write; on a short or failed write (a full disk)
    the file is cut back to its former size and the error raised."""
    runs_path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, default=str) + "\n").encode()
    fd = os.open(runs_path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # a torn line from elsewhere stays on its own line
        try:
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(f"short write to {runs_path} ({written} of {len(line)} bytes)")
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)


def read_records(runs_path: Path) -> list[dict[str, Any]]:
    """Every record, oldest first; a line that is not a JSON object is left out."""
    try:
        text = runs_path.read_text(errors="replace")
    except FileNotFoundError:
        return []
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def write_state(runs_path: Path, **state: Any) -> None:
    """Replace the state file (readers see the old or the new one, never a mix)."""
    body = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "updated_at": dt.datetime.now(dt.UTC).isoformat(),
        **state,
    }
    write_atomically(state_path(runs_path), json.dumps(body, default=str, indent=2))


def read_state(runs_path: Path) -> dict[str, Any] | None:
    """The state a scheduler that still runs wrote, or None (none wrote one, it stopped, or its
    process is gone)."""
    try:
        state = json.loads(state_path(runs_path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("stopped_at"):
        return None
    if state.get("host") == socket.gethostname() and not _alive(state.get("pid")):
        return None  # killed without a chance to say so
    return state


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def summary(runs_path: Path | None = None) -> dict[str, Any]:
    """What the schedule did and will do:

    - `next_run`: when the running scheduler starts its next run (ISO 8601, in
      SCHEDULE_TIMEZONE), or None when no scheduler runs or a run is in progress;
    - `running`: the run in progress (`scheduled_for`, `started_at`, `step`), or None;
    - `runs_by_status`: how many runs ended ok, failed and skipped;
    - `last_run`: the last run's record, or None.

    `runs_path` defaults to SCHEDULE_RUNS_PATH (scheduled_runs.jsonl in the state folder).
    """
    if runs_path is None:
        from scheduler.settings import default_runs_path

        runs_path = default_runs_path()
    records = read_records(runs_path)
    state = read_state(runs_path) or {}
    counts = Counter(record.get("status") for record in records)
    return {
        "next_run": state.get("next_run"),
        "running": state.get("running"),
        "runs_by_status": {status: counts.get(status, 0) for status in STATUSES},
        "last_run": records[-1] if records else None,
    }
