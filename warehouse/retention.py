"""`make archive`: move whole months older than the hot window from DuckDB to the lake.

HOT_RETENTION_MONTHS (default 18) months stay hot: the current month and the N before it. Every
older month of the marts and of the raw tables is written to hive-partitioned Parquet,

    <ARCHIVE_URL>/archive/<schema>.<table>/month=YYYY-MM/part-NNNN.parquet

read back and compared (row count and a fingerprint of every row) with what DuckDB holds, and
only then deleted from DuckDB. Each DuckDB file (the analytics file: marts and staging; the raw
file: the raw tables) is archived in one transaction of its own that also records each file in
its own `archive.archived_partitions` (DuckDB writes one file per transaction): a failure
deletes nothing of that file and records nothing, and the next run writes the same file names
again (a file that is not recorded is a leftover of a failed run: it is removed, and the history
views never read it). The analytics file goes first: a run that stops between the two leaves
old raw months that the models already skip (macro hot_days_only), never marts that a full
refresh could no longer rebuild. A rerun finds nothing older than the window left in DuckDB and
changes nothing. Afterwards the history views (marts.fct_*_history, dbt models) are rebuilt to
read the new files and the read-only snapshot is published again.

A load that touches an archived month (an Ads window over one of its days, a CRM version that
counts on one of its days, a new version of an opportunity whose current version counts there)
first returns that month to the hot tables (`restore_touched_months`, called by the loader):
the month is read back from the lake into every table it came from, including staging and the
marts, and leaves the ledgers, so the load and the next build bring it up to date and no
opportunity counts twice. The raw file goes first, for the same reason as above. The next
archive run moves it out again.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import fsspec

from warehouse.archive_location import archive_url, is_local
from warehouse.catalog import ATTRIBUTION_MART, MARTS, TRACKING_HEALTH, UTMS
from warehouse.lock import WarehouseBusy, warehouse_lock
from warehouse.paths import WarehousePaths
from warehouse.raw_file import RawLayerError, move_raw_layer, owner_only, private_folder

DEFAULT_HOT_MONTHS = 18
LEDGER = "archive.archived_partitions"
HISTORY_MODELS = tuple(mart.history for mart in MARTS)


@dataclass(frozen=True)
class Relation:
    """A table whose old months leave DuckDB, and the day each of its rows belongs to."""

    name: str  # schema.table
    day: str  # SQL for the row's day
    order_by: str  # the clustering order the Parquet files keep


QUARANTINE = "raw.rejected_records"  # archived by its ingest month, never returned
CRM_DAY = "cast(timezone('{tz}', cast(created_at as timestamptz)) as date)"
# In the analytics file.
ANALYTICS_RELATIONS = (
    # The marts, the model comparison and the tracking audit.
    *(
        Relation(mart.relation, "report_date", ", ".join(mart.grain))
        for mart in (*MARTS, ATTRIBUTION_MART)
    ),
    Relation(TRACKING_HEALTH, "report_date", ", ".join(("report_date", *UTMS))),
    # Staging is derived from raw, but a month returned to the hot tables needs its rows back.
    Relation("staging.stg_ads__performance", "report_date", "report_date, channel, campaign_id"),
    Relation("staging.stg_crm__opportunities", "report_date", "report_date, opportunity_id"),
)
# In the raw file.
RAW_RELATIONS = (
    Relation("raw.ads_performance", "report_date", "report_date, channel, campaign_id"),
    Relation("raw.ads_performance_history", "report_date", "report_date, channel, campaign_id"),
    Relation("raw.ads_load_windows", "window_end", "window_end, window_start"),
    Relation("raw.crm_opportunities", CRM_DAY, "created_at, opportunity_id"),
    Relation("raw.crm_opportunities_history", CRM_DAY, "created_at, opportunity_id"),
    Relation(QUARANTINE, "cast(timezone('UTC', ingested_at) as date)", "ingested_at"),
)
# The raw tables dlt merges on a key: a returned month never brings back a key a later load set.
MERGE_KEYS = {
    "raw.ads_performance": ("report_date", "channel", "campaign_id"),
    "raw.crm_opportunities": ("opportunity_id",),
}


class ArchiveFailed(Exception):
    """Archiving stopped; nothing was deleted from DuckDB."""


def hot_retention_months() -> int:
    raw = (os.environ.get("HOT_RETENTION_MONTHS") or str(DEFAULT_HOT_MONTHS)).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(
            f"setting HOT_RETENTION_MONTHS={raw!r} is not a whole number of months >= 1"
        )
    return int(raw)


def hot_from(today: dt.date, months: int) -> dt.date:
    """The first day that stays hot: the first of the month `months` months before today's."""
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class Partition:
    relation: Relation
    month: dt.date
    rows: int
    fingerprint: int
    file: str | None = None


class Archiver:
    """One archive run on one open DuckDB file and its relations (the caller holds the lock)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        relations: tuple[Relation, ...],
        lake_url: str,
        timezone: str,
    ) -> None:
        self.con = con
        self.relations = relations
        self.lake_url = lake_url
        self.timezone = timezone
        self.fs, self.root = fsspec.core.url_to_fs(f"{lake_url}/archive")

    def run(self, cutoff: dt.date) -> list[Partition]:
        """Archive every month before `cutoff`; return what moved (empty on a rerun)."""
        self.con.execute("create schema if not exists archive")
        self.con.execute(
            f"""
            create table if not exists {LEDGER} (
                relation varchar not null,
                month date not null,
                file varchar not null,
                row_count bigint not null,
                fingerprint hugeint not null,
                archived_at timestamptz not null,
                primary key (relation, month, file)
            )
            """
        )
        relations = [r for r in self.relations if self._exists(r.name)]
        self._remove_unrecorded_files(relations)
        moved: list[Partition] = []
        self.con.execute("begin transaction")
        try:
            for relation in relations:
                for partition in self._old_partitions(relation, cutoff):
                    self._write_and_verify(partition)
                    self._delete(partition)
                    moved.append(partition)
            self.con.execute("commit")
        except Exception as exc:
            self.con.execute("rollback")
            raise ArchiveFailed(
                f"archiving stopped, nothing was deleted: {type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}"
            ) from exc
        return moved

    def _exists(self, name: str) -> bool:
        schema, table = name.split(".")
        return bool(
            self.con.execute(
                "select count(*) from information_schema.tables where table_schema = ? "
                "and table_name = ? and table_type = 'BASE TABLE'",
                [schema, table],
            ).fetchone()[0]
        )

    def _day(self, relation: Relation) -> str:
        return relation.day.format(tz=self.timezone.replace("'", "''"))

    def _old_partitions(self, relation: Relation, cutoff: dt.date) -> list[Partition]:
        day = self._day(relation)
        rows = self.con.execute(
            f"""
            select date_trunc('month', {day}) as month, count(*), sum(hash(t))
            from {relation.name} as t
            where {day} < ?
            group by month
            order by month
            """,
            [cutoff],
        ).fetchall()
        return [Partition(relation, month, count, int(row_hash)) for month, count, row_hash in rows]

    def _month_filter(self, partition: Partition) -> str:
        day = self._day(partition.relation)
        month = partition.month.isoformat()
        return f"{day} >= date '{month}' and {day} < date '{month}' + interval 1 month"

    def _write_and_verify(self, partition: Partition) -> None:
        relation = partition.relation
        folder = f"{self.root}/{relation.name}/month={partition.month:%Y-%m}"
        recorded = self.con.execute(
            f"select count(*) from {LEDGER} where relation = ? and month = ?",
            [relation.name, partition.month],
        ).fetchone()[0]
        self.fs.makedirs(folder, exist_ok=True)
        if self.relations is RAW_RELATIONS:  # personal data, as in the raw file
            private_folder(self.fs, f"{self.root}/{relation.name}")
        path = f"{folder}/part-{recorded + 1:04d}.parquet"
        url = path if is_local(self.lake_url) else self.fs.unstrip_protocol(path)
        self.con.execute(
            f"""
            copy (
                select * from {relation.name} as t
                where {self._month_filter(partition)}
                order by {relation.order_by}
            ) to '{_quote(url)}' (format parquet, compression zstd)
            """
        )
        count, fingerprint = self.con.execute(
            f"select count(*), sum(hash(t)) "
            f"from read_parquet('{_quote(url)}', hive_partitioning = false) as t"
        ).fetchone()
        if count != partition.rows:
            raise ArchiveFailed(f"{url} holds {count} rows, DuckDB {partition.rows}")
        if int(fingerprint or 0) != partition.fingerprint:
            raise ArchiveFailed(f"{url} holds {count} rows as DuckDB, but not the same ones")
        self.con.execute(
            f"insert into {LEDGER} values (?, ?, ?, ?, ?, now())",
            [relation.name, partition.month, url, count, partition.fingerprint],
        )
        partition.file = url

    def _delete(self, partition: Partition) -> None:
        deleted = self.con.execute(
            f"delete from {partition.relation.name} as t where {self._month_filter(partition)}"
        ).fetchone()[0]
        if deleted != partition.rows:
            raise ArchiveFailed(
                f"{partition.relation.name} {partition.month:%Y-%m}: deleted {deleted} rows, "
                f"archived {partition.rows}"
            )

    def _remove_unrecorded_files(self, relations: list[Relation]) -> None:
        """Files a failed run left behind: never recorded, never read, rewritten next."""
        recorded = {row[0] for row in self.con.execute(f"select file from {LEDGER}").fetchall()}
        for relation in relations:
            for path in self.fs.glob(f"{self.root}/{relation.name}/month=*/part-*.parquet"):
                url = path if is_local(self.lake_url) else self.fs.unstrip_protocol(path)
                if url not in recorded and self.fs.isfile(path):
                    self.fs.rm(path)


def restore_touched_months(
    paths: WarehousePaths,
    work: duckdb.DuckDBPyConnection,
    ads_window: tuple[dt.date, dt.date] | None,
    crm_versions: str | None,
) -> list[str]:
    """Return to the hot tables every archived month that this load touches; the months.

    `work` is the loader's work area; `crm_versions` a select there of the accepted CRM
    versions (opportunity_id, report_date). The caller holds the warehouse lock.
    """
    files = {paths.raw_path: RAW_RELATIONS, paths.duckdb_path: ANALYTICS_RELATIONS}
    ledgers = {}
    for path in files:
        if not path.exists():
            continue
        try:  # read-only first: most loads touch no archived month and need no write here
            with duckdb.connect(str(path), read_only=True) as con:
                ledgers[path] = _ledger_rows(con)
        except duckdb.Error:  # unreadable: the landing that follows says why, in its own words
            return []
    ledger = [row for rows in ledgers.values() for row in rows if row[0] != QUARANTINE]
    archived = {month for _, month, _ in ledger}
    if not archived:
        return []
    touched = set()
    if ads_window:
        touched |= {m for m in archived if ads_window[0] < _next_month(m) and m <= ads_window[1]}
    if crm_versions:
        month = "cast(date_trunc('month', report_date) as date)"
        days = work.execute(f"select distinct {month} from ({crm_versions})").fetchall()
        touched |= archived & {row[0] for row in days}
        current = [(m, f) for r, m, f in ledger if r == "raw.crm_opportunities"]
        if current:
            by_file = dict((f, m) for m, f in current)
            hit = work.execute(
                f"""
                select distinct archived.filename
                from read_parquet($files, filename = true) as archived
                semi join ({crm_versions}) as new using (opportunity_id)
                """,
                {"files": list(by_file)},
            ).fetchall()
            touched |= {by_file[row[0]] for row in hit}
    if not touched:
        return []
    for path, relations in files.items():  # the raw file first (see the module's docstring)
        if ledgers.get(path):
            _return_months(path, relations, ledgers[path], touched)
    # The files stay until the next archive run removes them as unrecorded: the snapshot that
    # readers have open may still read them.
    return [f"{m:%Y-%m}" for m in sorted(touched)]


def _return_months(
    path: Path, relations: tuple[Relation, ...], ledger: list, months: set[dt.date]
) -> None:
    """Read `months` back into the relations of one DuckDB file, in one transaction."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise ArchiveFailed(f"cannot open {path} to return archived months: {exc}") from exc
    with con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("begin transaction")
        try:
            for relation in relations:
                if relation.name == QUARANTINE:
                    continue
                files = [f for r, m, f in ledger if r == relation.name and m in months]
                if files:
                    _read_back(con, relation.name, files)
            con.execute(
                f"delete from {LEDGER} where relation <> '{QUARANTINE}' "
                "and month in (select unnest($months))",
                {"months": sorted(months)},
            )
            con.execute("commit")
        except Exception as exc:
            con.execute("rollback")
            raise ArchiveFailed(
                f"returning archived months to {path.name} failed, nothing of it changed: "
                f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            ) from exc


def _ledger_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[str, dt.date, str]]:
    try:
        return con.execute(f"select relation, month, file from {LEDGER}").fetchall()
    except duckdb.CatalogException:  # never archived
        return []


def _read_back(con: duckdb.DuckDBPyConnection, table: str, files: list[str]) -> None:
    keys = MERGE_KEYS.get(table)
    newer = (
        f"anti join {table} as hot using ({', '.join(keys)})" if keys else ""
    )  # a key a later load set wins
    con.execute(
        f"""
        insert into {table} by name
        select archived.* from read_parquet($files, hive_partitioning = false) as archived
        {newer}
        """,
        {"files": files},
    )


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _quote(text: str) -> str:
    return text.replace("'", "''")


def archive(paths: WarehousePaths, today: dt.date, months: int) -> dict:
    """Archive under the warehouse lock, rebuild the history views, publish the snapshot."""
    started = time.monotonic()
    cutoff = hot_from(today, months)
    lake = archive_url(paths)
    timezone = os.environ.get("REPORTING_TIMEZONE") or "UTC"
    if not paths.duckdb_path.exists():
        raise ArchiveFailed(f"no warehouse at {paths.duckdb_path}: run make load and make build")
    with warehouse_lock(paths.state_dir, "archive"):
        try:
            move_raw_layer(paths)  # a warehouse of the single-file layout
        except RawLayerError as exc:
            raise ArchiveFailed(f"moving the raw layer into its own file failed: {exc}") from exc
        moved: list[Partition] = []
        # The analytics file first (see the module's docstring). The raw file's log and months
        # hold personal data: owner-only; the marts' months are read by the history views.
        for path, relations, private in (
            (paths.duckdb_path, ANALYTICS_RELATIONS, contextlib.nullcontext()),
            (paths.raw_path, RAW_RELATIONS, owner_only()),
        ):
            if not path.exists():
                continue
            try:
                with private, duckdb.connect(str(path)) as con:
                    con.execute("set TimeZone = 'UTC'")
                    moved += Archiver(con, relations, lake, timezone).run(cutoff)
            except ArchiveFailed as exc:
                if not moved:
                    raise
                _refresh_history_views(paths)  # they must read the months that did move
                raise ArchiveFailed(
                    f"the months of the marts and staging moved, the raw tables' did not "
                    f"({exc}); run `make archive` again to finish"
                ) from exc
        if moved:
            _refresh_history_views(paths)
        record = {
            "status": "ok",
            "finished_at": time.time(),
            "duration_seconds": round(time.monotonic() - started, 3),
            "hot_retention_months": months,
            "hot_from": cutoff.isoformat(),
            "archive_url": lake,
            "moved": [
                {
                    "relation": p.relation.name,
                    "month": f"{p.month:%Y-%m}",
                    "rows": p.rows,
                    "file": p.file,
                }
                for p in moved
            ],
        }
        (paths.state_dir / "last_archive.json").write_text(json.dumps(record, indent=2))
    return record


def _refresh_history_views(paths: WarehousePaths) -> None:
    """Rebuild marts.fct_*_history so they read the new files; then publish for readers."""
    from dbt.cli.main import dbtRunner

    from warehouse.build import dbt_args, publish_snapshot, release_duckdb

    try:
        result = dbtRunner().invoke(dbt_args("run") + ["--select", *HISTORY_MODELS])
    finally:
        release_duckdb()
    if not result.success:
        raise ArchiveFailed(
            "the months were archived, but rebuilding the history views failed (see dbt's "
            "output above); run `make build` to rebuild them"
        )
    publish_snapshot(paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.retention",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--months", type=int, help="hot months (default HOT_RETENTION_MONTHS)")
    parser.add_argument(
        "--today", type=dt.date.fromisoformat, help="the day the window ends (default: today, UTC)"
    )
    args = parser.parse_args(argv)
    months = args.months if args.months is not None else hot_retention_months()
    if months < 1:
        parser.error("--months must be at least 1")
    today = args.today or dt.datetime.now(dt.UTC).date()
    paths = WarehousePaths.from_env()
    try:
        record = archive(paths, today, months)
    except (WarehouseBusy, ArchiveFailed) as exc:
        print(f"archive failed: {exc}", file=sys.stderr)
        return 2
    cutoff = record["hot_from"]
    if not record["moved"]:
        print(f"Nothing to archive: DuckDB holds no month before {cutoff} ({months} hot months).")
        return 0
    print(f"Archived every month before {cutoff} ({months} hot months) to {record['archive_url']}:")
    for item in record["moved"]:
        where = item["file"]
        print(f"  {item['relation']:<34} {item['month']}  {item['rows']:>9,} rows  {where}")
    print(f"  took {record['duration_seconds']:.1f}s; history views rebuilt, snapshot published")
    return 0


if __name__ == "__main__":
    sys.exit(main())
