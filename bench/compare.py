"""Do the marts of the pipeline equal the marts of the plain-DuckDB reference?

Rows are matched on each mart's grain; every measure and ratio must agree within a relative
1e-9 (sums of floats in another order differ in the last bits, nothing more), and a NULL ratio
must be NULL on both sides. The rejected-record counts per source must agree too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.catalog import MARTS, RATIO_NAMES
from warehouse.catalog import MEASURES as CATALOG_MEASURES

GRAINS = {mart.name: list(mart.grain) for mart in MARTS}
MEASURES = [*CATALOG_MEASURES, *RATIO_NAMES]
RELATIVE_TOLERANCE = 1e-9
EXAMPLES = 3


@dataclass
class Comparison:
    rows: dict[str, int] = field(default_factory=dict)  # mart -> rows in the pipeline's mart
    differences: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.differences


def compare_marts(snapshot: Path, reference: Path) -> Comparison:
    """Compare the published snapshot of the pipeline with a reference database."""
    result = Comparison()
    with duckdb.connect() as con:
        # The snapshot keeps its file's catalog name: the views inside it refer to it.
        con.execute(f"attach '{snapshot}' (read_only)")
        pipeline = con.execute(
            "select database_name from duckdb_databases() where path = ?", [str(snapshot)]
        ).fetchone()[0]
        con.execute(f"attach '{reference}' as reference (read_only)")
        for mart, grain in GRAINS.items():
            result.rows[mart] = con.execute(
                f"select count(*) from {pipeline}.marts.{mart}"
            ).fetchone()[0]
            result.differences += _mart_differences(con, pipeline, mart, grain)
        got = dict(
            con.execute(
                f"select source, count(*) from {pipeline}.audit.rejected_records group by source"
            ).fetchall()
        )
        expected = dict(
            con.execute("select source, rejected from reference.audit.rejected_counts").fetchall()
        )
        for source, count in expected.items():
            if got.get(source, 0) != count:
                result.differences.append(
                    f"rejected {source} records: pipeline {got.get(source, 0)}, reference {count}"
                )
    return result


def _mart_differences(
    con: duckdb.DuckDBPyConnection, pipeline: str, mart: str, grain: list[str]
) -> list[str]:
    on = " and ".join(f"p.{c} is not distinct from r.{c}" for c in grain)
    differs = " or ".join(
        f"(p.{m} is null) <> (r.{m} is null) or abs(p.{m} - r.{m}) > "
        f"{RELATIVE_TOLERANCE} * greatest(1, abs(p.{m}), abs(r.{m}))"
        for m in MEASURES
    )
    keys = ", ".join(f"coalesce(p.{c}, r.{c}) as {c}" for c in grain)
    columns = ", ".join(f"p.{m} as pipeline_{m}, r.{m} as reference_{m}" for m in MEASURES)
    con.execute(
        f"""
        create or replace temp table differences as
        select
            {keys},
            case when r.{grain[0]} is null then 'only in the pipeline'
                when p.{grain[0]} is null then 'only in the reference'
                else 'values differ' end as problem,
            {columns}
        from {pipeline}.marts.{mart} as p
        full outer join reference.marts.{mart} as r on {on}
        where p.{grain[0]} is null or r.{grain[0]} is null or {differs}
        """
    )
    found = []
    for problem, count in con.execute(
        "select problem, count(*) from differences group by problem order by problem"
    ).fetchall():
        examples = con.execute(
            f"select * exclude (problem) from differences where problem = ? "
            f"order by all limit {EXAMPLES}",
            [problem],
        ).fetchall()
        found.append(f"{mart}: {count} rows {problem}, e.g. {examples}")
    return found
