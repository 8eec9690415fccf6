"""Wall time and peak resident memory of a command and every process it starts.

The command runs as a child process, so the measurement includes everything a user pays:
interpreter start, imports, dbt's parse, threads and subprocesses. Memory is the sum of the
resident sets of the whole process tree, read from /proc several times a second; each
process's own high-water mark (VmHWM) is read too, so a short spike between two samples is not
missed. Not wait4's ru_maxrss: a child starts from its parent's high-water mark (Python spawns
with vfork, and the kernel keeps the larger mark across exec), so after the benchmark itself had
used 1.7 GB comparing marts, every later step's command reported at least that.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.1
TREE_SCAN_SECONDS = 0.5  # listing /proc costs ~5 ms: find new descendants less often
MB = 1024 * 1024


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_mb: float
    returncode: int
    cpu_seconds: float  # user + system, all threads and waited-for children: steadier than the
    # wall time on a shared machine


class StepFailed(Exception):
    """A measured command exited non-zero; the message names its log."""


def run_measured(
    command: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
    on_tick: Callable[[float, float], None] | None = None,
) -> Measurement:
    """Run `command`, its output to `log_path`; `on_tick(seconds, rss_mb)` about once a second."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    peak = 0
    with open(log_path, "ab") as log:
        log.write(f"$ {' '.join(command)}\n".encode())
        log.flush()
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log)
        done = threading.Event()
        rusage_box: list = []

        def reap() -> None:
            _, status, rusage = os.wait4(process.pid, 0)
            rusage_box.append((os.waitstatus_to_exitcode(status), rusage))
            done.set()

        reaper = threading.Thread(target=reap, daemon=True)
        reaper.start()
        last_tick = last_scan = started
        pids = [process.pid]
        while not done.wait(SAMPLE_SECONDS):
            now = time.perf_counter()
            if now - last_scan >= TREE_SCAN_SECONDS:
                pids, last_scan = _descendants(process.pid), now
            total, largest = resident_bytes(pids)
            peak = max(peak, total, largest)
            if on_tick and now - last_tick >= 1.0:
                on_tick(now - started, peak / MB)
                last_tick = now
        seconds = time.perf_counter() - started
        reaper.join()
        returncode, rusage = rusage_box[0]
        process.returncode = returncode  # reaped by wait4, not by Popen
    if not peak:  # over before the first sample: the kernel's mark, an upper bound (see above)
        peak = rusage.ru_maxrss * 1024  # kilobytes on Linux
    return Measurement(
        round(seconds, 3),
        round(peak / MB, 1),
        returncode,
        round(rusage.ru_utime + rusage.ru_stime, 3),
    )


def resident_bytes(pids: list[int]) -> tuple[int, int]:
    """The resident bytes of these processes together, and the largest high-water mark of one
    of them (those that have exited count 0)."""
    total = largest = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
            total += int(fields["VmRSS"].split()[0]) * 1024
            largest = max(largest, int(fields["VmHWM"].split()[0]) * 1024)
        except (OSError, KeyError, IndexError, ValueError):
            continue  # exited between listing and reading (a zombie has no VmRSS)
    return total, largest


def _descendants(root_pid: int) -> list[int]:
    """The process and its descendants, from the parent ids of every process in /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        # "pid (command) state ppid ...": the command may hold spaces and parentheses
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, pending = [], [root_pid]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def progress_printer(label: str) -> Callable[[float, float], None]:
    """A line that says the step is alive: rewritten in place on a terminal, every 10 s else."""
    interactive = sys.stderr.isatty()
    state = {"last": 0.0}

    def tick(seconds: float, rss_mb: float) -> None:
        text = f"  {label:<18} running {seconds:7.0f} s, peak {rss_mb:7.0f} MB"
        if interactive:
            print(f"\r{text}", end="", file=sys.stderr, flush=True)
        elif seconds - state["last"] >= 10:
            state["last"] = seconds
            print(text, file=sys.stderr, flush=True)

    return tick


def clear_progress() -> None:
    if sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr, flush=True)
