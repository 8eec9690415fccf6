"""CLI: python -m report [--output PATH] — render the KPI report from the published snapshot."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

import duckdb

from report.kpis import read_kpis
from report.page import count, money, ratio, render_page
from report.run_state import read_run_state
from warehouse.paths import WarehousePaths

DEFAULT_OUTPUT = Path("reports") / "kpi_report.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m report",
        description="Render the KPI report (one static HTML page) from the published marts.",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path(os.environ.get("REPORT_PATH") or DEFAULT_OUTPUT),
        help=f"where to write the page (REPORT_PATH, default {DEFAULT_OUTPUT})",
    )
    args = parser.parse_args(argv)
    paths = WarehousePaths.from_env()
    snapshot = paths.snapshot_path
    if not snapshot.exists():
        print(
            f"No published snapshot at {snapshot}: run `make run` (or `make load build`) first.",
            file=sys.stderr,
        )
        return 1
    print(f"Reading the marts from {snapshot} (read-only)")
    try:
        with duckdb.connect(str(snapshot), read_only=True) as con:
            kpis = read_kpis(con)
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        print(f"Cannot read the marts in {snapshot}: {first_line}", file=sys.stderr)
        print("Rebuild them with `make build`.", file=sys.stderr)
        return 1
    state = read_run_state(paths.state_dir)
    now = dt.datetime.now(dt.UTC)
    published_at = dt.datetime.fromtimestamp(snapshot.stat().st_mtime, dt.UTC)
    print("Drawing 6 charts")
    html = render_page(kpis, state, snapshot, published_at, now)
    output = args.output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(output)  # a browser that reloads never sees half a page
    t = kpis.totals
    print(f"KPI report: {output} ({len(html.encode()) / 1024:,.0f} KiB)")
    print(
        f"  report days {t.first_day} .. {t.last_day}: spend {money(t.spend)}, "
        f"leads {count(t.leads)}, closed-won revenue {money(t.revenue)}, ROAS {ratio(t.roas)}"
    )
    age = state.age_hours(now)
    if state.load_found:
        age_text = f"{age:.1f} h ago" if age is not None else "at an unknown time"
        print(
            f"  last load {state.load_status} {age_text}; rejected records: "
            f"{sum(kpis.rejected.values()):,}"
        )
    else:
        print("  no load recorded in the state folder")
    return 0


if __name__ == "__main__":
    sys.exit(main())
