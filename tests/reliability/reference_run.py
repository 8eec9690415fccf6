"""The uninterrupted run every scenario is compared with.

The shipped sample is loaded and built (`base`: the template scenarios copy, never changed),
then the restatement is loaded with --since and built (`final`). Nothing is killed, no upstream
misbehaves: this is what the warehouse must hold after any fault and a normal rerun.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reference_payloads import RESTATEMENT_SINCE, first_load, restatement
from warehouse_site import Site, WarehouseContents


@dataclass(frozen=True)
class Reference:
    base: Site
    first: WarehouseContents
    final: WarehouseContents
    payloads: dict[str, Path]  # "first/ads", "restatement/crm", ... -> file

    def url(self, name: str) -> str:
        return str(self.payloads[name])

    def restatement_groups(self, table: str) -> list[list[tuple]]:
        """The rows the restatement appends to `table`, per load (dlt lands each source as a
        load of its own)."""
        first = self.first.appended[table]
        return [
            rows for load_id, rows in self.final.appended[table].items() if load_id not in first
        ]


def make_reference(root: Path) -> Reference:
    payloads = {}
    for label, bodies in (("first", first_load()), ("restatement", restatement())):
        for source, body in bodies.items():
            path = root / "payloads" / label / f"{source}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            payloads[f"{label}/{source}"] = path
    base = Site(root / "base")
    summary = base.load(str(payloads["first/ads"]), str(payloads["first/crm"]))
    assert summary["status"] == "ok", summary
    assert base.build(), "the reference build failed"
    final = base.copy_to(root / "uninterrupted")
    summary = final.load(
        str(payloads["restatement/ads"]), str(payloads["restatement/crm"]), RESTATEMENT_SINCE
    )
    assert summary["status"] == "ok", summary
    assert final.build(), "the reference build failed"
    return Reference(base, base.contents(), final.contents(), payloads)


def restatement_env(site: Site, reference: Reference) -> dict[str, str]:
    """The environment of a child process that loads the restatement on `site`."""
    return site.env(
        ads_url=reference.url("restatement/ads"), crm_url=reference.url("restatement/crm")
    )


def rerun_and_build(site: Site, reference: Reference) -> None:
    """The normal rerun after a fault: the restatement loaded with --since, then a build."""
    summary = site.load(
        reference.url("restatement/ads"), reference.url("restatement/crm"), RESTATEMENT_SINCE
    )
    assert summary["status"] == "ok", summary
    assert site.build(), "the build after the rerun failed"
