"""`make bench [ROWS=N]`: time the pipeline against plain DuckDB on N rows per source.

    python -m bench [--rows N] [--seed S]

Generates (or reuses) seeded, dirty payloads, runs the reference and the pipeline's steps in a
fresh folder under bench/data/, checks that the pipeline's marts equal the reference's, and
writes bench/results/latest.json and rows-<N>.json. Exit status: 0 when everything ran and the
marts agree, 1 when a step failed or the marts differ, 3 when a target was missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
from pathlib import Path

from bench import report, targets
from bench.compare import compare_marts
from bench.measure import StepFailed
from bench.payloads import Payload
from bench.steps import ATTRIBUTION_STEP_SETTINGS, REPO_ROOT, BenchRun, StepResult

DATA_DIR = REPO_ROOT / "bench" / "data"
MIN_ROWS = 100
DECADE = dt.timedelta(days=3652)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per source")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DATA_DIR,
        help="payload cache and run folder (default bench/data)",
    )
    parser.add_argument("--results-dir", type=Path, default=report.RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.rows < MIN_ROWS:
        parser.error(f"--rows must be at least {MIN_ROWS}, got {args.rows}")
    try:
        result = run_benchmark(args.rows, args.seed, args.data_dir.resolve(), args.results_dir)
    except StepFailed as exc:
        print(f"\nbenchmark failed: {exc}", file=sys.stderr)
        return 1
    return report.exit_status(result)


def run_benchmark(rows: int, seed: int, data_dir: Path, results_dir: Path) -> dict:
    """Run every step once, print the table, save the result; raise StepFailed on failure."""
    load_at_start = _load_average()
    folder = data_dir / f"run-{rows}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"Benchmark: {rows:,} rows per source, seed {seed}, in {folder}", file=sys.stderr)
    run = BenchRun(folder)
    payloads = run.generate(rows, seed, data_dir / "payloads")

    steps: dict[str, StepResult] = {}
    steps["reference"] = _step(
        run.reference(folder / "reference.duckdb", [payloads.full], "reference"), "reference"
    )
    # Right after the reference, so their ratio compares two runs minutes apart at most.
    steps["user_full"] = _step(run.user_full("user_full", payloads.full), "user_full")
    after_user = compare_marts(
        run.folder / "user_full" / "published" / "warehouse.duckdb", folder / "reference.duckdb"
    )
    _say_comparison("after user_full", after_user)
    steps["load_full"] = _step(
        run.load_and_build("load_full", payloads.full, build=False), "load_full"
    )
    steps["build_full"] = _step(run.build("build_full"), "build_full")
    steps["reference"].rows = steps["build_full"].rows = steps["load_full"].rows
    after_full = compare_marts(run.snapshot, folder / "reference.duckdb")
    _say_comparison("after build_full", after_full)

    steps["reload_identical"] = _step(
        run.load_and_build("reload_identical", payloads.full), "reload_identical"
    )
    steps["new_day"] = _step(run.load_and_build("new_day", payloads.new_day), "new_day")
    steps["since_week"] = _step(run.load_and_build("since_week", payloads.since_week), "since_week")
    # The history again with since ten years back: a window of ten years, every day rebuilt.
    decade = Payload(payloads.full.ads, payloads.full.crm, payloads.last_day - DECADE)
    steps["decade_window"] = _step(run.load_and_build("decade_window", decade), "decade_window")
    every_load = [payloads.full, payloads.full, payloads.new_day, payloads.since_week, decade]
    run.reference(folder / "reference-every-load.duckdb", every_load, "reference_every_load")
    after_all = compare_marts(run.snapshot, folder / "reference-every-load.duckdb")
    _say_comparison("after every step", after_all)
    # A week's lookback under time decay (a change of settings: every day rebuilt), on a copy
    # of the warehouse: the reference knows only the default attribution, so the run's own
    # marts stay comparable with it. Its rows: the records of the full load.
    attribution_run = run.copy(data_dir / f"run-{rows}-attribution")
    steps["attribution_time_decay"] = _step(
        attribution_run.build("attribution_time_decay", ATTRIBUTION_STEP_SETTINGS),
        "attribution_time_decay",
    )
    steps["attribution_time_decay"].rows = steps["load_full"].rows

    result = {
        "rows_per_source": rows,
        "seed": seed,
        "date": report.today(),
        "machine": report.machine(),
        "load_average": {"start": load_at_start, "end": _load_average()},
        "steps": {name: step.as_json() for name, step in steps.items()},
    }
    result["ratios"] = report.ratios(result["steps"])
    result["checks"] = {
        "marts equal the reference after user_full": after_user.equal,
        "marts equal the reference after build_full": after_full.equal,
        "marts equal the reference after every step": after_all.equal,
    }
    result["mart_rows"] = after_all.rows
    result["targets"] = targets.evaluate(result, results_dir)
    if all(result["checks"].values()):
        saved = report.save(result, results_dir)
        print(f"\n{report.terminal_table(result)}\n\nSaved {saved}")
    else:
        print(f"\n{report.terminal_table(result)}\n\nNot saved: the marts differ (above).")
    return result


def _step(result: StepResult, name: str) -> StepResult:
    print(
        f"  {name:<18} {result.seconds:7.1f} s  peak {result.peak_rss_mb:7.0f} MB", file=sys.stderr
    )
    return result


def _say_comparison(when: str, comparison) -> None:
    if comparison.equal:
        rows = ", ".join(f"{mart} {count:,}" for mart, count in comparison.rows.items())
        print(f"  marts equal the reference {when} ({rows} rows)", file=sys.stderr)
        return
    print(f"\n  THE MARTS DIFFER FROM THE REFERENCE {when}:", file=sys.stderr)
    for difference in comparison.differences:
        print(f"    {difference}", file=sys.stderr)


def _load_average() -> float:
    return round(os.getloadavg()[0], 2)


if __name__ == "__main__":
    sys.exit(main())
