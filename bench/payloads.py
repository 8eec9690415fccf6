"""The payloads of one benchmark size: two years of history, one more day, a restated week.

Generating millions of records in Python takes a while, so each set is written once per
(rows, seed) under `bench/data/payloads/` and reused; a set is complete only when its manifest
exists, so an interrupted generation is redone. The Ads and CRM files are written by two
processes at once.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.generate_payloads import generate

START = dt.date(2023, 7, 1)
HISTORY_DAYS = 730  # two years
RESTATED_DAYS = 7  # the since reload: the last week, the new day included
FORMAT_VERSION = 1  # bump when what is generated changes, so old caches are not reused


@dataclass(frozen=True)
class Payload:
    """One API answer per source, as files; `since` is what the loader is asked for."""

    ads: Path
    crm: Path
    since: dt.date | None = None


@dataclass(frozen=True)
class PayloadSet:
    rows: int
    seed: int
    full: Payload  # HISTORY_DAYS days from START
    new_day: Payload  # the day after the history: every campaign, a day of opportunities
    since_week: Payload  # the last RESTATED_DAYS days again, other numbers, same ids

    @property
    def last_day(self) -> dt.date:
        return START + dt.timedelta(days=HISTORY_DAYS)


def payload_set(root: Path, rows: int, seed: int) -> PayloadSet:
    """The payloads of this size and seed, generated now unless already complete in `root`."""
    folder = root / f"rows-{rows}-seed-{seed}-v{FORMAT_VERSION}"
    per_day = max(1, math.ceil(rows / HISTORY_DAYS))
    restated_from = HISTORY_DAYS + 1 - RESTATED_DAYS  # day offset of the first restated day
    plans = {
        # name: (rows, start offset, days, seed, first opportunity number)
        "full": (rows, 0, HISTORY_DAYS, seed, 1),
        "new_day": (per_day, HISTORY_DAYS, 1, seed + 1, 1 + HISTORY_DAYS * per_day),
        "since_week": (
            per_day * RESTATED_DAYS,
            restated_from,
            RESTATED_DAYS,
            seed + 2,
            1 + restated_from * per_day,
        ),
    }
    result = PayloadSet(
        rows=rows,
        seed=seed,
        full=Payload(folder / "full" / "ads.json", folder / "full" / "crm.json"),
        new_day=Payload(folder / "new_day" / "ads.json", folder / "new_day" / "crm.json"),
        since_week=Payload(
            folder / "since_week" / "ads.json",
            folder / "since_week" / "crm.json",
            START + dt.timedelta(days=restated_from),
        ),
    )
    manifest = folder / "manifest.json"
    if manifest.exists():
        return result
    shutil.rmtree(folder, ignore_errors=True)
    jobs = [
        (folder / name, source, plan_rows, offset, days, plan_seed, first)
        for name, (plan_rows, offset, days, plan_seed, first) in plans.items()
        for source in ("ads", "crm")
    ]
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_write_one, jobs, [seed] * len(jobs)))
    manifest.write_text(json.dumps({"rows": rows, "seed": seed, "plans": plans}, indent=2))
    return result


def _write_one(job: tuple, campaign_seed: int) -> None:
    """One source of one payload. Every payload of a set has as many Ads rows per day as
    the history, so all of them share its campaign universe."""
    out_dir, source, rows, offset, days, seed, first_opportunity = job
    generate(
        out_dir,
        ads_rows=rows,
        crm_rows=rows,
        start=START + dt.timedelta(days=offset),
        days=days,
        seed=seed,
        first_opportunity=first_opportunity,
        campaign_seed=campaign_seed,
        sources=(source,),
    )


def main(argv: list[str] | None = None) -> int:
    """python -m bench.payloads --rows N --seed S --root DIR: generate (or find) one set."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.payloads", description=__doc__)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--root", type=Path, required=True)
    args = parser.parse_args(argv)
    result = payload_set(args.root, args.rows, args.seed)
    print(f"payloads ready in {result.full.ads.parent.parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
