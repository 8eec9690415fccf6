"""`python -m load --replay DAY` or `--replay FIRST..LAST`: load again from the raw archive.

The runs that landed on those days (UTC) are replayed oldest first, each with its own `since`,
time stamp and reporting time zone, through the same validation and dlt merge as the original
loads and without calling the APIs. Replayed into an empty warehouse, they rebuild the raw
tables the original loads built; replayed into a warehouse with later loads, each replayed run
wins for its own window, as it did then (replay the later days too to end on the same state).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from load.config import Settings
from load.payload_archive import RawArchive
from load.pipeline import run


class NothingToReplay(Exception):
    """No landed run is archived for the days asked for."""


def parse_days(text: str) -> tuple[dt.date, dt.date]:
    """`2026-11-27` or `2026-11-01..2026-11-27` (inclusive); ValueError with a clear message."""
    first_text, _, last_text = text.partition("..")
    try:
        first = dt.date.fromisoformat(first_text.strip())
        last = dt.date.fromisoformat(last_text.strip()) if last_text else first
    except ValueError:
        raise ValueError(
            f"not a day or a range of days (YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD): {text!r}"
        ) from None
    if last < first:
        raise ValueError(f"the range ends before it starts: {text!r}")
    return first, last


def replay(settings: Settings, first: dt.date, last: dt.date) -> Iterator[dict]:
    """Replay every landed run archived from `first` to `last`; yield each run's summary."""
    archive = RawArchive.from_env(settings.paths)
    runs = archive.runs(first, last)
    if not runs:
        raise NothingToReplay(
            f"no landed run is archived in {archive.describe()} for {first}..{last}"
        )
    for archived in runs:
        run_settings = dataclasses.replace(settings, reporting_timezone=archived.reporting_timezone)
        yield run(run_settings, archived.since, replay=archived)
