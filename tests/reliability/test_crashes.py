"""Crashes: the loader and the build killed with SIGKILL, then a normal rerun.

Each scenario copies the reference warehouse after the first load and build, kills a run of the
restatement at one point (named, or a seeded random moment), reruns it normally and builds, and
then compares everything with the uninterrupted run, row for row: the current raw rows, every
mart, each restatement load appended exactly once, no unfinished dlt load, no lock left behind.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import duckdb
import pytest
from helpers.first_release import merge_into_single_file
from recovery_check import assert_recovered, pending_dlt_packages
from reference_payloads import RESTATEMENT_SINCE, restatement
from reference_run import Reference, rerun_and_build, restatement_env
from warehouse_site import Site

SINCE = RESTATEMENT_SINCE.isoformat()
# The same random moments in every run of the suite; RELIABILITY_SEED=N tries others.
SEED = int(os.environ.get("RELIABILITY_SEED") or 6)
KILLED = -signal.SIGKILL
# Where a loader can die inside dlt (mid-fetch has a test of its own): after copying rows into
# the staging dataset, after an append committed outside any transaction, inside the merge
# transaction between deleting the Ads window and inserting it again, and after everything
# committed but before the run's records were written.
LOADER_POINTS = (
    "staging_insert",
    "history_append",
    "window_replacement",
    "after_land",
)
# Where a build can die: inside a mart's transaction (days deleted, not inserted), and half-way
# through copying the snapshot that readers open. The first build on a warehouse of the first
# release's single-file layout can also die moving its raw layer out: the raw file's copy
# complete but not renamed into place, or renamed but the raw schemas not yet dropped.
BUILD_POINTS = ("mart_replacement", "snapshot_copy")
MOVE_POINTS = ("raw_move_rename", "raw_move_drop")


@pytest.fixture(scope="module")
def loaded(reference: Reference, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The restatement loaded on the reference, not built yet: where builds get killed."""
    site = reference.base.copy_to(tmp_path_factory.mktemp("loaded") / "site")
    summary = site.load(
        reference.url("restatement/ads"), reference.url("restatement/crm"), RESTATEMENT_SINCE
    )
    assert summary["status"] == "ok", summary
    return site


@pytest.mark.parametrize("point", LOADER_POINTS)
def test_loader_killed_at_a_named_point_recovers_on_rerun(point, reference, figures, tmp_path):
    with figures.crash(f"loader killed at {point}"):
        site = reference.base.copy_to(tmp_path / "site")
        killed = site.run(
            "load", "--since", SINCE, env=restatement_env(site, reference), kill_at=point
        )
        assert killed.returncode == KILLED, killed.stderr[-3000:]
        assert f"SIGKILL at {point}" in killed.stderr
        rerun_and_build(site, reference)
        assert_recovered(site, reference, figures)


def test_loader_killed_mid_body_recovers_on_rerun(reference, figures, upstream, tmp_path):
    with figures.crash("loader killed while the Ads body was half received"):
        site = reference.base.copy_to(tmp_path / "site")
        bodies = restatement()
        ads_url = upstream.serve("/ads", bodies["ads"], "stall_mid_body")
        crm_url = upstream.serve("/crm", bodies["crm"])
        process = site.start(
            "load", "--since", SINCE, env=site.env(ads_url=ads_url, crm_url=crm_url)
        )
        try:
            assert upstream.stalled.wait(120), "the loader never asked for the Ads body"
        finally:
            process.kill()
            process.communicate()
        assert process.returncode == KILLED
        upstream.release.set()
        summary = site.load(ads_url, crm_url, RESTATEMENT_SINCE)
        assert summary["status"] == "ok", summary
        assert site.build()
        assert_recovered(site, reference, figures)


def test_a_rerun_with_other_data_lands_it_after_finishing_the_killed_load(
    reference, figures, tmp_path
):
    """dlt on its own lands only the killed run's pending package and skips the data of the
    rerun, whose summary still says it loaded them."""
    with figures.crash("loader killed in the window replacement, rerun with other data"):
        site = reference.base.copy_to(tmp_path / "site")
        killed = site.run(
            "load",
            "--since",
            SINCE,
            env=restatement_env(site, reference),
            kill_at="window_replacement",
        )
        assert killed.returncode == KILLED, killed.stderr[-3000:]
        # The sample again: its window covers every day, so the Ads rows become the sample's.
        summary = site.load(reference.url("first/ads"), reference.url("first/crm"))
        assert summary["status"] == "ok", summary
        lost, extra = figures.compare_rows(
            reference.first.current["ads_performance"], site.contents().current["ads_performance"]
        )
        assert (lost, extra) == (0, 0), f"{lost} rows of the rerun lost, {extra} extra"
        assert not pending_dlt_packages(site)


def kill_after(process: subprocess.Popen, stream, marker: str, nth: int, delay: float) -> bool:
    """Wait for the nth line containing `marker`, wait `delay`, SIGKILL; whether it died by it."""
    seen = 0
    for line in stream:
        seen += marker in line
        if seen >= nth:
            break
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=120)
    return process.returncode == KILLED


def test_loader_killed_at_a_random_moment_recovers_on_rerun(reference, figures, tmp_path):
    """A seeded moment between the end of the CRM fetch and the end of the run (validation,
    every stage of dlt); a moment after the run ended is drawn again, shorter."""
    delay = random.Random(f"loader {SEED}").uniform(0.0, 2.0)
    with figures.crash(f"loader killed at random (seed {SEED}, {delay:.2f} s)"):
        for attempt in range(4):
            site = reference.base.copy_to(tmp_path / f"site-{attempt}")
            process = site.start("load", "--since", SINCE, env=restatement_env(site, reference))
            if kill_after(process, process.stderr, '"source": "crm"', 1, delay):
                break
            delay /= 3
        else:
            pytest.fail("the loader always finished before the random moment")
        rerun_and_build(site, reference)
        assert_recovered(site, reference, figures)


@pytest.mark.parametrize("point", BUILD_POINTS)
def test_build_killed_at_a_named_point_recovers_on_rerun(
    point, loaded, reference, figures, tmp_path
):
    with figures.crash(f"build killed at {point}"):
        site = loaded.copy_to(tmp_path / "site")
        killed = site.run("warehouse.build", env=site.env(), kill_at=point)
        assert killed.returncode == KILLED, killed.stdout[-3000:] + killed.stderr[-3000:]
        assert f"SIGKILL at {point}" in killed.stderr
        # Readers still have the last good snapshot, whole.
        assert site.snapshot_marts() == reference.first.marts
        assert site.build(), "the build after the killed one failed"
        assert_recovered(site, reference, figures)
        assert site.snapshot_marts() == reference.final.marts


@pytest.mark.parametrize("point", MOVE_POINTS)
def test_build_killed_moving_a_single_file_warehouse_recovers_on_rerun(
    point, loaded, reference, figures, tmp_path
):
    with figures.crash(f"build killed at {point}"):
        site = loaded.copy_to(tmp_path / "site")
        merge_into_single_file(site.paths)
        killed = site.run("warehouse.build", env=site.env(), kill_at=point)
        assert killed.returncode == KILLED, killed.stdout[-3000:] + killed.stderr[-3000:]
        assert f"SIGKILL at {point}" in killed.stderr
        assert site.paths.raw_path.exists() == (point == "raw_move_drop")
        assert site.snapshot_marts() == reference.first.marts
        assert site.build(), "the build after the killed one failed"
        assert_recovered(site, reference, figures)
        assert site.snapshot_marts() == reference.final.marts
        with duckdb.connect(str(site.paths.duckdb_path), read_only=True) as con:
            schemas = {
                r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()
            }
        assert not schemas & {"raw", "raw_staging"}, schemas


def test_build_killed_at_a_random_moment_recovers_on_rerun(loaded, reference, figures, tmp_path):
    """Killed when dbt starts a seeded random node (of ~60: views, marts, data and unit tests),
    plus a random fraction of a second."""
    rng = random.Random(f"build {SEED}")
    nth, delay = rng.randint(1, 55), rng.uniform(0.0, 0.5)
    with figures.crash(f"build killed at random (seed {SEED}, node {nth} + {delay:.2f} s)"):
        for attempt in range(4):
            site = loaded.copy_to(tmp_path / f"site-{attempt}")
            process = site.start("warehouse.build", env=site.env())
            if kill_after(process, process.stdout, " START ", nth, delay):
                break
            nth //= 2
        else:
            pytest.fail("the build always finished before the random moment")
        with duckdb.connect(str(site.paths.snapshot_path), read_only=True):
            pass  # the published snapshot opens, whatever the moment
        assert site.build(), "the build after the killed one failed"
        assert_recovered(site, reference, figures)
        assert site.snapshot_marts() == reference.final.marts
