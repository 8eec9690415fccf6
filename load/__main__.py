"""CLI: python -m load [--since YYYY-MM-DD | --replay DAY[..DAY]]."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from load.config import Settings
from load.pipeline import LoadFailed, run
from load.replay import NothingToReplay, parse_days, replay
from warehouse.lock import WarehouseBusy


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _days(text: str) -> tuple[dt.date, dt.date]:
    try:
        return parse_days(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m load",
        description="Load the Ads and CRM APIs into the raw tables of the DuckDB warehouse.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--since", type=_date, help="only rows on or after this day; replaces the Ads window"
    )
    which.add_argument(
        "--replay",
        type=_days,
        metavar="DAY[..DAY]",
        help="load again the runs archived on these days (UTC), from the raw archive, "
        "without calling the APIs",
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.replay:
        return _replay(settings, *args.replay)
    try:
        summary = run(settings, args.since)
    except (WarehouseBusy, LoadFailed) as exc:
        print(f"load failed: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk or a read-only folder: say it, no traceback
        print(f"load failed: cannot write its files: {exc}", file=sys.stderr)
        return 2
    _print_summary(summary, settings)
    return 0 if summary["status"] == "ok" else 1


def _replay(settings: Settings, first: dt.date, last: dt.date) -> int:
    """Replay in order; stop at the first run that cannot land (the later ones build on it)."""
    status = 0
    try:
        for summary in replay(settings, first, last):
            print(f"Replay of run {summary['replay_of']} (since {summary['since'] or '-'}):")
            _print_summary(summary, settings)
            status = status or (0 if summary["status"] == "ok" else 1)
    except (WarehouseBusy, LoadFailed, NothingToReplay) as exc:
        print(f"replay failed: {exc}", file=sys.stderr)
        return 2
    return status


def _print_summary(summary: dict, settings: Settings) -> None:
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
        since = result.get("since")
        print(f"       since {since or '-'}: {result.get('since_reason', 'full extract')}")
    if summary.get("returned_archived_months"):
        months = ", ".join(summary["returned_archived_months"])
        print(f"  archived months this load touched, back in the warehouse: {months}")
    print(f"  took {summary['duration_seconds']:.1f}s")


if __name__ == "__main__":
    sys.exit(main())
