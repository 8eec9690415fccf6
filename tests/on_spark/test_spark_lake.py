"""Issue 9: the same dbt models on Spark, reading raw Parquet that dlt landed in a lake folder.

The worked example is loaded twice, into DuckDB and into the lake (RAW_DESTINATION=filesystem),
built on both engines, and every mart must be the same row for row. A follow-up load then
replaces an Ads window and updates an opportunity: the lake is append only, so this checks that
Spark's view of the raw tables keeps exactly what dlt's merge keeps in DuckDB.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import duckdb
import pytest
from helpers.marts import COMPARED
from helpers.warehouse_harness import Warehouse
from helpers.worked_example import EXPECTED_FUNNEL

from spark import build as spark_build

SINCE = "2025-08-01"

# Second load, since 2025-08-01: its Ads window is 2025-08-01..2025-08-03, so C-1002 and C-2001
# stop on 08-01 and 08-02 is emptied (08-31 is outside the window and stays); O-9001 is lost
# now, and O-9015 is new.
FOLLOW_UP_ADS = [
    {
        "date": "2025-08-01",
        "campaign_id": "C-1001",
        "channel": "google_ads",
        "clicks": 1000,
        "impressions": 40000,
        "cost": 300.0,
        "utm_campaign": "back_to_school",
        "utm_source": "google",
        "utm_medium": "cpc",
    },
    {
        "date": "2025-08-03",
        "campaign_id": "C-3001",
        "channel": "meta_ads",
        "clicks": 10,
        "impressions": 1000,
        "cost": 5.0,
        "utm_campaign": "summer_sale",
        "utm_source": "facebook",
        "utm_medium": "paid_social",
    },
]
FOLLOW_UP_CRM = [
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

    def build(self, spark_command: str) -> dict[str, tuple[list[tuple], list[tuple]]]:
        """Build on both engines; return each mart's rows (without load ids) on each."""
        self.warehouse.build()  # on DuckDB
        # Spark parses into its own target folder: the DuckDB builds of the session keep theirs.
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DBT_TARGET_PATH", str(self.spark_target))
            ok = spark_build.build(self.paths, spark_command)
            assert ok, f"dbt {spark_command} on Spark failed (see its output above)"
        spark = spark_build.spark_session()
        result = {}
        with duckdb.connect(str(self.paths.snapshot_path), read_only=True) as con:
            for mart in COMPARED:
                relation = mart if "." in mart else f"marts.{mart}"
                columns = [
                    c[0]
                    for c in con.execute(f"describe {relation}").fetchall()
                    if c[0] != "source_load_id"
                ]
                on_duckdb = con.execute(f"select {', '.join(columns)} from {relation}")
                on_spark = spark.table(relation).select(*columns).collect()
                result[mart] = (
                    sorted_rows(on_duckdb.fetchall()),
                    sorted_rows([tuple(row) for row in on_spark]),
                )
            audit = "select source, reason, record from audit.rejected_records"
            result["rejected_records"] = (
                sorted_rows(con.execute(audit).fetchall()),
                sorted_rows([tuple(row) for row in spark.sql(audit).collect()]),
            )
        return result


@pytest.fixture(scope="module")
def built(tmp_path_factory, examples):
    """The worked example, then the follow-up load, each built on DuckDB and on Spark."""
    mp = pytest.MonkeyPatch()
    engines = BothEngines(tmp_path_factory.mktemp("spark-lake"), mp)
    try:
        engines.load(examples / "ads.json", examples / "crm.json")
        first = engines.build("build")  # models, unit tests and data tests on Spark
        engines.load(FOLLOW_UP_ADS, FOLLOW_UP_CRM)
        second = engines.build("run")  # the models again; the tests ran above
        yield engines, first, second
    finally:
        spark_build.stop_spark()
        mp.undo()


def test_raw_tables_land_in_the_lake_as_parquet(built):
    engines, _, _ = built
    for table in (
        "ads_performance",
        "ads_performance_history",
        "ads_load_windows",
        "crm_opportunities",
        "crm_opportunities_history",
    ):
        files = sorted((engines.lake / "raw" / table).glob("*.parquet"))
        assert len(files) == 2, f"{table}: one Parquet file per run expected, got {files}"


@pytest.mark.parametrize("mart", COMPARED)
def test_worked_example_marts_are_the_same_on_spark(built, mart):
    _, first, _ = built
    on_duckdb, on_spark = first[mart]
    assert on_duckdb, f"{mart} is empty on DuckDB"
    assert_same_rows(on_duckdb, on_spark, mart)


def test_spark_funnel_mart_is_the_contract_table(built):
    _, first, _ = built
    _, on_spark = first["fct_funnel_daily"]
    got = [(r[0], tuple(r[1:4]), *r[4:11]) for r in on_spark]
    assert got == EXPECTED_FUNNEL


def test_rejected_record_is_hashed_the_same_way_on_spark(built):
    _, first, _ = built
    on_duckdb, on_spark = first["rejected_records"]
    assert len(on_spark) == len(on_duckdb) == 1
    (d_source, d_reason, d_record), (s_source, s_reason, s_record) = on_duckdb[0], on_spark[0]
    assert (s_source, s_reason) == (d_source, d_reason) == ("crm", "created_at is missing or empty")
    # The engines write the JSON text differently; the record they show is the same.
    assert json.loads(s_record) == json.loads(d_record)
    assert "max@example.com" not in s_record and "O-9013" in s_record


@pytest.mark.parametrize("mart", COMPARED)
def test_follow_up_load_gives_the_same_marts_on_spark(built, mart):
    _, _, second = built
    on_duckdb, on_spark = second[mart]
    assert_same_rows(on_duckdb, on_spark, mart)


def test_follow_up_load_replaced_the_window_and_upserted_on_spark(built):
    _, _, second = built
    _, campaigns = second["fct_campaign_daily"]
    day1 = [r for r in campaigns if r[0] == dt.date(2025, 8, 1)]
    # campaign_id is column 2; C-1002 and C-2001 are no longer reported on 2025-08-01
    assert sorted(r[2] for r in day1) == ["", "", "C-1001"]
    assert not [r for r in campaigns if r[0] == dt.date(2025, 8, 2) and r[1] != ""]
    assert [r[2] for r in campaigns if r[0] == dt.date(2025, 8, 31)] == ["C-4001"]
    _, funnel = second["fct_funnel_daily"]
    back_to_school_day1 = next(
        r for r in funnel if r[0] == dt.date(2025, 8, 1) and r[1] == "back_to_school"
    )
    # leads, opportunities, closed_won, revenue: O-9001 is closed_lost now
    assert back_to_school_day1[7:11] == (4, 3, 0, 0)


# A lookback with time decay: the SQL of the copies onto the group days, the day series and the
# decay factor on Spark too. The same raw history and Spark session (a second session in this
# process cannot open another metastore); DuckDB rebuilds every day (settings changed), Spark
# is rebuilt whole as always.
LOOKBACK = {
    "ATTRIBUTION_LOOKBACK_DAYS": "2",
    "ATTRIBUTION_MODEL": "time_decay",
    "ATTRIBUTION_HALF_LIFE_DAYS": "1.5",
}


@pytest.fixture(scope="module")
def built_with_lookback(built):
    engines, _, _ = built
    for name, value in LOOKBACK.items():
        engines.warehouse.monkeypatch.setenv(name, value)
    return engines.build("run")


@pytest.mark.parametrize("mart", COMPARED)
def test_a_lookback_gives_the_same_marts_on_spark(built_with_lookback, built, mart):
    on_duckdb, on_spark = built_with_lookback[mart]
    assert on_duckdb, f"{mart} is empty on DuckDB"
    assert_same_rows(on_duckdb, on_spark, mart)
    if mart == "fct_campaign_daily":  # the lookback moved credit: not the default's rows
        assert on_duckdb != built[2][mart][0]
