"""Retention (`make archive`): old months move to Parquet in the lake, the history views still
show every day, a rerun changes nothing, a failure half-way deletes nothing of the file it
stopped in, and a load that touches an archived month brings it back up to date, so every
opportunity counts once."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from helpers.marts import MARTS
from helpers.payloads import CAMPAIGNS, ads_payload, crm_payload

from warehouse.paths import RAW_CATALOG
from warehouse.retention import main as archive_main

TODAY = "2025-04-15"  # with 1 hot month, January and February 2025 are archived
HOT_FROM = dt.date(2025, 3, 1)


def history(warehouse, database: Path | None = None) -> dict[str, list[tuple]]:
    """Every history view, in grain order, from the warehouse or another copy of it."""
    path = database or warehouse.paths.duckdb_path
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            mart: con.execute(f"select * from marts.{mart}_history order by all").fetchall()
            for mart in MARTS
        }


def marts(warehouse) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse.paths.duckdb_path), read_only=True) as con:
        return {
            mart: con.execute(f"select * from marts.{mart} order by all").fetchall()
            for mart in MARTS
        }


def warehouse_state(warehouse) -> dict[str, tuple]:
    """Row count and a fingerprint of every table of both files (the raw file's named so)."""
    state = {}
    for prefix, path in (
        ("", warehouse.paths.duckdb_path),
        ("raw file ", warehouse.paths.raw_path),
    ):
        with duckdb.connect(str(path), read_only=True) as con:
            tables = con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_type = 'BASE TABLE' order by 1"
            ).fetchall()
            state |= {
                prefix + name: con.execute(
                    f"select count(*), sum(hash(t)) from {name} as t"
                ).fetchone()
                for (name,) in tables
            }
    return state


def lake_state(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def earliest_day(warehouse, relation: str, day: str = "report_date"):
    return warehouse.query(f"select min({day}) from {relation}")[0][0]


@pytest.fixture
def built(built_template, warehouse, monkeypatch):
    """A copy of the four months loaded and built once (tests/conftest.py)."""
    monkeypatch.delenv("HOT_RETENTION_MONTHS", raising=False)
    shutil.copytree(built_template, warehouse.root, dirs_exist_ok=True)
    return warehouse


def test_archive_then_history_views_show_every_day_and_nothing_comes_back(built, capsys):
    warehouse = built
    before = marts(warehouse)
    assert min(row[0] for row in before["fct_campaign_daily"]) == dt.date(2025, 1, 1)
    raw_before = warehouse.query("select count(*) from raw.ads_performance")[0][0]

    assert archive_main(["--months", "1", "--today", TODAY]) == 0
    out = capsys.readouterr().out
    assert "Archived every month before 2025-03-01 (1 hot months)" in out

    # The hot tables hold no day before the window; the history views hold every day.
    for relation in [f"marts.{mart}" for mart in MARTS] + [
        "marts.fct_attribution_daily",
        "audit.tracking_health",
    ]:
        assert earliest_day(warehouse, relation) == HOT_FROM, relation
    assert earliest_day(warehouse, "raw.ads_performance") == HOT_FROM
    assert earliest_day(warehouse, "staging.stg_crm__opportunities") >= HOT_FROM
    assert history(warehouse) == before
    # Readers see it too: the snapshot was published again.
    assert history(warehouse, warehouse.paths.snapshot_path) == before

    # The lake: hive-partitioned Parquet, whole months, every row accounted for.
    lake = warehouse.root / "lake" / "archive"
    months = sorted(p.name for p in (lake / "raw.ads_performance").iterdir())
    assert months == ["month=2025-01", "month=2025-02"]
    with duckdb.connect() as con:
        archived_raw = con.execute(
            "select count(*) from read_parquet(?, hive_partitioning = true)",
            [str(lake / "raw.ads_performance" / "*" / "*.parquet")],
        ).fetchone()[0]
    raw_after = warehouse.query("select count(*) from raw.ads_performance")[0][0]
    assert archived_raw + raw_after == raw_before
    assert archived_raw == (31 + 28) * len(CAMPAIGNS)

    # A rerun changes nothing: not the warehouse, not the lake.
    state, files = warehouse_state(warehouse), lake_state(lake)
    assert archive_main(["--months", "1", "--today", TODAY]) == 0
    assert "Nothing to archive" in capsys.readouterr().out
    assert warehouse_state(warehouse) == state
    assert lake_state(lake) == files

    # A full refresh (its unit tests included: they never read the live ledger) rebuilds the
    # hot marts from hot raw: the archived days stay in the lake. So does a plain build.
    warehouse.build(full_refresh=True)
    assert earliest_day(warehouse, "marts.fct_funnel_daily") == HOT_FROM
    assert history(warehouse) == before
    warehouse.build()
    assert history(warehouse) == before


def without_load_ids(rows_by_mart: dict[str, list[tuple]], warehouse, database: Path) -> dict:
    """The same rows without source_load_id (load ids differ between two warehouses)."""
    with duckdb.connect(str(database), read_only=True) as con:
        result = {}
        for mart, relation in rows_by_mart.items():
            columns = [c[0] for c in con.execute(f"describe {relation}").fetchall()]
            kept = ", ".join(c for c in columns if c != "source_load_id")
            result[mart] = con.execute(f"select {kept} from {relation} order by all").fetchall()
        return result


def test_loads_that_touch_archived_months_bring_them_up_to_date(built, tmp_path, monkeypatch):
    warehouse = built
    assert archive_main(["--months", "1", "--today", TODAY]) == 0  # January and February
    opportunities = 50  # crm_payload(2025-01-01, 100): O-0, O-2, ..., O-98

    # O-10 (January 11) moves to March, O-60 (March 2) moves to February, O-20 (January 21)
    # is won late, O-late is new on January 10, and January 10's Ads are restated.
    template_crm = {r["opportunity_id"]: r for r in crm_payload(dt.date(2025, 1, 1), 100)}
    first_loads = (
        [dict(row, clicks=999) for row in ads_payload(dt.date(2025, 1, 10), 1)],
        [
            dict(template_crm["O-10"], created_at="2025-03-20T10:00:00Z"),
            dict(template_crm["O-60"], created_at="2025-02-05T10:00:00Z"),
            dict(template_crm["O-20"], stage="closed_won", amount=777.0),
            dict(crm_payload(dt.date(2025, 1, 10), 1)[0], opportunity_id="O-late"),
        ],
    )
    summary = warehouse.load(*first_loads)
    assert summary["returned_archived_months"] == ["2025-01", "2025-02"]
    warehouse.build()
    leads = warehouse.query("select sum(leads) from marts.fct_funnel_daily_history")[0][0]
    assert leads == opportunities + 1, "every opportunity counts once, O-late included"
    assert warehouse.query(
        "select report_date, sum(leads) from marts.fct_funnel_daily_history "
        "where report_date in ('2025-01-11', '2025-02-05', '2025-03-02', '2025-03-20') "
        "group by 1 order by 1"
    ) == [  # O-78 counts on March 20 too
        (dt.date(2025, 1, 11), 0),
        (dt.date(2025, 2, 5), 1),
        (dt.date(2025, 3, 2), 0),
        (dt.date(2025, 3, 20), 2),
    ]
    won_late = warehouse.query(
        "select sum(revenue) from marts.fct_funnel_daily_history where report_date = '2025-01-21'"
    )[0][0]
    assert won_late == 777.0

    # The next archive run moves both months out again; nothing changes for readers.
    after_first = history(warehouse)
    assert archive_main(["--months", "1", "--today", TODAY]) == 0
    assert earliest_day(warehouse, "marts.fct_funnel_daily") == HOT_FROM
    assert history(warehouse) == after_first

    # A stage change in February alone brings back February alone.
    second_load = ([], [dict(template_crm["O-40"], stage="closed_lost")])
    assert warehouse.load(*second_load)["returned_archived_months"] == ["2025-02"]
    warehouse.build()
    assert min(r[0] for r in warehouse.mart("fct_funnel_daily")) == dt.date(2025, 2, 1)

    # The history views equal a full refresh of a warehouse that never archived anything.
    views = {mart: f"marts.{mart}_history" for mart in MARTS}
    archived = without_load_ids(views, warehouse, warehouse.paths.duckdb_path)
    reference = type(warehouse)(tmp_path / "reference", monkeypatch)
    reference.root.mkdir()
    reference.load(ads_payload(dt.date(2025, 1, 1), 100), list(template_crm.values()))
    reference.load(*first_loads)
    reference.load(*second_load)
    reference.build(full_refresh=True)
    tables = {mart: f"marts.{mart}" for mart in MARTS}
    assert archived == without_load_ids(tables, reference, reference.paths.duckdb_path)


@pytest.mark.parametrize(
    "blocked",
    [
        "staging.stg_crm__opportunities",  # the analytics file's last table: nothing moves
        "raw.crm_opportunities",  # the raw file's: the analytics file's months have moved
    ],
)
def test_a_failure_half_way_deletes_nothing_of_its_file_and_a_rerun_finishes(
    built, capsys, blocked
):
    warehouse = built
    before, state = marts(warehouse), warehouse_state(warehouse)
    # Something occupies the path of a file written late in the run (a real I/O failure).
    blocker = warehouse.root / f"lake/archive/{blocked}/month=2025-02/part-0001.parquet"
    blocker.mkdir(parents=True)

    assert archive_main(["--months", "1", "--today", TODAY]) == 2
    err = capsys.readouterr().err
    assert "archiving stopped, nothing was deleted" in err and "Traceback" not in err
    after = warehouse_state(warehouse)
    written = list((warehouse.root / "lake/archive/marts.fct_campaign_daily").rglob("*.parquet"))
    assert written, "files were written before the failure"
    untouched = {name: value for name, value in state.items() if "archive." not in name}
    if blocked.startswith("staging."):
        assert after == untouched | {"archive.archived_partitions": (0, None)}
    else:
        assert "the months of the marts and staging moved, the raw tables' did not" in err
        raw_file = {name: value for name, value in untouched.items() if name.startswith("raw ")}
        assert {n: v for n, v in after.items() if n.startswith("raw ")} == raw_file | {
            "raw file archive.archived_partitions": (0, None)
        }
        assert earliest_day(warehouse, "marts.fct_funnel_daily") == HOT_FROM
        assert history(warehouse) == before  # the history views read what moved

    blocker.rmdir()
    assert archive_main(["--months", "1", "--today", TODAY]) == 0
    assert history(warehouse) == before
    ledger = warehouse.query(
        "select relation, month, count(*), sum(row_count) from archive.archived_partitions "
        "group by all order by all"
    ) + warehouse.query(
        "select relation, month, count(*), sum(row_count) "
        f"from {RAW_CATALOG}.archive.archived_partitions group by all order by all"
    )
    assert all(files == 1 for _, _, files, _ in ledger), "one file per month: no duplicates"
    schemas = {relation.split(".")[0] for relation, *_ in ledger}
    assert schemas == {"raw", "staging", "marts", "audit"}
    moved_rows = sum(count for name, (count, _) in state.items() if "archive." not in name) - sum(
        count for name, (count, _) in warehouse_state(warehouse).items() if "archive." not in name
    )
    assert sum(rows for *_, rows in ledger) == moved_rows


def test_bad_retention_settings_get_a_clear_message(warehouse, monkeypatch, capsys):
    monkeypatch.setenv("HOT_RETENTION_MONTHS", "eighteen")
    with pytest.raises(SystemExit) as raised:
        archive_main([])
    assert "HOT_RETENTION_MONTHS='eighteen' is not a whole number of months" in str(raised.value)
