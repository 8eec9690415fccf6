"""The benchmark's steps, each a real command run the way a user runs it, in a fresh folder.

Every step is one or more subprocesses (`python -m load`, `python -m warehouse.build`,
`python -m bench.reference`) with DUCKDB_PATH, ADS_API_URL and CRM_API_URL pointing into the
run folder and the payload files, so the times include interpreter start, imports, dbt's parse
and the snapshot publication: everything a user pays.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import StepFailed, clear_progress, progress_printer, run_measured
from bench.payloads import Payload, PayloadSet, payload_set

REPO_ROOT = Path(__file__).resolve().parents[1]
# Settings that would send the run elsewhere or change its rules: the bench sets its own.
ISOLATED_SETTINGS = (
    "DUCKDB_PATH",
    "RAW_DUCKDB_PATH",
    "ADMIRA_STATE_DIR",
    "SNAPSHOT_PATH",
    "INGEST_METRICS_PATH",
    "REPORTING_TIMEZONE",
    "ATTRIBUTION_LOOKBACK_DAYS",
    "ATTRIBUTION_MODEL",
    "ATTRIBUTION_HALF_LIFE_DAYS",
    "EARLIEST_PLAUSIBLE_DATE",
    "LATEST_PLAUSIBLE_DAYS_AHEAD",
    "ADS_API_URL",
    "CRM_API_URL",
    "RAW_DESTINATION",
    "LAKE_URL",
    "DBT_TARGET",
    "DBT_TARGET_PATH",
    "DBT_LOG_PATH",
    "DBT_PROJECT_DIR",
    "DBT_PROFILES_DIR",
    "ARCHIVE_URL",
    "ADS_LOOKBACK_DAYS",
    # make variables read from the environment: `make load` and `make build` would pass them on
    "SINCE",
    "FULL_REFRESH",
)
PIPELINE_STEPS = (
    "user_full",
    "load_full",
    "build_full",
    "reload_identical",
    "new_day",
    "since_week",
    "decade_window",
    "attribution_time_decay",
)
# The settings of the step attribution_time_decay: a lookback of a week, the time-decay model.
ATTRIBUTION_STEP_SETTINGS = {"ATTRIBUTION_LOOKBACK_DAYS": "7", "ATTRIBUTION_MODEL": "time_decay"}


@dataclass
class StepResult:
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0
    rows: int = 0  # records received (Ads + CRM) by the step's load: what it had to process
    publish_seconds: float | None = None  # of its build: the snapshot's checkpoint and copy
    commands: dict[str, dict] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "seconds": round(self.seconds, 3),
            "peak_rss_mb": self.peak_rss_mb,
            "cpu_seconds": round(self.cpu_seconds, 3),
            "rows": self.rows,
            "publish_seconds": self.publish_seconds,
            "rows_per_second": round(self.rows / self.seconds) if self.seconds else None,
            "commands": self.commands,
        }


class BenchRun:
    """One benchmark run in `folder`: a fresh warehouse, the pipeline's own commands."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.warehouse = folder / "warehouse.duckdb"
        self.snapshot = folder / "published" / "warehouse.duckdb"
        self.logs = folder / "logs"

    def env(self, payload: Payload | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ISOLATED_SETTINGS}
        env.update(
            {
                "DUCKDB_PATH": str(self.warehouse),
                # A fresh clone's dbt: the first build parses the project, later ones reuse it.
                "DBT_TARGET_PATH": str(self.folder / "dbt-target"),
                "DBT_LOG_PATH": str(self.folder / "dbt-logs"),
            }
        )
        if payload:
            env["ADS_API_URL"] = str(payload.ads)
            env["CRM_API_URL"] = str(payload.crm)
        return env

    def generate(self, rows: int, seed: int, root: Path) -> PayloadSet:
        """The payloads of this size, generated in a subprocess (with a progress line)."""
        command = [
            sys.executable,
            "-m",
            "bench.payloads",
            "--rows",
            str(rows),
            "--seed",
            str(seed),
            "--root",
            str(root),
        ]
        self._run("payloads", [("generate", command, self.env())])
        return payload_set(root, rows, seed)

    def reference(self, db_path: Path, loads: list[Payload], label: str) -> StepResult:
        """bench/reference.sql over `loads`, in order, into a new DuckDB file."""
        command = [sys.executable, "-m", "bench.reference", "--db", str(db_path)]
        for payload in loads:
            command += ["--load", str(payload.ads), str(payload.crm)]
            if payload.since:
                command.append(payload.since.isoformat())
        return self._run(label, [("reference", command, self.env())])

    def load_and_build(self, label: str, payload: Payload, build: bool = True) -> StepResult:
        """The loader on `payload` (with its since), then a plain incremental build: the build
        finds the days the load touched by itself (CONTRACT §3)."""
        since = ["--since", payload.since.isoformat()] if payload.since else []
        commands = [("load", [sys.executable, "-m", "load", *since], self.env(payload))]
        if build:
            commands.append(("build", [sys.executable, "-m", "warehouse.build"], self.env()))
        result = self._run(label, commands)
        result.rows = self.received_rows()
        return result

    def copy(self, folder: Path) -> BenchRun:
        """This run's warehouse (files, state, snapshot, dbt's artifacts) in another folder,
        untimed: a step there leaves this run's marts as they are."""
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(
            self.folder, folder, ignore=shutil.ignore_patterns("reference*.duckdb", "logs")
        )
        return BenchRun(folder)

    def build(self, label: str, settings: dict[str, str] | None = None) -> StepResult:
        """A plain `make build`, with `settings` (e.g. the attribution's) on top of the run's."""
        env = {**self.env(), **(settings or {})}
        return self._run(label, [("build", [sys.executable, "-m", "warehouse.build"], env)])

    def user_full(self, label: str, payload: Payload) -> StepResult:
        """`make load`, then `make build`, as a user runs them on a fresh clone: two processes,
        timed from outside, with nothing synced between them; its own fresh warehouse, payload
        archive (on, as always) and dbt target folder (so the build parses the project)."""
        fresh = BenchRun(self.folder / label)
        fresh.logs = self.logs
        make = ["make", "--no-print-directory", "-C", str(REPO_ROOT)]
        # Untimed: a user has installed once before (a no-op when the venv is up to date).
        fresh._run(f"{label}_install", [("install", [*make, "install"], fresh.env())])
        result = fresh._run(
            label,
            [
                ("load", [*make, "load"], fresh.env(payload)),
                ("build", [*make, "build"], fresh.env()),
            ],
        )
        result.rows = fresh.received_rows()
        return result

    def received_rows(self) -> int:
        """Ads + CRM records the last load received, from its own summary."""
        summary = json.loads((self.folder / ".admira" / "last_load.json").read_text())
        return sum(s.get("received", 0) for s in summary["sources"].values())

    def _run(self, label: str, commands: list[tuple[str, list[str], dict]]) -> StepResult:
        # Untimed: the disk first writes out what earlier steps left in the page cache (GBs
        # after a full load), so a step is not timed while the kernel flushes another's writes.
        # Within a step (a load, then a build) nothing waits, as with `make load && make build`.
        os.sync()
        result = StepResult()
        for name, command, env in commands:
            tick = progress_printer(f"{label} ({name})" if len(commands) > 1 else label)
            try:
                measured = run_measured(
                    command,
                    env=env,
                    cwd=REPO_ROOT,
                    log_path=self.logs / f"{label}.log",
                    on_tick=tick,
                )
            finally:
                clear_progress()
            if measured.returncode != 0:
                raise StepFailed(
                    f"step {label}: `{' '.join(command[1:])}` exited {measured.returncode}; "
                    f"its output is in {self.logs / f'{label}.log'}:\n"
                    + _tail(self.logs / f"{label}.log")
                )
            if name == "build":  # dbt's own timing of each node, to see where a build goes
                _keep(
                    self.folder / "dbt-target" / "run_results.json",
                    self.logs / f"{label}.run_results.json",
                )
                record = json.loads((self.folder / ".admira" / "last_build.json").read_text())
                result.publish_seconds = record.get("publish_seconds")
            result.seconds += measured.seconds
            result.cpu_seconds += measured.cpu_seconds
            result.peak_rss_mb = max(result.peak_rss_mb, measured.peak_rss_mb)
            result.commands[name] = {
                "seconds": measured.seconds,
                "cpu_seconds": measured.cpu_seconds,
                "peak_rss_mb": measured.peak_rss_mb,
            }
        return result


def _keep(source: Path, target: Path) -> None:
    if source.exists():
        shutil.copyfile(source, target)


def _tail(path: Path, lines: int = 25) -> str:
    text = path.read_text(errors="replace").splitlines()
    return "\n".join("    " + line for line in text[-lines:])
