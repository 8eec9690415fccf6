"""The short summary `make run` ends with: rows per mart, rejected records, where the data is."""

from __future__ import annotations

import sys

import duckdb

from warehouse.catalog import MARTS
from warehouse.paths import WarehousePaths


def main() -> int:
    paths = WarehousePaths.from_env()
    source = paths.snapshot_path if paths.snapshot_path.exists() else paths.duckdb_path
    if not source.exists():
        print(f"No warehouse at {paths.duckdb_path}: run `make load build` first.", file=sys.stderr)
        return 1
    with duckdb.connect(str(source), read_only=True) as con:
        print("Marts:")
        for mart in (m.relation for m in MARTS):
            rows, first, last = con.execute(
                f"select count(*), min(report_date), max(report_date) from {mart}"
            ).fetchone()
            print(f"  {mart:<28} {rows:>9,} rows  {first} .. {last}")
        rejected = con.execute(
            "select source, count(*) from audit.rejected_records group by source order by source"
        ).fetchall()
        total = sum(count for _, count in rejected)
        detail = ", ".join(f"{source} {count:,}" for source, count in rejected)
        print(
            f"Rejected records (audit.rejected_records): {total:,}"
            + (f" ({detail})" if detail else "")
        )
    print(f"Raw layer (the loader only):  {paths.raw_path}")
    print(f"Warehouse (writers):          {paths.duckdb_path}")
    print(f"Read-only snapshot (readers): {paths.snapshot_path}")
    print(
        'Query it: .venv/bin/python -c "import duckdb; duckdb.connect('
        f"'{paths.snapshot_path}', read_only=True).sql('from marts.fct_channel_daily').show()\""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
