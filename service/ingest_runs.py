"""`POST /ingest/run`: load + build in the background, one run at a time.

A run is `python -m load [--since D]` then `python -m warehouse.build`, as child processes. The
build needs no `--since`: the load's window replacement gives the days it touched new load ids,
and the marts' day-selection rule rebuilds exactly those. The children take the warehouse lock
themselves (a load or build started elsewhere makes the run fail with the lock holder's
message), and the service's own memory and event loop stay out of dlt and dbt. The children get
their own session, so Ctrl-C on the service does not kill a load half-way. Reads keep answering
during a run: they read the published snapshot, which the build replaces only at its end.

When a source fails but the other loads (loader exit 1), the build still runs, so the good
source's fresh data is published; the run still ends `failed` and says which source failed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from service.access_log import log
from service.privacy import redact_emails
from service.prometheus_metrics import ServiceMetrics
from service.settings import ServiceSettings

KEEP_RUNS = 100  # finished runs remembered for GET /ingest/runs/{id}
TAIL_LINES = 30
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LOADER_PARTIAL_FAILURE = 1  # python -m load: a source failed, the other one landed


class RunInProgress(Exception):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"an ingest run is already running: {run_id}")
        self.run_id = run_id


@dataclass
class Step:
    name: str
    command: list[str]
    exit_code: int | None = None
    seconds: float | None = None
    output_tail: list[str] = field(default_factory=list)


@dataclass
class IngestRun:
    id: str
    since: str | None
    request_id: str
    status: str = "queued"  # queued -> running -> succeeded | failed
    requested_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    steps: list[Step] = field(default_factory=list)
    summary: dict[str, Any] | None = None  # the loader's .admira/last_load.json of this run
    build: dict[str, Any] | None = None  # .admira/last_build.json of this run
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        for key in ("requested_at", "started_at", "finished_at"):
            if body[key] is not None:
                body[key] = dt.datetime.fromtimestamp(body[key], dt.UTC).isoformat()
        if self.started_at is not None:
            body["duration_seconds"] = round((self.finished_at or time.time()) - self.started_at, 3)
        return body


def _clean_lines(text: str) -> list[str]:
    """Output lines without colours, blank lines or e-mail addresses."""
    lines = (redact_emails(ANSI.sub("", line)).rstrip() for line in text.splitlines())
    return [line for line in lines if line.strip()]


def _fresh_json(path: Path, since_time: float) -> dict[str, Any] | None:
    """The record a step wrote, or None when the file is older than the step (not written)."""
    try:
        if path.stat().st_mtime < since_time:
            return None
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def _load_error(step: Step, summary: dict[str, Any] | None) -> str:
    if summary:
        failed = [
            f"{name}: {result.get('error')}"
            for name, result in summary.get("sources", {}).items()
            if result.get("status") != "ok"
        ]
        if failed:
            return "load: " + "; ".join(failed)
    plain = [line for line in step.output_tail if not line.lstrip().startswith("{")]
    return "load: " + (plain or step.output_tail or [f"exit code {step.exit_code}"])[-1].strip()


def _build_error(step: Step, output: list[str]) -> str:
    """dbt's own summary of what failed, else the last lines of the build."""
    lines = output[-3:] or [f"exit code {step.exit_code}"]
    for index, line in enumerate(output):
        if "Completed with" in line:
            lines = output[index : index + 12]
            break
    return "build: " + " | ".join(line.strip() for line in lines)


class IngestRuns:
    def __init__(self, settings: ServiceSettings, metrics: ServiceMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self._lock = threading.Lock()
        self._runs: OrderedDict[str, IngestRun] = OrderedDict()
        self._active: str | None = None

    def start(self, since: dt.date | None, request_id: str) -> IngestRun:
        """Queue a run and start it, or raise RunInProgress (the API answers 409)."""
        with self._lock:
            if self._active is not None:
                raise RunInProgress(self._active)
            run = IngestRun(uuid.uuid4().hex, since.isoformat() if since else None, request_id)
            self._runs[run.id] = run
            while len(self._runs) > KEEP_RUNS:
                self._runs.popitem(last=False)
            self._active = run.id
        threading.Thread(
            target=self._execute, args=(run,), name=f"ingest-{run.id}", daemon=True
        ).start()
        return run

    def get(self, run_id: str) -> dict[str, Any] | None:
        with self._lock:
            run = self._runs.get(run_id)
            return run.to_json() if run else None

    def _execute(self, run: IngestRun) -> None:
        since_args = ["--since", run.since] if run.since else []
        try:
            with self._lock:
                run.status, run.started_at = "running", time.time()
            log("ingest_run_started", run_id=run.id, since=run.since, request_id=run.request_id)
            state = self.settings.paths.state_dir
            load, _ = self._step(run, "load", [sys.executable, "-m", "load", *since_args])
            summary = _fresh_json(state / "last_load.json", run.started_at)
            errors = []
            if load.exit_code != 0:
                errors.append(_load_error(load, summary))
            build_record = None
            partial = load.exit_code == LOADER_PARTIAL_FAILURE and (summary or {}).get("load_id")
            if load.exit_code == 0 or partial:
                started = time.time()
                command = [sys.executable, "-m", "warehouse.build"]
                build, output = self._step(run, "build", command)
                build_record = _fresh_json(state / "last_build.json", started)
                if build.exit_code != 0:
                    errors.append(_build_error(build, output))
            with self._lock:
                run.summary, run.build = summary, build_record
                run.error = "; ".join(errors) or None
                run.status = "failed" if errors else "succeeded"
        except Exception as exc:  # the run must end in a final state whatever happens
            with self._lock:
                run.status, run.error = "failed", f"the run could not be carried out: {exc!r}"
        finally:
            with self._lock:
                run.finished_at = time.time()
                self._active = None
            self.metrics.ingest_runs.labels(run.status).inc()
            log(
                "ingest_run_finished",
                run_id=run.id,
                status=run.status,
                error=run.error,
                request_id=run.request_id,
            )

    def _step(self, run: IngestRun, name: str, command: list[str]) -> tuple[Step, list[str]]:
        """Run one child process to its end; return the step and its cleaned output."""
        step = Step(name, ["python", *command[1:]])
        with self._lock:
            run.steps.append(step)
        started = time.perf_counter()
        completed = subprocess.run(
            command,
            env=self.settings.child_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        output = _clean_lines(completed.stdout + "\n" + completed.stderr)
        with self._lock:
            step.exit_code = completed.returncode
            step.seconds = round(time.perf_counter() - started, 3)
            step.output_tail = output[-TAIL_LINES:]
        return step, output
