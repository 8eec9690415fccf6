"""Two files, two audiences: the raw layer in its own owner-only file, a snapshot without it,
and warehouses of the first release's single-file layout moved over by their first run."""

from __future__ import annotations

import datetime as dt
import shutil
import stat
from pathlib import Path

import duckdb
import pytest
from helpers.email_scan import EMAIL_SHAPED
from helpers.environment import run_module
from helpers.first_release import merge_into_single_file
from helpers.payloads import RAW_TABLES as LOADER_TABLES
from helpers.warehouse_harness import Warehouse

from warehouse.retention import archive

ANALYTICS_SCHEMAS = {"staging", "intermediate", "marts", "audit"}
# The loader's tables and dlt's state beside them.
RAW_TABLES = (*LOADER_TABLES, "_dlt_loads", "_dlt_version", "_dlt_pipeline_state")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """What `make run` does, in a temp folder: the shipped sample loaded and built."""
    with pytest.MonkeyPatch.context() as patch:
        site = Warehouse(tmp_path_factory.mktemp("sample"), patch)
        assert site.load(None, None)["status"] == "ok"
        site.build()
    return site


def relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_catalog = current_database() order by all"
    ).fetchall()


def test_the_snapshot_holds_the_analytics_and_nothing_of_the_raw_layer(sample):
    with duckdb.connect(str(sample.paths.snapshot_path), read_only=True) as con:
        found = relations(con)
        assert {schema for schema, _, _ in found} == ANALYTICS_SCHEMAS
        assert ("audit", "rejected_records", "BASE TABLE") in found
        names = {name for _, name, _ in found}
        assert not names & set(RAW_TABLES) - {"rejected_records"}
        # Every view opens without the raw file: none reads it.
        for schema, name, kind in found:
            if kind == "VIEW":
                con.execute(f'select count(*) from {schema}."{name}"').fetchone()
        rejected = con.execute("select count(*) from audit.rejected_records").fetchone()[0]
    assert rejected == 11  # the sample's 6 Ads and 5 CRM records the loader rejects


def test_no_text_column_of_the_snapshot_holds_an_email(sample):
    with duckdb.connect(str(sample.paths.raw_path), read_only=True) as raw:
        in_raw = raw.execute(
            "select count(distinct contact_email) from raw.crm_opportunities "
            "where contact_email like '%@%'"
        ).fetchone()[0]
    assert in_raw == 395, "the raw file holds the sample's addresses: the scan needs them"
    scanned = 0
    with duckdb.connect(str(sample.paths.snapshot_path), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() and data_type = 'VARCHAR' order by all"
        ).fetchall()
        for schema, table, column in columns:
            for (value,) in con.execute(f'select "{column}" from {schema}."{table}"').fetchall():
                scanned += value is not None
                assert value is None or not EMAIL_SHAPED.search(value), (schema, table, column)
    assert len(columns) > 20 and scanned > 1000, (len(columns), scanned)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_raw_file_and_the_other_copies_of_its_data_are_their_owners_only(sample):
    assert mode(sample.paths.raw_path) == 0o600
    # dlt's load packages and the payload archive hold the same personal data; the folders
    # readers need (the state the service reads, the lake's archived marts) stay readable.
    for folder in (sample.paths.state_dir / "pipelines", sample.root / "lake" / "raw_payloads"):
        assert any(path.is_file() for path in folder.rglob("*")), folder
        assert mode(folder) == 0o700, folder
    assert mode(sample.paths.state_dir) & 0o055 and mode(sample.root / "lake") & 0o055


def test_a_raw_file_made_readable_by_others_is_made_private_again_by_the_next_load(
    sample, tmp_path, monkeypatch
):
    shutil.copytree(sample.root, tmp_path / "site")
    site = Warehouse(tmp_path / "site", monkeypatch)
    site.paths.raw_path.chmod(0o644)
    assert site.load(None, None)["status"] == "ok"
    assert mode(site.paths.raw_path) == 0o600


def everything(site: Warehouse) -> dict[str, list[tuple]]:
    """Every row of every table and view a move must keep: raw, marts, history, ledgers."""
    found = {}
    with site.connect() as con:
        tables = con.execute(
            "select database_name, schema_name, table_name from duckdb_tables() "
            "union all select database_name, schema_name, view_name from duckdb_views() "
            "where not internal order by all"
        ).fetchall()
        for database, schema, table in tables:
            if schema == "archive":  # one ledger per file now: compared as their union below
                continue
            # Each build records when it saw the settings: only what they were must stay.
            columns = "setting, value" if table == "build_settings" else "*"
            found[f"{schema}.{table}"] = con.execute(
                f'select {columns} from "{database}".{schema}."{table}" order by all'
            ).fetchall()
    ledger = []
    for path in (site.paths.duckdb_path, site.paths.raw_path):
        with duckdb.connect(str(path), read_only=True) as con:
            ledger += con.execute(
                "select relation, month, file, row_count from archive.archived_partitions"
            ).fetchall()
    found["ledger"] = sorted(ledger)
    return found


@pytest.fixture
def archived_site(sample, tmp_path, monkeypatch) -> Warehouse:
    """The sample with July 2025 archived to the lake (marts, audit, staging and raw tables)."""
    shutil.copytree(sample.root, tmp_path / "site")
    site = Warehouse(tmp_path / "site", monkeypatch)
    moved = archive(site.paths, dt.date(2025, 9, 15), 1)["moved"]
    schemas = {item["relation"].split(".")[0] for item in moved}
    assert schemas == {"marts", "audit", "staging", "raw"}
    archived = site.root / "lake" / "archive"
    assert mode(archived / "raw.crm_opportunities") == 0o700  # personal data
    assert mode(archived / "marts.fct_funnel_daily") & 0o055  # the history views read it
    return site


def test_the_first_build_on_a_single_file_warehouse_moves_the_raw_layer_losing_nothing(
    archived_site,
):
    site = archived_site
    before = everything(site)
    assert {"raw._dlt_pipeline_state", "raw.ads_load_windows", "raw.rejected_records"} <= set(
        before
    )
    moved = merge_into_single_file(site.paths)
    assert set(moved) >= {f"raw.{table}" for table in RAW_TABLES}
    assert not site.paths.raw_path.exists()

    result = run_module("warehouse.build", timeout=300, **site.settings())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Moved the raw layer" in result.stdout

    assert everything(site) == before
    assert mode(site.paths.raw_path) == 0o600
    for path in (site.paths.duckdb_path, site.paths.snapshot_path):
        with duckdb.connect(str(path), read_only=True) as con:
            assert {schema for schema, _, _ in relations(con)} == ANALYTICS_SCHEMAS | {"archive"}
    # dlt's state moved with its tables: the same payloads again land as one more load of
    # each source (July, which their window covers, returns from the archive) and change no
    # day of the history.
    loads = {row[0] for row in before["raw._dlt_loads"]}
    assert len(loads) == 2  # the sample's load: a load id per source
    assert site.load(None, None)["status"] == "ok"
    site.build()
    now = {row[0] for row in site.query("select load_id from raw._dlt_loads")}
    assert loads < now and len(now) == 4
    after_reload = everything(site)
    for mart in ("campaign", "funnel", "channel"):
        history = f"marts.fct_{mart}_daily_history"
        assert _without_load_id(after_reload[history]) == _without_load_id(before[history])


def _without_load_id(rows: list[tuple]) -> list[tuple]:
    return sorted(row[:-1] for row in rows)  # source_load_id is each mart's last column


def test_the_first_load_moves_it_too(archived_site):
    site = archived_site
    raw_before = {k: v for k, v in everything(site).items() if k.startswith("raw.")}
    merge_into_single_file(site.paths)
    summary = site.load(None, None)
    assert summary["status"] == "ok", summary
    after = {k: v for k, v in everything(site).items() if k.startswith("raw.")}
    load_ids = [{row[0] for row in rows["raw._dlt_loads"]} for rows in (raw_before, after)]
    assert load_ids[0] < load_ids[1] and len(load_ids[1]) == 2 * 2  # a load id per source
    for table in ("ads_performance_history", "crm_opportunities_history", "ads_load_windows"):
        assert set(raw_before[f"raw.{table}"]) < set(after[f"raw.{table}"]), table
    with duckdb.connect(str(site.paths.duckdb_path), read_only=True) as con:
        assert "raw" not in {schema for schema, _, _ in relations(con)}


def test_two_raw_layers_that_disagree_stop_the_build_with_one_line(archived_site, tmp_path):
    site = archived_site
    other = Path(shutil.copyfile(site.paths.raw_path, tmp_path / "other_raw.duckdb"))
    with duckdb.connect(str(other)) as con:
        con.execute("delete from raw._dlt_loads")
    merge_into_single_file(site.paths)
    shutil.copyfile(other, site.paths.raw_path)
    result = run_module("warehouse.build", timeout=300, **site.settings())
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    message = result.stderr.strip().splitlines()
    assert len(message) == 1 and message[0].startswith("build refused: "), message
    assert "load(s) that the raw file" in message[0] and "Traceback" not in result.stderr
