"""Whether a warehouse recovered: it holds exactly what the uninterrupted run holds."""

from __future__ import annotations

import fcntl
from collections import Counter

from helpers.reliability_figures import Figures
from reference_run import Reference
from warehouse_site import APPEND_TABLES, CURRENT_TABLES, MARTS, Site


def lock_is_free(site: Site) -> bool:
    path = site.paths.state_dir / "warehouse.lock"
    if not path.exists():
        return True
    with open(path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
    return True


def pending_dlt_packages(site: Site) -> bool:
    """Whether dlt still holds a load package it has not finished (a stuck state)."""
    import dlt

    pipelines = site.paths.state_dir / "pipelines"
    if not (pipelines / "admira").exists():
        return False
    return dlt.attach("admira", pipelines_dir=str(pipelines)).has_pending_data


def assert_recovered(site: Site, reference: Reference, figures: Figures) -> None:
    """The same current raw rows and marts as the uninterrupted run, every restatement load
    complete and appended exactly once, the first load untouched, nothing stuck."""
    got = site.contents()
    problems = []
    for table in CURRENT_TABLES:
        lost, extra = figures.compare_rows(reference.final.current[table], got.current[table])
        if lost or extra:
            problems.append(f"raw.{table}: {lost} rows lost, {extra} extra")
    for mart in MARTS:
        lost, extra = figures.compare_rows(reference.final.marts[mart], got.marts.get(mart, []))
        if lost or extra:
            problems.append(f"marts.{mart}: {lost} rows lost, {extra} extra")
    for table in APPEND_TABLES:
        problems += _appended_once(table, got.appended[table], reference, figures)
    unfinished = {k: v for k, v in got.loads.items() if v != 0}
    if unfinished:
        problems.append(f"dlt loads not complete: {unfinished}")
    if pending_dlt_packages(site):
        problems.append("dlt still has a pending load package")
    if not lock_is_free(site):
        problems.append("the warehouse lock is still held")
    assert not problems, "; ".join(problems)


def _appended_once(
    table: str, got: dict[str, list[tuple]], reference: Reference, figures: Figures
) -> list[str]:
    """Each new load in an append-only table holds one whole restatement load of its source:
    no row missing, none twice; every source's restatement landed; the first load unchanged."""
    problems = []
    expected = reference.restatement_groups(table)
    first = reference.first.appended[table]
    matched = set()
    for load_id, rows in got.items():
        if load_id in first:
            continue
        # The reference load of the same source: the one sharing the most rows.
        best = max(
            range(len(expected)), key=lambda i: sum((Counter(expected[i]) & Counter(rows)).values())
        )
        matched.add(best)
        lost, extra = figures.compare_rows(expected[best], rows)
        if lost or extra:
            problems.append(f"raw.{table} load {load_id}: {lost} rows lost, {extra} extra")
    for index, rows in enumerate(expected):
        if index not in matched:
            figures.compare_rows(rows, [])
            problems.append(f"raw.{table}: a restatement load never landed ({len(rows)} rows)")
    for load_id, rows in first.items():
        if got.get(load_id) != rows:
            problems.append(f"raw.{table}: the first load {load_id} changed")
    return problems
