"""Concurrency: two loads at once, a build during a load, a load during a build.

The second writer must refuse at once, naming the process that holds the warehouse, and must not
have written anything: afterwards the warehouse holds exactly one restatement load and the marts
of the uninterrupted run.
"""

from __future__ import annotations

import json
import time

import pytest
from recovery_check import assert_recovered
from reference_payloads import RESTATEMENT_SINCE, restatement
from warehouse_site import Site

from warehouse.lock import WarehouseBusy

SINCE = RESTATEMENT_SINCE.isoformat()


def holder_of(site: Site) -> dict:
    try:
        return json.loads((site.paths.state_dir / "warehouse.lock").read_text() or "{}")
    except (FileNotFoundError, ValueError):
        return {}


def test_a_second_load_and_a_build_refuse_while_a_load_runs(reference, figures, upstream, tmp_path):
    site = reference.base.copy_to(tmp_path / "site")
    bodies = restatement()
    env = site.env(
        ads_url=upstream.serve("/ads", bodies["ads"], "stall_mid_body"),
        crm_url=upstream.serve("/crm", bodies["crm"]),
    )
    first = site.start("load", "--since", SINCE, env=env)
    try:
        assert upstream.stalled.wait(120), "the first load never asked for the Ads body"
        with figures.fault("a second load while a load runs"):
            second = site.run("load", "--since", SINCE, env=env)
            assert second.returncode == 2, second.stderr
            assert "load failed: the warehouse is busy: held by" in second.stderr
            assert f'"pid": {first.pid}' in second.stderr and '"what": "load"' in second.stderr
            assert "Traceback" not in second.stderr
        with figures.fault("a build while a load runs"):
            build = site.run("warehouse.build", env=env)
            assert build.returncode == 2, build.stdout + build.stderr
            assert "build refused: the warehouse is busy: held by" in build.stderr
            assert f'"pid": {first.pid}' in build.stderr
        assert len(upstream.requests_to("/ads")) == 1, "a refused writer fetched anyway"
    finally:
        upstream.release.set()
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert site.build()
    assert_recovered(site, reference, figures)


def test_a_load_refuses_while_a_build_runs(reference, figures, tmp_path):
    site = reference.base.copy_to(tmp_path / "site")
    summary = site.load(
        reference.url("restatement/ads"), reference.url("restatement/crm"), RESTATEMENT_SINCE
    )
    assert summary["status"] == "ok", summary
    build = site.start("warehouse.build")
    try:
        deadline = time.monotonic() + 120
        while holder_of(site).get("pid") != build.pid:
            assert build.poll() is None, "the build ended before it was seen holding the lock"
            assert time.monotonic() < deadline, "the build never took the lock"
            time.sleep(0.02)
        with figures.fault("a load while a build runs"):
            with pytest.raises(WarehouseBusy) as refused:
                site.load(
                    reference.url("restatement/ads"),
                    reference.url("restatement/crm"),
                    RESTATEMENT_SINCE,
                )
            message = str(refused.value)
            assert message.startswith("the warehouse is busy: held by")
            assert f'"pid": {build.pid}' in message and '"what": "build"' in message
    finally:
        out, err = build.communicate(timeout=600)
    assert build.returncode == 0, out[-3000:] + err[-3000:]
    assert_recovered(site, reference, figures)
