"""CLI: python -m load [--since YYYY-MM-DD]."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from load.config import Settings
from admira.lock import WarehouseBusy
from load.pipeline import LoadFailed, run


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m load",
        description="Load the Ads and CRM APIs into the raw tables of the DuckDB warehouse.",
    )
    parser.add_argument(
        "--since", type=_date, help="only rows on or after this day; replaces the Ads window"
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    try:
        summary = run(settings, args.since)
    except (WarehouseBusy, LoadFailed) as exc:
        print(f"load failed: {exc}", file=sys.stderr)
        return 2
    landed = summary.get("load_id") or "(nothing landed)"
    print(f"Load {landed} into {settings.raw_destination.location}")
    for name, result in summary["sources"].items():
        if result["status"] != "ok":
            print(f"  {name:<4} FAILED: {result['error']}")
            continue
        window = result.get("window")
        window_text = f", window {window[0]}..{window[1]} replaced" if window else ""
        print(
            f"  {name:<4} received {result['received']:>9,}  loaded {result['loaded']:>9,}  "
            f"rejected {result['rejected']:>7,}  skipped before since "
            f"{result['skipped_before_since']:>7,}{window_text}"
        )
    print(f"  took {summary['duration_seconds']:.1f}s")
    return 0 if summary["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
