"""`make bench-spark [ROWS=N]`: the Spark builds, full and incremental, against DuckDB's marts.

    python -m bench.spark [--rows N] [--seed S]

The same seeded payloads as `make bench` (bench/payloads.py) go through three steps: the full
history, one more day, and the last week restated with a since. Each step loads the payloads
twice, into a DuckDB warehouse and into a lake (RAW_DESTINATION=filesystem), and builds each:
`python -m warehouse.build` on DuckDB, `python -m spark.build` (a plain build: the lake's
compaction, then the touched days) on Spark. Seconds and peak memory are measured per command;
after each step every Spark mart, read from its Parquet files, is compared with DuckDB's. The
result goes to bench/results/spark-rows-<N>.json. Exit status: 0 when everything ran and the
marts agree, 1 when a step failed or the marts differ, 3 when a target was missed.

Targets (issue 20): at 1,000,000 rows the new day's Spark build takes at most 0.25 x the full
Spark build, and at most 1.5 x the new day's Spark build at 200,000 rows (spark-rows-200000.json
from an earlier run on this machine): a day's cost does not grow with the history.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import duckdb

from bench import report
from bench.compare import GRAINS, _mart_differences
from bench.measure import StepFailed
from bench.payloads import Payload
from bench.steps import REPO_ROOT, BenchRun, StepResult

DATA_DIR = REPO_ROOT / "bench" / "data"
STEPS = ("full", "new_day", "since_week")
SMALL_ROWS = 200_000
LARGE_ROWS = 1_000_000


class SparkBenchRun(BenchRun):
    """A BenchRun whose loads also land in a lake that Spark builds from."""

    def env(self, payload: Payload | None = None) -> dict[str, str]:
        env = super().env(payload)
        lake = self.folder / "lake"
        env.update(
            {
                "LAKE_URL": str(lake),
                "SPARK_WAREHOUSE_DIR": str(lake / "spark-warehouse"),
                "SPARK_METASTORE_DIR": str(lake / "metastore"),
            }
        )
        return env

    def step(self, label: str, payload: Payload) -> tuple[StepResult, StepResult]:
        """The payload loaded and built on DuckDB, then loaded into the lake and built on Spark."""
        since = ["--since", payload.since.isoformat()] if payload.since else []
        load = [sys.executable, "-m", "load", *since]
        duck = self._run(
            f"{label}_duckdb",
            [
                ("load", load, {**self.env(payload), "RAW_DESTINATION": "duckdb"}),
                ("build", [sys.executable, "-m", "warehouse.build"], self.env()),
            ],
        )
        duck.rows = self.received_rows()
        spark = self._run(
            f"{label}_spark",
            [
                ("load", load, {**self.env(payload), "RAW_DESTINATION": "filesystem"}),
                ("spark_build", [sys.executable, "-m", "spark.build"], self.env()),
            ],
        )
        spark.rows = self.received_rows()
        return duck, spark


def compare_with_duckdb(snapshot: Path, spark_warehouse: Path) -> list[str]:
    """Every Spark mart (its Parquet files, partitions included) against DuckDB's snapshot."""
    differences = []
    with duckdb.connect() as con:
        con.execute(f"attach '{snapshot}' as reference (read_only)")
        con.execute("create schema marts")
        for mart, grain in GRAINS.items():
            files = spark_warehouse / "marts.db" / mart / "*" / "*.parquet"
            con.execute(
                f"create view marts.{mart} as select * from "
                f"read_parquet('{files}', hive_partitioning = true)"
            )
            differences += _mart_differences(con, "memory", mart, grain)
    return differences


def run_benchmark(rows: int, seed: int, data_dir: Path, results_dir: Path) -> dict:
    load_at_start = round(os.getloadavg()[0], 2)
    folder = data_dir / f"spark-run-{rows}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"Spark benchmark: {rows:,} rows per source, seed {seed}, in {folder}", file=sys.stderr)
    run = SparkBenchRun(folder)
    payloads = run.generate(rows, seed, data_dir / "payloads")
    plan = {"full": payloads.full, "new_day": payloads.new_day, "since_week": payloads.since_week}
    steps: dict[str, dict] = {}
    checks: dict[str, bool] = {}
    for name in STEPS:
        duck, spark = run.step(name, plan[name])
        steps[name] = {"duckdb": duck.as_json(), "spark": spark.as_json()}
        build = spark.commands["spark_build"]
        print(
            f"  {name:<11} Spark build {build['seconds']:7.1f} s"
            f"  peak {build['peak_rss_mb']:6.0f} MB"
            f"  (load {spark.commands['load']['seconds']:.1f} s; DuckDB build "
            f"{duck.commands['build']['seconds']:.1f} s)",
            file=sys.stderr,
        )
        differences = compare_with_duckdb(run.snapshot, folder / "lake" / "spark-warehouse")
        checks[f"Spark marts equal DuckDB's after {name}"] = not differences
        for difference in differences:
            print(f"    DIFFERENT: {difference}", file=sys.stderr)
    result = {
        "rows_per_source": rows,
        "seed": seed,
        "date": report.today(),
        "machine": report.machine(),
        "load_average": {"start": load_at_start, "end": round(os.getloadavg()[0], 2)},
        "steps": steps,
        "checks": checks,
    }
    result["ratios"] = ratios(steps)
    result["targets"] = targets(result, results_dir)
    if all(checks.values()):
        saved = results_dir / f"spark-rows-{rows}.json"
        results_dir.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"\n{table(result)}\n\nSaved {saved}")
    else:
        print(f"\n{table(result)}\n\nNot saved: the marts differ (above).")
    return result


def build_seconds(steps: dict, name: str) -> float:
    return steps[name]["spark"]["commands"]["spark_build"]["seconds"]


def ratios(steps: dict) -> dict:
    return {
        "new_day_build_vs_full_build": round(
            build_seconds(steps, "new_day") / build_seconds(steps, "full"), 3
        ),
        "since_week_build_vs_full_build": round(
            build_seconds(steps, "since_week") / build_seconds(steps, "full"), 3
        ),
    }


def targets(result: dict, results_dir: Path) -> list[dict]:
    if result["rows_per_source"] != LARGE_ROWS:
        return []
    found = [
        _target(
            "new_day Spark build / full Spark build",
            result["ratios"]["new_day_build_vs_full_build"],
            0.25,
        )
    ]
    small = results_dir / f"spark-rows-{SMALL_ROWS}.json"
    growth = None
    if small.exists():
        earlier = json.loads(small.read_text())["steps"]
        growth = round(
            build_seconds(result["steps"], "new_day") / build_seconds(earlier, "new_day"), 3
        )
    found.append(_target("new_day Spark build at 1M / at 200k", growth, 1.5))
    return found


def _target(name: str, value: float | None, limit: float) -> dict:
    return {
        "name": name,
        "value": value,
        "limit": limit,
        "met": None if value is None else value <= limit,
    }


def table(result: dict) -> str:
    lines = [
        f"Spark benchmark: {result['rows_per_source']:,} rows per source, "
        f"{result['machine']['cores']} cores, load average {result['load_average']['start']} "
        f"at start, {result['load_average']['end']} at end, {result['date']}",
        "",
        f"  {'step':<11} {'Spark build s':>13} {'peak MB':>8} {'lake load s':>11}"
        f" {'DuckDB build s':>14} {'peak MB':>8}",
    ]
    for name, step in result["steps"].items():
        spark, duck = step["spark"]["commands"], step["duckdb"]["commands"]
        lines.append(
            f"  {name:<11} {spark['spark_build']['seconds']:>13.1f}"
            f" {spark['spark_build']['peak_rss_mb']:>8.0f} {spark['load']['seconds']:>11.1f}"
            f" {duck['build']['seconds']:>14.1f} {duck['build']['peak_rss_mb']:>8.0f}"
        )
    lines.append("")
    lines += [f"  {name:<32} {value:.3f}" for name, value in result["ratios"].items()]
    lines.append("")
    lines += [f"  {'OK  ' if ok else 'FAIL'} {check}" for check, ok in result["checks"].items()]
    for target in result["targets"]:
        value = "n/a" if target["value"] is None else f"{target['value']:.3f}"
        verdict = {True: "met", False: "MISSED", None: "not checked"}[target["met"]]
        lines.append(f"  target {target['name']} <= {target['limit']}: {value} {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.spark",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=LARGE_ROWS, help="rows per source")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--results-dir", type=Path, default=report.RESULTS_DIR)
    args = parser.parse_args(argv)
    try:
        result = run_benchmark(args.rows, args.seed, args.data_dir.resolve(), args.results_dir)
    except StepFailed as exc:
        print(f"\nSpark benchmark failed: {exc}", file=sys.stderr)
        return 1
    return report.exit_status(result)


if __name__ == "__main__":
    sys.exit(main())
