"""What a build checks: `make build` tests the days it rebuilt (macros/tested_days.sql) and runs
the unit tests when the models' code changed, a plain `dbt build` tests every row, and DuckDB
itself refuses a staging or mart row that breaks a column constraint."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner
from helpers.payloads import SPRING, ads, crm

from warehouse.build import dbt_args, release_duckdb

CAMPAIGN_UNIQUE_TEST = "unique_combination_of_columns_fct_campaign_daily_report_date"


def last_run_results() -> list[dict]:
    """The nodes of the last dbt run (dbt_session_dirs set DBT_TARGET_PATH)."""
    target = Path(os.environ["DBT_TARGET_PATH"])
    return json.loads((target / "run_results.json").read_text())["results"]


def ran_unit_tests() -> bool:
    return any(r["unique_id"].startswith("unit_test.") for r in last_run_results())


def compiled_test_sql(name_start: str) -> str:
    for result in last_run_results():
        if result["unique_id"].split(".")[2].startswith(name_start):
            return result["compiled_code"]
    raise AssertionError(f"no test {name_start} in the last run")


def test_make_build_tests_the_days_it_rebuilt_and_dbt_build_every_day(warehouse) -> None:
    warehouse.load([ads(1, "C-1", triple=SPRING)], [crm("O-1", 1, triple=SPRING)])
    warehouse.build()
    assert ran_unit_tests()  # a first build
    # A defect on 2025-08-01 that no later load touches: a second copy of a mart row.
    with duckdb.connect(str(warehouse.paths.duckdb_path)) as con:
        con.execute(
            "insert into marts.fct_campaign_daily "
            "select * from marts.fct_campaign_daily where report_date = '2025-08-01'"
        )

    warehouse.load([ads(2, "C-1", triple=SPRING)], [crm("O-2", 2, triple=SPRING)])
    warehouse.build()  # tests 2025-08-02, the day it rebuilt: passes
    assert not ran_unit_tests()  # the same code as the last good build
    last_build = json.loads((warehouse.paths.state_dir / "last_build.json").read_text())
    assert last_build["unit_tests"] == "skipped (code unchanged)"
    scoped = compiled_test_sql(CAMPAIGN_UNIQUE_TEST)
    assert "cast('2025-08-02' as date)" in scoped
    assert "2025-08-01" not in scoped

    result = dbtRunner().invoke(dbt_args("build"))  # plain dbt build: every row
    release_duckdb()
    failed = [r.node.name for r in result.result.results if r.status in ("fail", "error")]
    assert not result.success
    assert any(name.startswith(CAMPAIGN_UNIQUE_TEST) for name in failed), failed
    assert "where true" in compiled_test_sql(CAMPAIGN_UNIQUE_TEST)
    assert ran_unit_tests()


def test_make_build_runs_the_unit_tests_again_when_the_code_changed(warehouse) -> None:
    warehouse.load([ads(1, "C-1", triple=SPRING)], [crm("O-1", 1, triple=SPRING)])
    warehouse.build()
    record = warehouse.paths.state_dir / "last_build.json"
    last_build = json.loads(record.read_text())
    last_build["code_fingerprint"] = "the code of an older version"
    record.write_text(json.dumps(last_build))
    warehouse.build()
    assert ran_unit_tests()


BROKEN_VALUES = {
    "marts.fct_campaign_daily": [("channel", "null"), ("clicks", "-1"), ("cvr_lead_to_opp", "1.5")],
    "staging.stg_ads__performance": [("campaign_id", "null"), ("cost", "-0.5")],
    "staging.stg_crm__opportunities": [("stage", "null"), ("amount", "-1")],
}


def test_duckdb_refuses_a_row_that_breaks_a_constraint(warehouse) -> None:
    """One build for the three tables: a refused insert leaves a table as it was."""
    warehouse.load([ads(1, "C-1", triple=SPRING)], [crm("O-1", 1, triple=SPRING)])
    warehouse.build()
    with duckdb.connect(str(warehouse.paths.duckdb_path)) as con:
        for table, broken in BROKEN_VALUES.items():
            columns = [c[0] for c in con.execute(f"describe {table}").fetchall()]
            for column, value in broken:
                values = ", ".join(value if c == column else c for c in columns)
                with pytest.raises(duckdb.ConstraintException):
                    con.execute(f"insert into {table} select {values} from {table} limit 1")
            assert con.execute(f"select count(*) from {table}").fetchone() == (1,)
