"""A full disk and a read-only warehouse path: a clear error, the previous warehouse intact.

Real file systems: a small tmpfs filled to the last byte, one remounted read-only. After the
space comes back (or the mount is writable again) a normal run recovers: the marts of the
uninterrupted run, nothing lost, nothing twice.
"""

from __future__ import annotations

import shutil
import subprocess

from recovery_check import assert_recovered
from reference_payloads import RESTATEMENT_SINCE
from reference_run import Reference, rerun_and_build, restatement_env
from small_filesystem import fill, remount, tmpfs
from warehouse_site import Site

from warehouse.build import main as build_main

SINCE = RESTATEMENT_SINCE.isoformat()
ROOMY = 64 << 20  # the sample warehouse, its snapshot and state take about 10 MB


def output(run: subprocess.CompletedProcess) -> str:
    return run.stdout + run.stderr


def assert_clear_failure(run: subprocess.CompletedProcess, cause: str) -> None:
    assert run.returncode in (1, 2), output(run)[-3000:]
    assert cause in output(run), output(run)[-3000:]
    assert "Traceback" not in output(run), output(run)[-3000:]


def assert_unchanged(site: Site, reference: Reference) -> None:
    """Every raw row, every load and every mart of the warehouse, and the readers' snapshot,
    exactly as they were before the failed runs."""
    assert site.contents() == reference.first
    assert site.snapshot_marts() == reference.first.marts


def test_a_full_disk_fails_clearly_and_keeps_the_previous_warehouse(reference, figures, tmp_path):
    with tmpfs(tmp_path / "disk", ROOMY) as disk:
        site = reference.base.copy_to(disk / "site")
        filler = fill(disk)
        env = restatement_env(site, reference)
        with figures.fault("disk full during a load"):
            assert_clear_failure(
                site.run("load", "--since", SINCE, env=env), "No space left on device"
            )
            assert_unchanged(site, reference)
        with figures.fault("disk full during a build"):
            assert_clear_failure(site.run("warehouse.build", env=env), "No space left on device")
            assert_unchanged(site, reference)
        filler.unlink()
        rerun_and_build(site, reference)
        assert_recovered(site, reference, figures)


def test_a_full_snapshot_volume_keeps_the_last_snapshot(reference, figures, tmp_path, capfd):
    old_snapshot = reference.base.paths.snapshot_path
    with tmpfs(tmp_path / "published", old_snapshot.stat().st_size + (256 << 10)) as volume:
        shutil.copyfile(old_snapshot, volume / old_snapshot.name)
        shutil.copytree(
            reference.base.root, tmp_path / "site", ignore=shutil.ignore_patterns("published")
        )
        site = Site(tmp_path / "site", snapshot_dir=volume)
        summary = site.load(
            reference.url("restatement/ads"), reference.url("restatement/crm"), RESTATEMENT_SINCE
        )
        assert summary["status"] == "ok", summary
        with figures.fault("no room to publish the snapshot"):
            capfd.readouterr()
            with site.environment():
                exit_code = build_main([])  # `python -m warehouse.build`, in this process
            out, err = capfd.readouterr()
            assert exit_code == 1, out[-3000:] + err[-3000:]
            assert "Publishing the snapshot failed" in err and "No space left on device" in err
            assert "readers keep the last good one" in err and "Traceback" not in out + err
            assert site.snapshot_marts() == reference.first.marts
            assert sorted(p.name for p in volume.iterdir()) == [old_snapshot.name], (
                "the partial copy was left behind"
            )
        remount(volume, f"size={64 << 20}")
        assert site.build()
        assert site.snapshot_marts() == reference.final.marts
        assert_recovered(site, reference, figures)


def test_a_read_only_warehouse_folder_is_refused_clearly(reference, figures, tmp_path):
    with tmpfs(tmp_path / "disk", ROOMY) as disk:
        site = reference.base.copy_to(disk / "site")
        remount(disk, "ro")
        env = restatement_env(site, reference)
        with figures.fault("read-only warehouse folder: a load"):
            load = site.run("load", "--since", SINCE, env=env)
            assert_clear_failure(load, "Read-only file system")
            assert "load failed: cannot write the warehouse's state folder" in load.stderr
        with figures.fault("read-only warehouse folder: a build"):
            build = site.run("warehouse.build", env=env)
            assert_clear_failure(build, "Read-only file system")
            assert "build refused: cannot write the warehouse's state folder" in build.stderr
        assert_unchanged(site, reference)


def test_a_read_only_warehouse_file_fails_the_load_and_a_rerun_recovers(
    reference, figures, tmp_path
):
    """The state folder is writable, the warehouse is not: dlt prepares the load and cannot
    land it; once the mount is writable again the next run lands everything once."""
    with tmpfs(tmp_path / "disk", ROOMY) as disk:
        shutil.copytree(
            reference.base.root, disk / "site", ignore=shutil.ignore_patterns(".admira")
        )
        shutil.copytree(reference.base.paths.state_dir, tmp_path / "state")
        site = Site(disk / "site", state_dir=tmp_path / "state")
        remount(disk, "ro")
        archive = {"ARCHIVE_URL": str(tmp_path / "archive")}  # the fetched payloads' copies
        with figures.fault("read-only warehouse file: a load"):
            load = site.run(
                "load", "--since", SINCE, env={**restatement_env(site, reference), **archive}
            )
            assert_clear_failure(load, "Read-only file system")
            assert "load failed: landing the data in" in load.stderr
            assert_unchanged(site, reference)
        remount(disk, "rw")
        summary = site.load(
            reference.url("restatement/ads"),
            reference.url("restatement/crm"),
            RESTATEMENT_SINCE,
            **archive,
        )
        assert summary["status"] == "ok", summary
        assert site.build()
        assert_recovered(site, reference, figures)
