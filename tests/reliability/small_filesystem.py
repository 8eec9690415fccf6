"""A small tmpfs to fill up or turn read-only: a real full disk and a real read-only mount.

Mounting needs root (CI runs as root). Without it the disk scenarios are skipped, and say so.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def tmpfs(path: Path, size_bytes: int) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount(path: Path, options: str) -> None:
    """`ro`, `rw` or `size=N` on a mounted tmpfs."""
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def fill(path: Path, leave_bytes: int = 0) -> Path:
    """Take all the free space but `leave_bytes`; delete the returned file to give it back."""
    filler = path / "filler"
    with open(filler, "wb") as handle:
        remaining = free_bytes(path) - leave_bytes
        chunk = b"\0" * (1 << 20)
        while remaining > 0:
            remaining -= handle.write(chunk[: min(len(chunk), remaining)])
    return filler
