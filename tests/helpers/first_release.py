"""A warehouse of the first release's layout, for the tests of the move to two files.

That release kept the raw layer in the analytics file: dlt's schemas `raw` and `raw_staging`
(its state tables included), the archive ledger's rows of the raw tables in the one ledger, and
`audit.rejected_records` as a view over `raw.rejected_records`. This turns a warehouse of the
current layout into that one, table by table with the same DDL, and removes the raw file.
Written from DuckDB's catalog, not with the product's move: a check must not share the code it
checks.
"""

from __future__ import annotations

import duckdb

from warehouse.paths import WarehousePaths

LEDGER = "archive.archived_partitions"


def merge_into_single_file(paths: WarehousePaths) -> list[str]:
    """The raw file's tables inside the analytics file, the raw file gone; the tables moved."""
    moved = []
    with duckdb.connect(str(paths.duckdb_path)) as con:
        con.execute(f"attach '{paths.raw_path}' as raw_file (read_only)")
        tables = con.execute(
            "select schema_name, table_name, sql from duckdb_tables() "
            "where database_name = 'raw_file' order by all"
        ).fetchall()
        for schema, table, ddl in tables:
            if f"{schema}.{table}" == LEDGER:
                con.execute(f"insert into {LEDGER} from raw_file.{LEDGER}")
                continue
            con.execute(f"create schema if not exists {schema}")
            con.execute(ddl)
            con.execute(f'insert into {schema}."{table}" from raw_file.{schema}."{table}"')
            moved.append(f"{schema}.{table}")
        con.execute("detach raw_file")
        con.execute("drop table if exists audit.rejected_records")
        con.execute("create view audit.rejected_records as from raw.rejected_records")
    paths.raw_path.unlink()
    return moved
