"""From checked records to dlt: the accepted and current views of a source, and its resources.

The same code for every source; its declaration says its key and how it lands (a window
replaced by day, or an upsert).
"""

from __future__ import annotations

import datetime as dt

import dlt
import duckdb
import pyarrow as pa

from load.records import (
    PlausibleDays,
    arrow_batches,
    ingested_at_column,
    rejected_batches,
    set_aside_rejected,
    sql_date,
)
from load.sources.checks import check_sql
from load.sources.declaration import DAY_COLUMN, Source

# A window's day the source no longer reports gets a row with this flag: dlt's merge deletes
# that day's rows and never inserts the tombstone itself.
TOMBSTONE = "is_window_tombstone"


def split(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    since: dt.date | None,
    reporting_timezone: str,
    plausible: PlausibleDays,
    through: dt.date | None = None,
) -> dict[str, object]:
    """Check the records; build the rejected table and the accepted and current views; return
    the counts (and the window, for a source whose loads replace one: at least `through` when
    the records reach it, so a day this load asked for again and no longer got is replaced)."""
    work = source.work
    con.execute("set variable reporting_timezone = ?", [reporting_timezone])
    plausible.set_in(con)
    con.execute(check_sql(source))
    set_aside_rejected(con, work.checked, work.records, work.rejected)
    since_filter = f"and {DAY_COLUMN} >= {sql_date(since)}" if since else ""
    # Views, not tables: dlt reads each once, and a copy per step would hold the payload in
    # memory several times over (with millions of records the work area then spills to disk).
    con.execute(
        f"""
        create or replace view {work.accepted} as
        select {", ".join(source.columns)}, record_index
        from {work.checked}
        where reason is null {since_filter}
        """
    )
    received, rejected, skipped = con.execute(
        f"""
        select
            count(*),
            count(*) filter (where reason is not null),
            count(*) filter (where reason is null and {DAY_COLUMN} < $since)
        from {work.checked}
        """,
        {"since": since},
    ).fetchone()
    counts: dict[str, object] = {
        "received": received,
        "rejected": rejected,
        "skipped_before_since": skipped,
        "loaded": con.execute(f"select count(*) from {work.accepted}").fetchone()[0],
    }
    # Inside one payload, the last record of each key wins.
    current = f"""
        select *{f", false as {TOMBSTONE}" if source.replaces_windows else ""}
        from {work.accepted}
        qualify row_number() over (
            partition by {", ".join(source.key)} order by record_index desc) = 1
        """
    if source.replaces_windows:
        window = _window(con, source, since, through)
        counts["window"] = list(window) if window else None
        current += _tombstones(source, window)
    con.execute(f"create or replace view {work.current} as {current}")
    return counts


def _window(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    since: dt.date | None,
    through: dt.date | None = None,
) -> tuple[dt.date, dt.date] | None:
    """The days this load replaces: from `since` (or the first day sent) to the last day sent,
    or `through` if later; none when nothing was sent (an empty answer replaces nothing)."""
    by = source.landing.by
    start, end = con.execute(
        f"select coalesce($since, min({by})), greatest(max({by}), $through) "
        f"from {source.work.accepted} having count(*) > 0",
        {"since": since, "through": through},
    ).fetchone() or (None, None)
    return (start, end) if end is not None else None


def _tombstones(source: Source, window: tuple[dt.date, dt.date] | None) -> str:
    """A row for each day of the window that no accepted record is on."""
    by = source.landing.by
    start, end = (sql_date(day) for day in window or (None, None))
    values = [
        "cast(day as date)" if column == by else "''" if column in source.key else "null"
        for column in source.columns
    ]
    return f"""
        union all
        select {", ".join(values)}, -1, true
        from generate_series({start}, {end}, interval 1 day) as t(day)
        where {start} is not null
            and cast(day as date) not in (select {by} from {source.work.accepted})
        """


def dlt_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    counts: dict[str, object],
    ingested_at: dt.datetime,
    since: dt.date | None,
):
    """The dlt source of one extract, read from the views `split` built. It has the source's
    name, which names its dlt schema too."""
    stamp = ingested_at_column(ingested_at)
    landing = source.landing

    @dlt.resource(
        name=source.table,
        # A merge key, not a primary key: the current view keeps one row per key already, and
        # a primary key makes dlt deduplicate the staged rows again (a window over all of them).
        merge_key=landing.by,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        columns={TOMBSTONE: {"hard_delete": True}} if source.replaces_windows else None,
        parallelized=True,
    )
    def current():
        yield from arrow_batches(con, f"select *, {stamp} from {source.work.current}")

    @dlt.resource(name=source.history_table, write_disposition="append", parallelized=True)
    def history():
        yield from arrow_batches(con, f"select *, {stamp} from {source.work.accepted}")

    @dlt.resource(
        name=f"{source.name}_rejected_records",
        table_name="rejected_records",
        write_disposition="append",
    )
    def rejected():
        yield from rejected_batches(
            con, source.work.rejected, source.name, source.contract.version, ingested_at
        )

    resources = [current, history, rejected]
    if source.replaces_windows:

        @dlt.resource(name=landing.windows_table, write_disposition="append")
        def windows():
            # Always a table (empty without a window): the raw table exists from the first load.
            start, end = counts["window"] or (None, None)
            rows = [0] if start else []
            yield pa.table(
                {
                    "window_start": pa.array([start for _ in rows], pa.date32()),
                    "window_end": pa.array([end for _ in rows], pa.date32()),
                    "since": pa.array([since for _ in rows], pa.date32()),
                    "rows_loaded": pa.array([counts["loaded"] for _ in rows], pa.int64()),
                    "ingested_at": pa.array(
                        [ingested_at for _ in rows], pa.timestamp("us", tz="UTC")
                    ),
                }
            )

        resources.insert(2, windows)

    @dlt.source(name=source.name, section=source.name)
    def extract():
        return resources

    return extract()
