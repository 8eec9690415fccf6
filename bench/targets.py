"""The performance targets (issues 4 and 21), checked on a finished run (never in unit tests).

They are stated for 1,000,000 and 5,000,000 rows per source on a 2-core, 24 GiB machine;
other sizes have none. The growth target at 5M compares with the 1M run saved on this machine
(bench/results/rows-1000000.json), so run `make bench` before `make bench ROWS=5000000`.
The memory limits apply to the pipeline's steps; the reference is the yardstick, not a product
step (it parses each payload as one JSON document, which needs memory in proportion).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.steps import PIPELINE_STEPS

ONE_MILLION = 1_000_000
FIVE_MILLION = 5_000_000


@dataclass(frozen=True)
class Target:
    name: str
    value: float | None  # None when it cannot be computed (e.g. no 1M run to compare with)
    limit: float
    met: bool | None

    @classmethod
    def at_most(cls, name: str, value: float | None, limit: float) -> Target:
        return cls(name, value, limit, None if value is None else value <= limit)


def evaluate(result: dict, results_dir: Path) -> list[dict]:
    """The targets that apply to this run's size, with their values and verdicts."""
    rows = result["rows_per_source"]
    steps = result["steps"]
    peak = max(steps[name]["peak_rss_mb"] for name in PIPELINE_STEPS)
    targets: list[Target] = []
    if rows == ONE_MILLION:
        ratio = result["ratios"]
        targets.append(
            Target.at_most("user_full_vs_reference", ratio["user_full_vs_reference"], 2.0)
        )
        targets.append(Target.at_most("pipeline_vs_reference", ratio["pipeline_vs_reference"], 3.0))
        targets.append(Target.at_most("peak_rss_mb of every pipeline step", peak, 1024))
    elif rows == FIVE_MILLION:
        baseline = _user_full_seconds_of(results_dir / f"rows-{ONE_MILLION}.json")
        growth = steps["user_full"]["seconds"] / baseline if baseline else None
        targets.append(Target.at_most("user_full seconds / the 1M run's", growth, 5.5))
        ratio = result["ratios"]
        targets.append(Target.at_most("new_day_vs_full", ratio["new_day_vs_full"], 0.10))
        targets.append(Target.at_most("new_day_vs_user_full", ratio["new_day_vs_user_full"], 0.05))
        targets.append(Target.at_most("peak_rss_mb of every pipeline step", peak, 2048))
    return [asdict(t) for t in targets]


def _user_full_seconds_of(path: Path) -> float | None:
    """The 1M run's user_full seconds (None without a 1M run with that step on this machine)."""
    if not path.exists():
        return None
    return json.loads(path.read_text())["steps"].get("user_full", {}).get("seconds")
