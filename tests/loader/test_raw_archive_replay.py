"""The raw payload archive and `python -m load --replay`: every fetched page is kept as received,
and replaying the archived runs into an empty warehouse gives the raw state the loads gave."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import duckdb
import pytest
import zstandard
from helpers.payloads import RAW_TABLES
from pytest_httpserver import HTTPServer

from load.__main__ import main as load_main


def ads(day: str, campaign: str, clicks, **extra) -> dict:
    return {"date": day, "campaign_id": campaign, "channel": "google_ads", "clicks": clicks,
            "impressions": 100, "cost": 5.0, "utm_campaign": "a", "utm_source": "b",
            "utm_medium": "c", **extra}  # fmt: skip


def crm(opportunity: str, created: str, stage: str, **extra) -> dict:
    return {"opportunity_id": opportunity, "contact_email": "x@example.com", "stage": stage,
            "amount": 100, "created_at": created, "utm_campaign": "a", "utm_source": "b",
            "utm_medium": "c", **extra}  # fmt: skip


def raw_state(raw_path: Path) -> dict[str, list[tuple]]:
    """Every raw table without dlt's own bookkeeping columns (load ids differ by design)."""
    state = {}
    with duckdb.connect(str(raw_path), read_only=True) as con:
        for table in RAW_TABLES:
            columns = [
                name
                for name, *_ in con.execute(f"describe raw.{table}").fetchall()
                if not name.startswith("_dlt_")
            ]
            state[table] = con.execute(
                f"select {', '.join(columns)} from raw.{table} order by all"
            ).fetchall()
    return state


def today_range() -> str:
    today = dt.datetime.now(dt.UTC).date()
    return f"{today - dt.timedelta(days=1)}..{today + dt.timedelta(days=1)}"


def test_replay_of_the_archive_gives_the_raw_state_of_the_original_loads(
    warehouse, httpserver: HTTPServer, tmp_path: Path, monkeypatch, capsys
):
    # Run 1: Ads over HTTP in two pages (a next link), CRM from a file, one bad record each.
    httpserver.expect_request("/ads", query_string="").respond_with_json(
        {"external": {"ads": {"performance": [ads("2025-08-01", "C-1", 10),
                                              ads("2025-08-02", "C-1", "x")],
                              "next": "/ads?page=2"}}}
    )  # fmt: skip
    httpserver.expect_request("/ads", query_string="page=2").respond_with_json(
        {"external": {"ads": {"performance": [ads("2025-08-02", "C-2", 7)]}}}
    )
    first = warehouse.load(
        httpserver.url_for("/ads"),
        [crm("O-1", "2025-08-01T10:00:00Z", "lead"), crm("O-2", "", "lead")],
    )
    assert first["status"] == "ok"
    # Run 2, since Aug 1: C-1 on Aug 2 is restated, C-2 stops, Aug 1 empties, O-1 progresses.
    second = warehouse.load(
        [ads("2025-08-02", "C-1", 3)],
        [crm("O-1", "2025-08-01T10:00:00Z", "closed_won")],
        since="2025-08-01",
    )
    assert second["status"] == "ok"
    # Run 3: Ads fails (nothing of it lands, so replay must skip it); CRM loads.
    third = warehouse.load(
        tmp_path / "missing.json", [crm("O-3", "2025-08-03T01:00:00+02:00", "opportunity")]
    )
    assert third["sources"]["ads"]["status"] == "failed"
    assert third["sources"]["crm"]["status"] == "ok"
    original = raw_state(warehouse.paths.raw_path)
    assert len(original["ads_load_windows"]) == 2 and len(original["rejected_records"]) == 2
    assert [row[:3] for row in original["ads_performance"]] == [
        (dt.date(2025, 8, 2), "google_ads", "C-1")
    ]

    # The archive: pages as received (zstd), partitioned by source and ingest day.
    lake = warehouse.root / "lake" / "raw_payloads"
    day = dt.datetime.fromisoformat(first["ingested_at"]).date().isoformat()
    ads_pages = sorted((lake / "source=ads" / f"ingest_date={day}").glob("*.json.zst"))
    assert len(ads_pages) == 2 + 1  # run 1 had two pages, run 2 one, run 3 none
    first_page = zstandard.ZstdDecompressor().decompress(ads_pages[0].read_bytes())
    assert json.loads(first_page)["external"]["ads"]["next"] == "/ads?page=2"
    sent_file = warehouse.root / "crm-1.json"  # the first CRM payload, as the test wrote it
    crm_pages = sorted((lake / "source=crm" / f"ingest_date={day}").glob("*.json.zst"))
    assert (
        zstandard.ZstdDecompressor().decompress(crm_pages[0].read_bytes()) == sent_file.read_bytes()
    )
    manifests = sorted((lake / "source=ads" / f"ingest_date={day}").glob("*.manifest.json"))
    statuses = [json.loads(path.read_text())["status"] for path in manifests]
    assert statuses == ["landed", "landed"]  # run 3 fetched no Ads page: no Ads manifest

    # Replay into a new, empty warehouse; the APIs are gone.
    httpserver.clear()
    replayed = tmp_path / "replayed"
    replayed.mkdir()
    monkeypatch.setenv("DUCKDB_PATH", str(replayed / "warehouse.duckdb"))
    monkeypatch.setenv("ARCHIVE_URL", str(warehouse.root / "lake"))
    monkeypatch.setenv("ADS_API_URL", "http://127.0.0.1:9/nothing-listens-here")
    monkeypatch.setenv("CRM_API_URL", "http://127.0.0.1:9/nothing-listens-here")
    assert load_main(["--replay", today_range()]) == 0
    assert raw_state(replayed / "warehouse_raw.duckdb") == original
    output = capsys.readouterr().out
    assert output.count("Replay of run") == 3
    assert "(since 2025-08-01)" in output
    # The replay archived nothing new: the archive still holds exactly the original pages.
    assert sorted((lake / "source=ads" / f"ingest_date={day}").glob("*.json.zst")) == ads_pages


def test_the_archive_can_be_any_fsspec_url(warehouse, tmp_path, monkeypatch):
    """memory:// stands in for s3:// (no network here): the archive goes through fsspec."""
    import fsspec

    url = f"memory://admira-{tmp_path.name}"
    monkeypatch.setenv("ARCHIVE_URL", url)
    warehouse.load([ads("2025-08-01", "C-1", 1)], [crm("O-1", "2025-08-01", "lead")])
    fs = fsspec.filesystem("memory")
    pages = fs.glob(f"/admira-{tmp_path.name}/raw_payloads/source=*/ingest_date=*/*.json.zst")
    assert len(pages) == 2
    original = raw_state(warehouse.paths.raw_path)
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "second.duckdb"))
    assert load_main(["--replay", today_range()]) == 0
    assert raw_state(tmp_path / "second_raw.duckdb") == original


def test_a_page_that_cannot_be_archived_fails_its_source(warehouse, tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the archive folder should be")
    monkeypatch.setenv("ARCHIVE_URL", str(blocker / "lake"))
    summary = warehouse.load([ads("2025-08-01", "C-1", 1)], [crm("O-1", "2025-08-01", "lead")])
    assert summary["status"] == "failed"
    for source in ("ads", "crm"):
        error = summary["sources"][source]["error"]
        assert f"source {source}: cannot archive the payload in {blocker / 'lake'}" in error
    assert "load_id" not in summary, "nothing was landed"


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("2026-13-01", "not a day or a range of days"),
        ("2026-11-27..2026-11-01", "the range ends before it starts"),
    ],
)
def test_bad_replay_days_get_a_clear_error(argument, message, capsys):
    with pytest.raises(SystemExit):
        load_main(["--replay", argument])
    assert message in capsys.readouterr().err


def test_replaying_days_without_archived_runs_says_so(warehouse, monkeypatch, capsys):
    monkeypatch.setenv("ARCHIVE_URL", str(warehouse.root / "empty-lake"))
    assert load_main(["--replay", "2020-01-01"]) == 2
    err = capsys.readouterr().err
    assert "replay failed: no landed run is archived in" in err and "2020-01-01..2020-01-01" in err


def test_an_archive_of_gzip_pages_from_an_earlier_release_still_replays(
    warehouse, tmp_path, monkeypatch
):
    """Releases before zstd wrote `.json.gz` pages: the manifest names each file, and the
    reader picks the codec by its name."""
    summary = warehouse.load(
        [ads("2025-08-01", "C-1", 4), ads("2025-08-02", "C-1", "x")],
        [crm("O-1", "2025-08-01T10:00:00Z", "lead")],
    )
    assert summary["status"] == "ok"
    original = raw_state(warehouse.paths.raw_path)
    lake = warehouse.root / "lake" / "raw_payloads"
    rewritten = 0
    for manifest_path in lake.rglob("*.manifest.json"):
        manifest = json.loads(manifest_path.read_text())
        for page in manifest["pages"]:
            zst = manifest_path.parent / page["file"]
            body = zstandard.ZstdDecompressor().decompress(zst.read_bytes())
            page["file"] = page["file"].removesuffix(".zst") + ".gz"
            (manifest_path.parent / page["file"]).write_bytes(gzip.compress(body))
            zst.unlink()
            rewritten += 1
        manifest_path.write_text(json.dumps(manifest))
    assert rewritten == 2 and not list(lake.rglob("*.zst"))
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "replayed.duckdb"))
    monkeypatch.setenv("ARCHIVE_URL", str(warehouse.root / "lake"))
    assert load_main(["--replay", today_range()]) == 0
    assert raw_state(tmp_path / "replayed_raw.duckdb") == original
