"""`python -m scheduler` as a child process of a test: its output read as it comes, waits with
deadlines, its run records. A module of this folder (imported as `schedule_process`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from helpers import REPO_ROOT
from helpers.environment import child_env

from scheduler.runs import read_records

EVERY_SECOND = "* * * * * *"  # croniter: a 6th field is the seconds


class ScheduleProcess:
    def __init__(self, runs_path: Path, **env: str | None) -> None:
        self.runs_path = runs_path
        self.lines: list[str] = []  # stdout and stderr, merged, as they come
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scheduler"],
            cwd=REPO_ROOT,
            env=child_env(PYTHONUNBUFFERED="1", **env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for_line(
        self, predicate: Callable[[str], bool], after: int = 0, timeout: float = 60
    ) -> int:
        """Until a line from index `after` on satisfies `predicate`; returns its index."""
        deadline = time.monotonic() + timeout
        seen = after
        with self._changed:
            while True:
                for index in range(seen, len(self.lines)):
                    if predicate(self.lines[index]):
                        return index
                seen = len(self.lines)
                left = deadline - time.monotonic()
                assert left > 0 and self.process.poll() is None, self._failure("a line")
                self._changed.wait(min(left, 0.5))

    def wait_for_records(self, predicate: Callable[[list[dict]], bool], timeout=60) -> list[dict]:
        """Until the run records satisfy `predicate`; returns them."""
        deadline = time.monotonic() + timeout
        while not predicate(records := read_records(self.runs_path)):
            assert time.monotonic() < deadline, self._failure(f"run records ({records})")
            assert self.process.poll() is None, self._failure("run records")
            time.sleep(0.1)
        return records

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM, then its exit code (it must exit within `timeout`)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(self._failure("the exit after SIGTERM")) from None
        self._reader.join(5)
        return code

    def kill(self) -> None:
        """SIGKILL the scheduler and its running step (in its own session, the step would
        outlive it)."""
        steps = _children_of(self.process.pid) if self.process.poll() is None else []
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in steps:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _failure(self, what: str) -> str:
        tail = "\n".join(self.lines[-40:])
        return f"waited in vain for {what}; exit code {self.process.poll()}; output:\n{tail}"


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found
