"""The benchmark's result: bench/results/*.json, a table on the terminal, a table for the README.

python -m bench.report [bench/results/latest.json]   # the table again, as Markdown
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
STEP_NOTES = {
    "reference": "plain DuckDB: one SQL script, payloads to the three marts",
    "user_full": "make load, then make build: two processes, fresh warehouse, timed from outside",
    "load_full": "python -m load: two years of history, fresh warehouse",
    "build_full": "python -m warehouse.build: first dbt build (full parse) + snapshot",
    "reload_identical": "the same payloads again: load + build",
    "new_day": "one more day: load + plain incremental build",
    "since_week": "the last 7 days restated: load --since + plain incremental build",
    "decade_window": "the history again, since ten years back: load + build of every day",
    "attribution_time_decay": (
        "a build under ATTRIBUTION_LOOKBACK_DAYS=7 ATTRIBUTION_MODEL=time_decay (settings "
        "changed: every day rebuilt)"
    ),
}


def machine() -> dict:
    """What the numbers were measured on (they mean little without it)."""
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(
        next(line.split()[1] for line in meminfo.splitlines() if line.startswith("MemTotal"))
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "versions": {p: metadata.version(p) for p in ("duckdb", "dlt", "dbt-core", "dbt-duckdb")},
    }


def ratios(steps: dict) -> dict:
    pipeline = steps["load_full"]["seconds"] + steps["build_full"]["seconds"]
    return {
        # What a user waits for (make load, then make build) against plain DuckDB: issue 21.
        "user_full_vs_reference": round(
            steps["user_full"]["seconds"] / steps["reference"]["seconds"], 3
        ),
        "pipeline_vs_reference": round(pipeline / steps["reference"]["seconds"], 3),
        "new_day_vs_full": round(steps["new_day"]["seconds"] / pipeline, 3),
        "new_day_vs_user_full": round(
            steps["new_day"]["seconds"] / steps["user_full"]["seconds"], 3
        ),
        # Its build alone: the days to rebuild must not cost the window times the history.
        "decade_window_build_vs_build_full": round(
            steps["decade_window"]["commands"]["build"]["seconds"] / steps["build_full"]["seconds"],
            3,
        ),
    }


def save(result: dict, results_dir: Path) -> Path:
    """Write the run as rows-<N>.json and latest.json; return the latter."""
    results_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2, default=str) + "\n"
    (results_dir / f"rows-{result['rows_per_source']}.json").write_text(text)
    latest = results_dir / "latest.json"
    latest.write_text(text)
    return latest


def terminal_table(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"Admira ELT benchmark: {result['rows_per_source']:,} rows per source "
        f"(seed {result['seed']}), {m['cores']} cores, {m['memory_gib']} GiB, {result['date']}",
        f"  load average {result['load_average']['start']} at start, "
        f"{result['load_average']['end']} at end",
        "",
        f"  {'step':<18} {'seconds':>9} {'rows/s':>11} {'peak MB':>9} {'CPU s':>9}"
        f" {'publish s':>10}",
    ]
    for name, step in result["steps"].items():
        rate = f"{step['rows_per_second']:,}" if step["rows_per_second"] else "-"
        lines.append(
            f"  {name:<18} {step['seconds']:>9.1f} {rate:>11} {step['peak_rss_mb']:>9.0f}"
            f" {step['cpu_seconds']:>9.1f} {_publish(step):>10}"
        )
    lines.append("")
    for name, value in result["ratios"].items():
        lines.append(f"  {name:<22} {value:.3f}")
    lines.append("")
    for check, ok in result["checks"].items():
        lines.append(f"  {'OK  ' if ok else 'FAIL'} {check}")
    if result["targets"]:
        lines.append("")
        for target in result["targets"]:
            value = "n/a" if target["value"] is None else f"{target['value']:.3f}"
            verdict = {True: "met", False: "MISSED", None: "not checked"}[target["met"]]
            lines.append(f"  target {target['name']}: {value} (limit {target['limit']}) {verdict}")
    else:
        lines.append("  (targets are defined for 1,000,000 and 5,000,000 rows per source)")
    return "\n".join(lines)


def markdown_table(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"{result['rows_per_source']:,} rows per source, measured {result['date']} on "
        f"{m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB; load average "
        f"{result['load_average']['start']} at start.",
        "",
        "| step | what | seconds | rows/s | peak MB | CPU s | of which publish s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, step in result["steps"].items():
        rate = f"{step['rows_per_second']:,}" if step["rows_per_second"] else "-"
        lines.append(
            f"| `{name}` | {STEP_NOTES.get(name, '')} | {step['seconds']:.1f} | {rate} | "
            f"{step['peak_rss_mb']:,.0f} | {step['cpu_seconds']:.1f} | {_publish(step)} |"
        )
    lines.append("")
    for name, value in result["ratios"].items():
        lines.append(f"- `{name}`: {value:.3f}")
    for target in result["targets"]:
        value = _target_value(target)
        verdict = {True: "met", False: "**missed**", None: "not checked"}[target["met"]]
        lines.append(f"- target {target['name']} ≤ {target['limit']:,}: {value}, {verdict}")
    return "\n".join(lines)


def _publish(step: dict) -> str:
    """The seconds its build spent publishing the snapshot (none for a step without one)."""
    seconds = step.get("publish_seconds")
    return "-" if seconds is None else f"{seconds:.2f}"


def _target_value(target: dict) -> str:
    if target["value"] is None:
        return "n/a (no 1M run on this machine to compare with)"
    return f"{target['value']:,.0f}" if "mb" in target["name"] else f"{target['value']:.3f}"


def today() -> str:
    return dt.date.today().isoformat()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else RESULTS_DIR / "latest.json"
    if not path.exists():
        print(f"no benchmark result at {path}: run `make bench` first", file=sys.stderr)
        return 1
    print(markdown_table(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())


def exit_status(result: dict) -> int:
    """0, 1 when a check failed (the marts differ), 3 when a target was missed."""
    if not all(result["checks"].values()):
        return 1
    if any(t["met"] is False for t in result["targets"]):
        return 3
    return 0
