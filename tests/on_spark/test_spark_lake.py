"""Issues 9 and 20: the same dbt models on Spark, reading raw Parquet that dlt landed in a lake
folder, built incrementally.

One raw history goes to both engines (each load into DuckDB and into the lake, with
RAW_DESTINATION=filesystem), in four loads, each followed by a plain build on both engines: the
worked example, the same payloads again, a since window that drops campaign-days and empties a
day, and a late stage change to an opportunity of a day no Ads window touches. After each, the
Spark marts must equal DuckDB's row for row; after the last load they must equal what a Spark
--full-refresh of the same lake gives (the incremental tables too: staging and the days each
load touched). The lake is append only, so this also checks that the compacted current state
keeps exactly what dlt's merge keeps in DuckDB. One Spark session for the whole module.

A Spark dbt invocation costs about half a minute here, so the module spends them where they
check something: dbt's tests (unit and data) run on Spark after the first and the last load, the
other plain builds are `dbt run`, and the full refresh comes once, after the last load.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import duckdb
import pytest
from helpers.marts import COMPARED, MARTS
from helpers.warehouse_harness import Warehouse
from helpers.worked_example import EXPECTED_FUNNEL

from spark import build as spark_build
from spark.demo import SECOND_ADS

SINCE = "2025-08-01"

# The since window, 2025-08-01..2025-08-03: C-1002 and C-2001 stop on 08-01, C-1001's row on
# 08-02 goes (no opportunity counts on 08-02 either: the day leaves every mart), C-3001 is
# restated on 08-03; 08-31 is outside the window and stays. No CRM record: nothing upserted.
FOLLOW_UP_ADS = SECOND_ADS  # make spark-demo's second load
# Late changes, with the same Ads window again: O-9011 (2025-08-31, a day no Ads window of
# this load touches) is lost now, O-9001 is lost now, O-9015 is new on 08-02.
LATE_CRM = [
    {
        "opportunity_id": "O-9011",
        "contact_email": "kim@example.com",
        "stage": "closed_lost",
        "amount": None,
        "created_at": "2025-08-31T23:59:59Z",
        "utm_campaign": "fall_sale",
        "utm_source": "tiktok",
        "utm_medium": "cpm",
    },
    {
        "opportunity_id": "O-9001",
        "contact_email": "ana@example.com",
        "stage": "closed_lost",
        "amount": 5000.0,
        "created_at": "2025-08-01T10:22:00Z",
        "utm_campaign": "back_to_school",
        "utm_source": "google",
        "utm_medium": "cpc",
    },
    {
        "opportunity_id": "O-9015",
        "contact_email": "oli@example.com",
        "stage": "lead",
        "amount": 0,
        "created_at": "2025-08-02T09:00:00Z",
        "utm_campaign": "back_to_school",
        "utm_source": "google",
        "utm_medium": "cpc",
    },
]
# Then no load, but another reporting zone and a 2-day time-decay attribution lookback: a plain
# build rebuilds every day on both engines, the attribution's day series and decay on Spark too.
LOOKBACK = {
    "REPORTING_TIMEZONE": "Asia/Tokyo",
    "ATTRIBUTION_LOOKBACK_DAYS": "2",
    "ATTRIBUTION_MODEL": "time_decay",
    "ATTRIBUTION_HALF_LIFE_DAYS": "1.5",
}
STEPS = ("first_load", "identical_reload", "since_window", "late_stage_change", "zone_change")
TESTED_ON_SPARK = ("first_load", "late_stage_change")  # `dbt build`; the others `dbt run`
FULL_REFRESH_AFTER = "late_stage_change"
# The incremental Spark tables compared with a full refresh, besides the marts.
INCREMENTAL_TABLES = (
    "staging.stg_ads__performance",
    "staging.stg_crm__opportunities",
    "intermediate.int_days_touched_by_loads",
)


def sorted_rows(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda row: tuple((v is None, v if v is not None else 0) for v in row))


def assert_same_rows(on_duckdb: list[tuple], on_spark: list[tuple], what: str) -> None:
    assert len(on_spark) == len(on_duckdb), f"{what}: row counts differ"
    for d, s in zip(on_duckdb, on_spark, strict=True):
        assert len(s) == len(d)
        for a, b in zip(d, s, strict=True):
            if isinstance(a, float):
                assert isinstance(b, float) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (
                    f"{what}: DuckDB {d} vs Spark {s}"
                )
            else:
                assert (type(a), a) == (type(b), b), f"{what}: DuckDB {d} vs Spark {s}"


def relation(mart: str) -> str:
    return mart if "." in mart else f"marts.{mart}"


class BothEngines:
    """One raw history on both engines: each load goes to DuckDB and to the lake."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.warehouse = Warehouse(root, monkeypatch)  # the DuckDB side, and the environment
        self.paths = self.warehouse.paths
        self.lake = root / "lake"
        self.spark_target = root / "dbt-target-spark"
        monkeypatch.setenv("LAKE_URL", str(self.lake))
        monkeypatch.setenv("SPARK_WAREHOUSE_DIR", str(self.lake / "spark-warehouse"))
        monkeypatch.setenv("SPARK_METASTORE_DIR", str(self.lake / "metastore"))

    def load(self, ads: Path | list[dict], crm: Path | list[dict]) -> None:
        """Run the real loader once per destination on the same payloads."""
        if isinstance(ads, list):
            ads = self.warehouse.write_payload("ads", ads)
            crm = self.warehouse.write_payload("crm", crm)
        for destination in ("duckdb", "filesystem"):
            summary = self.warehouse.load(ads, crm, SINCE, RAW_DESTINATION=destination)
            assert summary["status"] == "ok", summary
        self.warehouse.monkeypatch.delenv("RAW_DESTINATION")

    def build(self, spark_command: str, full_refresh: bool) -> dict:
        """A plain build on both engines, then (with `full_refresh`) a Spark --full-refresh of
        the same lake; return each mart's rows (without load ids) on each engine, and more."""
        self.warehouse.build()  # on DuckDB
        result: dict = {"duckdb": {}, "spark": {}, "full_refresh": {}}
        with duckdb.connect(str(self.paths.snapshot_path), read_only=True) as con:
            columns = {
                mart: [
                    c[0]
                    for c in con.execute(f"describe {relation(mart)}").fetchall()
                    if c[0] != "source_load_id"
                ]
                for mart in COMPARED
            }
            for mart in COMPARED:
                query = f"select {', '.join(columns[mart])} from {relation(mart)}"
                result["duckdb"][mart] = sorted_rows(con.execute(query).fetchall())
            audit = "select source, reason, record from audit.rejected_records"
            result["duckdb"]["rejected_records"] = sorted_rows(con.execute(audit).fetchall())
        result["spark"] = self._spark_build(spark_command, columns, full_refresh=False)
        spark = spark_build.spark_session()
        result["partitions"] = {
            table: sorted(r[0] for r in spark.sql(f"show partitions {table}").collect())
            for table in (*(f"marts.{mart}" for mart in MARTS), "staging.stg_ads__performance")
        }
        result["raw"] = self._raw_tables()
        result["files"] = self._campaign_mart_files()
        if full_refresh:
            result["full_refresh"] = self._spark_build("run", columns, full_refresh=True)
        return result

    def _campaign_mart_files(self) -> dict[str, list[str]]:
        """The Parquet files of each day partition of the campaign mart: a day a build did not
        rebuild keeps its files."""
        table = self.lake / "spark-warehouse" / "marts.db" / "fct_campaign_daily"
        return {
            day.name: sorted(f.name for f in day.glob("*.parquet"))
            for day in sorted(table.glob("report_date=*"))
        }

    def _raw_tables(self) -> dict[str, tuple[list[tuple], list[tuple]]]:
        """The current raw rows on each engine: dlt's merge in DuckDB, the compacted lake."""
        spark = spark_build.spark_session()
        queries = {
            "ads_performance": (
                "select report_date, channel, campaign_id, clicks, impressions, cost "
                "from raw.ads_performance",
                " where not coalesce(is_window_tombstone, false)",
            ),
            "crm_opportunities": (
                "select opportunity_id, contact_email, stage, amount, created_at "
                "from raw.crm_opportunities",
                "",
            ),
        }
        found = {}
        with self.warehouse.connect() as con:
            for table, (query, spark_only) in queries.items():
                on_duckdb = sorted_rows(con.execute(query).fetchall())
                on_spark = sorted_rows([tuple(r) for r in spark.sql(query + spark_only).collect()])
                found[table] = (on_duckdb, on_spark)
        return found

    def _spark_build(self, command: str, columns: dict, full_refresh: bool) -> dict:
        # Spark parses into its own target folder: the DuckDB builds of the session keep theirs.
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DBT_TARGET_PATH", str(self.spark_target))
            ok = spark_build.build(self.paths, command, full_refresh=full_refresh)
            assert ok, f"dbt {command} on Spark failed (see its output above)"
        spark = spark_build.spark_session()
        rows = {
            mart: sorted_rows(
                [tuple(r) for r in spark.table(relation(mart)).select(*columns[mart]).collect()]
            )
            for mart in COMPARED
        }
        audit = "select source, reason, record from audit.rejected_records"
        rows["rejected_records"] = sorted_rows([tuple(r) for r in spark.sql(audit).collect()])
        for table in INCREMENTAL_TABLES:  # every column, load ids included
            rows[table] = sorted_rows([tuple(r) for r in spark.table(table).collect()])
        return rows


@pytest.fixture(scope="module")
def history(tmp_path_factory, examples):
    """The four loads and the change of settings, each built on DuckDB and on Spark."""
    mp = pytest.MonkeyPatch()
    engines = BothEngines(tmp_path_factory.mktemp("spark-lake"), mp)
    payloads = {
        "first_load": (examples / "ads.json", examples / "crm.json"),
        "identical_reload": (examples / "ads.json", examples / "crm.json"),
        "since_window": (FOLLOW_UP_ADS, []),
        "late_stage_change": (FOLLOW_UP_ADS, LATE_CRM),
    }
    try:
        results = {}
        for step in STEPS:
            if step == "zone_change":
                for name, value in LOOKBACK.items():
                    mp.setenv(name, value)
            else:
                engines.load(*payloads[step])
            command = "build" if step in TESTED_ON_SPARK else "run"
            results[step] = engines.build(command, full_refresh=step == FULL_REFRESH_AFTER)
        yield engines, results
    finally:
        spark_build.stop_spark()
        mp.undo()


AUGUST = {day: dt.date(2025, 8, day) for day in (1, 2, 31)}


def rows_on(rows: list[tuple], day: dt.date) -> list[tuple]:
    return [r for r in rows if r[0] == day]


@pytest.mark.parametrize("mart", COMPARED)
@pytest.mark.parametrize("step", STEPS)
def test_spark_marts_equal_duckdb_after_each_load(history, step, mart):
    _, results = history
    on_duckdb, on_spark = results[step]["duckdb"][mart], results[step]["spark"][mart]
    assert on_duckdb, f"{mart} is empty on DuckDB"
    assert_same_rows(on_duckdb, on_spark, f"{step}: {mart}")


@pytest.mark.parametrize("table", (*COMPARED, *INCREMENTAL_TABLES))
def test_plain_spark_builds_end_equal_to_a_full_refresh(history, table):
    _, results = history
    step = results[FULL_REFRESH_AFTER]
    incremental, full = step["spark"][table], step["full_refresh"][table]
    assert incremental, f"{table} is empty after {FULL_REFRESH_AFTER}"
    assert_same_rows(full, incremental, f"{table}: full refresh vs plain builds")


@pytest.mark.parametrize("step", STEPS)
def test_compacted_raw_tables_keep_what_dlt_merge_keeps(history, step):
    _, results = history
    for table, (on_duckdb, on_spark) in results[step]["raw"].items():
        assert on_duckdb, f"raw.{table} is empty after {step}"
        assert on_spark == on_duckdb, f"{step}: raw.{table} differs"


def test_each_build_compacts_only_the_new_load(history):
    engines, _ = history
    spark = spark_build.spark_session()
    ledger = spark.sql(
        "select table_name, count(*), count(distinct load_id) from raw.lake_compactions "
        "group by table_name order by 1"
    ).collect()
    # Four loads sent Ads rows; three sent CRM records (the since window sent none).
    assert [tuple(r) for r in ledger] == [("ads_performance", 4, 4), ("crm_opportunities", 3, 3)]
    # The log keeps every load's file (audit, replay); the current state is a table apart.
    assert len(list((engines.lake / "raw" / "ads_performance").glob("*.parquet"))) == 4


def test_spark_funnel_mart_is_the_contract_table(history):
    _, results = history
    on_spark = results["first_load"]["spark"]["fct_funnel_daily"]
    got = [(r[0], tuple(r[1:4]), *r[4:11]) for r in on_spark]
    assert got == EXPECTED_FUNNEL


def test_rejected_record_is_hashed_the_same_way_on_spark(history):
    _, results = history
    on_duckdb = results["first_load"]["duckdb"]["rejected_records"]
    on_spark = results["first_load"]["spark"]["rejected_records"]
    assert len(on_spark) == len(on_duckdb) == 1
    (d_source, d_reason, d_record), (s_source, s_reason, s_record) = on_duckdb[0], on_spark[0]
    assert (s_source, s_reason) == (d_source, d_reason) == ("crm", "created_at is missing or empty")
    # The engines write the JSON text differently; the record they show is the same.
    assert json.loads(s_record) == json.loads(d_record)
    assert "max@example.com" not in s_record and "O-9013" in s_record


@pytest.mark.parametrize("mart", MARTS)
def test_identical_reload_changes_no_mart_row(history, mart):
    _, results = history
    first, again = results["first_load"]["spark"][mart], results["identical_reload"]["spark"][mart]
    assert_same_rows(first, again, f"{mart} after the identical reload")


def test_since_window_drops_the_campaign_days_and_the_emptied_day(history):
    _, results = history
    before, after = results["identical_reload"], results["since_window"]
    campaigns = after["spark"]["fct_campaign_daily"]
    # campaign_id is column 2: C-1002 and C-2001 are no longer reported on 2025-08-01, nor
    # C-1001 on 2025-08-02, where its share of O-9005 becomes the unattributed CRM row.
    assert sorted(r[2] for r in rows_on(campaigns, AUGUST[1])) == ["", "", "C-1001"]
    assert [r[2] for r in rows_on(before["spark"]["fct_campaign_daily"], AUGUST[2])] == ["C-1001"]
    assert [r[2] for r in rows_on(campaigns, AUGUST[2])] == [""]
    assert [r[1] for r in rows_on(after["spark"]["fct_channel_daily"], AUGUST[2])] == [""]
    assert [r[2] for r in rows_on(campaigns, AUGUST[31])] == ["C-4001"]
    # 2025-08-02 has no Ads row left: its staging partition is gone, not left behind. (A
    # Spark table puts its partition column last.)
    staging = "staging.stg_ads__performance"
    assert [r for r in before["spark"][staging] if r[-1] == AUGUST[2]]
    assert not [r for r in after["spark"][staging] if r[-1] == AUGUST[2]]
    assert "report_date=2025-08-02" in before["partitions"][staging]
    assert "report_date=2025-08-02" not in after["partitions"][staging]
    assert "report_date=2025-08-02" in after["partitions"]["marts.fct_campaign_daily"]


def test_late_stage_change_rebuilds_the_old_day(history):
    _, results = history
    before, after = results["since_window"]["spark"], results["late_stage_change"]["spark"]
    # closed_won is column 11: O-9011 (2025-08-31) was won, is lost now; no Ads row of the
    # load is on that day.
    assert [r[11] for r in rows_on(before["fct_campaign_daily"], AUGUST[31])] == [1.0]
    assert [r[11] for r in rows_on(after["fct_campaign_daily"], AUGUST[31])] == [0.0]
    back_to_school_day1 = next(
        r for r in rows_on(after["fct_funnel_daily"], AUGUST[1]) if r[1] == "back_to_school"
    )
    # leads, opportunities, closed_won, revenue: O-9001 is closed_lost now
    assert back_to_school_day1[7:11] == (4, 3, 0, 0)
    # O-9015 joins O-9005 on 2025-08-02: two unattributed leads.
    assert [(r[1], r[2], r[9]) for r in rows_on(after["fct_campaign_daily"], AUGUST[2])] == [
        ("", "", 2.0)
    ]


def test_a_plain_build_rewrites_only_the_touched_days(history):
    _, results = history
    before = results["identical_reload"]["files"]
    after = results["since_window"]["files"]
    assert after["report_date=2025-08-31"] == before["report_date=2025-08-31"]  # untouched
    assert after["report_date=2025-08-01"] != before["report_date=2025-08-01"]  # the window
    # The late stage change reaches 2025-08-31 through the CRM rule alone.
    before = results["since_window"]["files"]
    after = results["late_stage_change"]["files"]
    assert after["report_date=2025-08-31"] != before["report_date=2025-08-31"]


def test_a_new_reporting_zone_moves_the_opportunities_on_spark(history):
    _, results = history
    before, after = results["late_stage_change"]["spark"], results["zone_change"]["spark"]
    september_1 = dt.date(2025, 9, 1)
    # O-9011, 2025-08-31T23:59:59Z (lost since the late change), is 2025-09-01 in Tokyo:
    # utm triple, leads, opportunities, closed_won on the funnel mart.
    assert not rows_on(before["fct_funnel_daily"], september_1)
    assert [(*r[1:4], *r[7:10]) for r in rows_on(after["fct_funnel_daily"], september_1)] == [
        ("fall_sale", "tiktok", "cpm", 1, 1, 0)
    ]
