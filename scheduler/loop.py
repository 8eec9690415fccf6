"""The schedule: at each time SCHEDULE names, `python -m load`, `python -m warehouse.build`, then
`python -m warehouse.freshness`; what changed state is alerted (scheduler/alerts.py).

Both steps are child processes with this process's environment (or the one `env` gives), their
output passed through; they take the warehouse lock themselves. The build runs when the load
exits 0, or 1 (a source failed) unless its summary says nothing landed. A step refused because
another writer holds the lock (exit 2, "the warehouse is busy") makes the run `skipped`; any other
non-zero exit makes it `failed`; neither stops the schedule. The next time is computed from the
end of a run, so times that passed during a run are not run later.

`Scheduler.run()` blocks until the stop event is set, so it runs as well in a background thread
(the service) as in `python -m scheduler`. Setting the event lets the run in progress finish
(its load and its build) and starts no other; `stop()` instead sends SIGTERM to the running
step (loads and builds are crash-safe), starts no further step, and run() returns once the
step has ended.

The freshness check runs after every run that was not skipped or stopped, whatever the load and
build did: a pipeline that keeps failing is how data goes stale.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from load.observability import log
from scheduler.alerts import Alerts, subjects
from scheduler.runs import append_record, lock_path, write_state
from scheduler.settings import ScheduleSettings
from warehouse.freshness import current as current_freshness

LOAD_OK, LOAD_PARTIAL, REFUSED = 0, 1, 2  # python -m load / warehouse.build exit codes
BUSY = "the warehouse is busy"  # what a refused load or build prints (warehouse/lock.py)
TAIL_LINES = 20
MAX_WAIT_SECONDS = 30.0  # the clock is read again at least this often (suspend, clock changes)

Env = Mapping[str, str] | Callable[[], Mapping[str, str]] | None


class SchedulerBusy(Exception):
    """Another scheduler writes the same run records."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


@dataclass
class Step:
    name: str
    exit_code: int | None = None
    seconds: float = 0.0
    stopped: bool = False  # stop() sent it SIGTERM and it did not succeed
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))

    def message(self) -> str:
        """The last line it printed on stderr that is not a JSON log line."""
        plain = [line for line in self.tail if line.strip() and not line.startswith("{")]
        return (plain or [f"exit code {self.exit_code}"])[-1].strip()[:500]

    @property
    def busy(self) -> bool:
        return self.exit_code == REFUSED and BUSY in self.message()


class Scheduler:
    def __init__(
        self,
        settings: ScheduleSettings,
        *,
        env: Env = None,
        stop_event: threading.Event | None = None,
        python: str = sys.executable,
        alerts: Alerts | None = None,
    ) -> None:
        self.settings = settings
        self.alerts = alerts  # None: no alert states kept, nothing sent
        self.env = env  # the children's environment, or a function giving it; None: this one's
        self.stop_event = stop_event or threading.Event()
        self.python = python
        self.next_run: dt.datetime | None = None
        self.stopped_step: str | None = None  # the step stop() sent SIGTERM, if any
        self._lock = threading.RLock()  # RLock: stop() may run in a signal handler, twice
        self._process: subprocess.Popen | None = None
        self._signalled = False
        self._terminating = False  # stop(terminate=True) was called: start no further step

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        """Run the schedule until the stop event is set. Raises SchedulerBusy when another
        scheduler writes the same records."""
        with self._exclusive():
            self.next_run = self.settings.next_after(_now())
            log(
                "schedule_started",
                schedule=self.settings.expression,
                timezone=str(self.settings.timezone),
                next_run=self.next_run.isoformat(),
                runs_path=str(self.settings.runs_path),
            )
            self._state(next_run=self.next_run.isoformat())
            try:
                while self.next_run is not None and not self._wait_until(self.next_run):
                    try:
                        self.run_once(self.next_run)
                    except Exception as exc:  # e.g. no python to start: log it, keep going
                        log("run_error", error=repr(exc))
                        self.next_run = (
                            None if self.stop_event.is_set() else self.settings.next_after(_now())
                        )
            finally:
                self.next_run = None
                self._state(next_run=None, stopped_at=_iso(_now()))

    def stop(self, terminate: bool = True) -> None:
        """Stop scheduling; with `terminate`, send SIGTERM to the running step and start no
        other (run() returns once it has ended), else let the run in progress finish. Safe to
        call from a signal handler or another thread."""
        self.stop_event.set()
        with self._lock:
            self._terminating = self._terminating or terminate
            process = self._process
            if terminate and process is not None and process.returncode is None:
                self._signalled = True
                try:
                    os.killpg(process.pid, signal.SIGTERM)  # its own session: its group
                except ProcessLookupError:
                    pass

    def _wait_until(self, moment: dt.datetime) -> bool:
        """Sleep until `moment`; True when stopped first."""
        while True:
            remaining = (moment - _now()).total_seconds()
            if remaining <= 0:
                return self.stop_event.is_set()
            if self.stop_event.wait(min(remaining, MAX_WAIT_SECONDS)):
                return True

    # -- one run ----------------------------------------------------------------------------

    def run_once(self, scheduled_for: dt.datetime) -> dict[str, Any] | None:
        """Load then build now, record the run and compute the next time; returns the record
        (None when stopped before it began)."""
        if self.stop_event.is_set():
            return None
        started = _now()
        running = {"scheduled_for": scheduled_for.isoformat(), "started_at": _iso(started)}
        log("run_started", **running)
        exit_codes: dict[str, int | None] = {"load": None, "build": None, "freshness": None}
        reasons: list[str] = []
        status, interrupted = "ok", False
        last_load = self.settings.state_dir / "last_load.json"
        before = _identity(last_load)

        load = self._step("load", running)
        load_summary = None  # what this run's load wrote: a refused one writes nothing
        if load is not None and load.exit_code in (LOAD_OK, LOAD_PARTIAL):
            load_summary = _fresh_json(last_load, before)
        if load is None:
            status, interrupted = "failed", True
            reasons.append("stopped before the load started")
        else:
            exit_codes["load"] = load.exit_code
            if load.stopped:
                status, interrupted = "failed", True
                reasons.append(f"load stopped (SIGTERM), exit code {load.exit_code}")
            elif load.busy:
                status = "skipped"
                reasons.append(load.message())  # "load failed: the warehouse is busy: …"
            elif load.exit_code not in (LOAD_OK, LOAD_PARTIAL):
                status = "failed"
                reasons.append(f"load exited {load.exit_code}: {load.message()}")
            else:
                if load.exit_code == LOAD_PARTIAL:
                    status = "failed"
                    reasons.append(_load_reason(load, load_summary))
                if load.exit_code == LOAD_OK or load_summary is None or load_summary.get("load_id"):
                    status, interrupted = self._build(running, exit_codes, reasons, status)
                else:
                    reasons.append("build not run: nothing landed")

        freshness = None
        if status != "skipped" and not interrupted:
            check = self._step("freshness", running)
            if check is not None and not check.stopped:
                exit_codes["freshness"] = check.exit_code
                recorded = current_freshness(self.settings.state_dir)
                if check.exit_code in (0, 1) and recorded is not None:
                    freshness = recorded.by_source()
                else:
                    reasons.append(f"freshness check exited {check.exit_code}: {check.message()}")

        finished = _now()
        self.next_run = None if self.stop_event.is_set() else self.settings.next_after(finished)
        record = {
            "scheduled_for": scheduled_for.isoformat(),
            "started_at": _iso(started),
            "finished_at": _iso(finished),
            "duration_seconds": round((finished - started).total_seconds(), 3),
            "status": status,
            "exit_codes": exit_codes,
            "reason": "; ".join(reasons) or None,
            "interrupted": interrupted,
            "load": load_summary,
            "freshness": freshness,
        }
        try:
            append_record(self.settings.runs_path, record)
        except OSError as exc:  # a full disk: say so, keep scheduling
            log("run_record_failed", path=str(self.settings.runs_path), error=str(exc))
        log(
            "run_finished",
            scheduled_for=record["scheduled_for"],
            status=status,
            exit_codes=exit_codes,
            duration_seconds=record["duration_seconds"],
            reason=record["reason"],
            next_run=self.next_run.isoformat() if self.next_run else None,
        )
        self._state(next_run=self.next_run.isoformat() if self.next_run else None)
        if self.alerts is not None:
            try:
                self.alerts.observe(subjects(record, freshness), run=record)
            except Exception as exc:  # an alert must never stop the schedule
                log("alert_error", error=repr(exc))
        return record

    def _build(
        self,
        running: dict[str, Any],
        exit_codes: dict[str, int | None],
        reasons: list[str],
        status: str,
    ) -> tuple[str, bool]:
        """Run the build step; returns the run's status and whether it was interrupted."""
        build = self._step("build", running)
        if build is None:
            reasons.append("stopped before the build started")
            return "failed", True
        exit_codes["build"] = build.exit_code
        if build.stopped:
            reasons.append(f"build stopped (SIGTERM), exit code {build.exit_code}")
            return "failed", True
        if build.busy:
            reasons.append(build.message())  # "build refused: the warehouse is busy: …"
            return ("skipped" if status == "ok" else status), False
        if build.exit_code != 0:
            reasons.append(f"build exited {build.exit_code}: {build.message()}")
            return "failed", False
        return status, False

    def _step(self, name: str, running: dict[str, Any]) -> Step | None:
        """`python -m <load | warehouse.build>` to its end, stderr passed through and its tail
        kept; None when stopped before it could start."""
        module = {"load": "load", "build": "warehouse.build", "freshness": "warehouse.freshness"}[
            name
        ]
        step = Step(name)
        self._state(next_run=None, running={**running, "step": name})
        env = self.env() if callable(self.env) else self.env
        started = time.monotonic()
        with self._lock:
            if self._terminating:
                return None
            process = subprocess.Popen(
                [self.python, "-m", module],
                env=None if env is None else dict(env),
                stdin=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,  # Ctrl-C reaches the scheduler, which forwards SIGTERM
            )
            self._process, self._signalled = process, False
        tee = threading.Thread(target=_tee, args=(process.stderr, step.tail), daemon=True)
        tee.start()
        exit_code = process.wait()
        tee.join()
        process.stderr.close()
        with self._lock:
            self._process = None
            step.stopped = self._signalled and exit_code != 0
        if step.stopped:
            self.stopped_step = name
        step.exit_code, step.seconds = exit_code, round(time.monotonic() - started, 3)
        return step

    # -- the scheduler's own files ----------------------------------------------------------

    def _state(self, **state: Any) -> None:
        try:
            write_state(
                self.settings.runs_path,
                schedule=self.settings.expression,
                timezone=str(self.settings.timezone),
                **{"running": None, **state},
            )
        except OSError as exc:
            log("schedule_state_failed", error=str(exc))

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        path = lock_path(self.settings.runs_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+") as handle:  # not inherited by the steps (PEP 446)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise SchedulerBusy(
                    f"another scheduler writes {self.settings.runs_path}: {holder}"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "since": time.time()}))
            handle.flush()
            yield


def _tee(stream: IO[bytes], tail: deque[str]) -> None:
    """Copy a child's stderr to ours line by line, keeping the last lines."""
    out = getattr(sys.stderr, "buffer", None)
    for raw in iter(stream.readline, b""):
        try:
            if out is not None:
                out.write(raw)
                out.flush()
            else:
                sys.stderr.write(raw.decode(errors="replace"))
                sys.stderr.flush()
        except (OSError, ValueError):  # our stderr closed: keep reading, or the child blocks
            pass
        tail.append(raw.decode(errors="replace").rstrip())


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _fresh_json(path: Path, before: tuple[int, int] | None) -> dict[str, Any] | None:
    """The summary the step wrote (the load replaces the file atomically), or None when it
    wrote none."""
    if _identity(path) in (None, before):
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _load_reason(load: Step, summary: dict[str, Any] | None) -> str:
    failed = [
        f"{name}: {result.get('error')}"
        for name, result in (summary or {}).get("sources", {}).items()
        if result.get("status") != "ok"
    ]
    return "load: " + ("; ".join(failed) if failed else load.message())
