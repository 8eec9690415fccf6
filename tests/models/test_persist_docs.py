"""The models' descriptions are the warehouse's comments, build after build
(dbt_project/macros/persist_docs.sql writes only the comments that differ)."""

from __future__ import annotations

import duckdb
from helpers.payloads import SPRING, ads, crm

COMMENTS = """
    select column_name, comment from duckdb_columns()
    where schema_name = 'marts' and table_name = 'fct_campaign_daily' order by column_index
"""


def test_a_build_writes_the_comments_a_table_lacks_and_keeps_the_others(warehouse) -> None:
    warehouse.load([ads(1, "C-1", triple=SPRING)], [crm("O-1", 1, triple=SPRING)])
    warehouse.build()
    first = warehouse.query(COMMENTS)
    assert first and all(comment for _, comment in first), first
    with duckdb.connect(str(warehouse.paths.duckdb_path)) as con:
        con.execute("comment on column marts.fct_campaign_daily.cpc is 'an old description'")
        con.execute("comment on table marts.fct_campaign_daily is null")

    warehouse.load([ads(2, "C-1", triple=SPRING)], [crm("O-2", 2, triple=SPRING)])
    warehouse.build()
    assert warehouse.query(COMMENTS) == first
    table_comment = warehouse.query(
        "select comment from duckdb_tables() "
        "where schema_name = 'marts' and table_name = 'fct_campaign_daily'"
    )
    assert table_comment[0][0].startswith("One row per report_date")
