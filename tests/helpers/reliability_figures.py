"""The figures the reliability suite ends with: what it tried, and what survived.

Each scenario counts itself through a context manager that adds to "tried" on entry and to
"survived" only when the block (the scenario and all its assertions) ends without an error, so
a failing scenario shows in the figures as well as in the test report. Rows lost and duplicated
are measured by comparing a recovered warehouse with an uninterrupted run, row for row.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Figures:
    faults_injected: int = 0
    faults_survived: int = 0
    bad_records_tried: int = 0
    bad_records_accounted_for: int = 0
    bad_payloads_tried: int = 0
    bad_payloads_refused_cleanly: int = 0
    crashes: int = 0
    crashes_recovered: int = 0
    rows_compared: int = 0
    rows_lost: int = 0
    rows_duplicated: int = 0
    hostile_requests: int = 0
    hostile_requests_answered_cleanly: int = 0
    outputs_scanned_for_secrets: int = 0
    secrets_found: int = 0
    values_scanned_for_emails: int = 0
    emails_found: int = 0
    scenarios: list[dict] = field(default_factory=list)

    @contextmanager
    def fault(self, name: str) -> Iterator[None]:
        self.faults_injected += 1
        with self._scenario("fault", name):
            yield
        self.faults_survived += 1

    @contextmanager
    def crash(self, name: str) -> Iterator[None]:
        self.crashes += 1
        with self._scenario("crash", name):
            yield
        self.crashes_recovered += 1

    @contextmanager
    def _scenario(self, kind: str, name: str) -> Iterator[None]:
        record = {"kind": kind, "name": name, "ok": False}
        self.scenarios.append(record)
        yield
        record["ok"] = True

    def records(self, tried: int, accounted_for: int) -> None:
        self.bad_records_tried += tried
        self.bad_records_accounted_for += accounted_for

    def payload(self, refused_cleanly: bool) -> None:
        self.bad_payloads_tried += 1
        self.bad_payloads_refused_cleanly += refused_cleanly

    def request(self, answered_cleanly: bool) -> None:
        self.hostile_requests += 1
        self.hostile_requests_answered_cleanly += answered_cleanly

    def compare_rows(self, expected: Iterable[tuple], got: Iterable[tuple]) -> tuple[int, int]:
        """Count rows of the uninterrupted run missing from `got`, and rows `got` has too many
        of (as multisets, so a duplicated row counts); return (lost, duplicated)."""
        want, have = Counter(expected), Counter(got)
        lost = sum((want - have).values())
        duplicated = sum((have - want).values())
        self.rows_compared += sum(want.values())
        self.rows_lost += lost
        self.rows_duplicated += duplicated
        return lost, duplicated

    def summary_lines(self) -> list[str]:
        return [
            f"faults injected {self.faults_injected}, survived {self.faults_survived}; "
            f"bad records tried {self.bad_records_tried}, accounted for "
            f"{self.bad_records_accounted_for}; crashes {self.crashes}, recovered "
            f"{self.crashes_recovered}; rows lost {self.rows_lost}",
            f"bad payloads tried {self.bad_payloads_tried}, refused cleanly "
            f"{self.bad_payloads_refused_cleanly}; hostile requests {self.hostile_requests}, "
            f"answered cleanly {self.hostile_requests_answered_cleanly}; rows compared "
            f"{self.rows_compared}, duplicated {self.rows_duplicated}",
            f"outputs scanned for secrets {self.outputs_scanned_for_secrets}, secrets found "
            f"{self.secrets_found}; values scanned for e-mails {self.values_scanned_for_emails}, "
            f"e-mails found {self.emails_found}",
        ]

    def failed_scenarios(self) -> list[str]:
        return [f"{s['kind']}: {s['name']}" for s in self.scenarios if not s["ok"]]

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {**asdict(self), "summary": self.summary_lines()}
        path.write_text(json.dumps(body, indent=2) + "\n")

    def add(self, other: dict) -> None:
        """Add the figures of another process (an xdist worker's, as `asdict` gave them)."""
        for name, value in other.items():
            if name == "scenarios":
                self.scenarios.extend(value)
            else:
                setattr(self, name, getattr(self, name) + value)

    def touched(self) -> bool:
        return bool(
            self.scenarios
            or self.bad_records_tried
            or self.hostile_requests
            or self.outputs_scanned_for_secrets
            or self.values_scanned_for_emails
            or self.bad_payloads_tried
        )


FIGURES = Figures()  # one per process: tests/conftest.py gathers, prints and saves them
