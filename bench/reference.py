"""Run bench/reference.sql: the marts computed by DuckDB alone from a sequence of payloads.

    python -m bench.reference --db ref.duckdb --load ads.json crm.json [--load a2 c2 SINCE]

Each `--load` is one loader run, in order: its Ads file, its CRM file and optionally the
`since` day it was asked for. The result is a fresh DuckDB file with marts.fct_campaign_daily,
marts.fct_funnel_daily, marts.fct_channel_daily and audit.rejected_counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import duckdb

from warehouse.catalog import EMAIL_PATTERN, RATIOS, safe_ratio_sql

SCRIPT = Path(__file__).with_name("reference.sql")


def run_reference(
    db_path: Path,
    loads: list[tuple[Path, Path, dt.date | None]],
    reporting_timezone: str = "UTC",
) -> None:
    """Compute the marts of `loads` (in load order) into a new DuckDB file at `db_path`."""
    db_path.unlink(missing_ok=True)
    rows = [
        {
            "load_order": order,
            "ads_path": str(ads.resolve()),
            "crm_path": str(crm.resolve()),
            "since": since,
        }
        for order, (ads, crm, since) in enumerate(loads, start=1)
    ]
    with duckdb.connect(str(db_path)) as con:
        con.execute("set variable loads = ?", [rows])
        con.execute("set variable ads_paths = ?", [sorted({r["ads_path"] for r in rows})])
        con.execute("set variable crm_paths = ?", [sorted({r["crm_path"] for r in rows})])
        con.execute("set variable reporting_timezone = ?", [reporting_timezone])
        con.execute("set variable email_pattern = ?", [EMAIL_PATTERN])
        ratios = ",\n    ".join(
            f"{safe_ratio_sql(r, r.numerator, r.denominator)} as {r.name}" for r in RATIOS
        )
        con.execute(SCRIPT.read_text().replace("{kpi_ratios}", ratios))


def _load(values: list[str]) -> tuple[Path, Path, dt.date | None]:
    if len(values) not in (2, 3):
        raise argparse.ArgumentTypeError("--load takes ADS CRM [SINCE]")
    since = dt.date.fromisoformat(values[2]) if len(values) == 3 else None
    return Path(values[0]), Path(values[1]), since


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reference",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", type=Path, required=True, help="the DuckDB file to create")
    parser.add_argument(
        "--load",
        nargs="+",
        action="append",
        required=True,
        metavar="FILE",
        help="ADS CRM [SINCE]: one load, in order",
    )
    parser.add_argument("--reporting-timezone", default="UTC")
    args = parser.parse_args(argv)
    try:
        loads = [_load(values) for values in args.load]
    except (argparse.ArgumentTypeError, ValueError) as exc:
        parser.error(str(exc))
    for ads, crm, _ in loads:
        for path in (ads, crm):
            if not path.is_file():
                parser.error(f"no such payload file: {path}")
    run_reference(args.db, loads, args.reporting_timezone)
    return 0


if __name__ == "__main__":
    sys.exit(main())
