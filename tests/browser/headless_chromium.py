"""Debian's Chromium, headless: what a person's browser shows, as DOM text and screenshots.

Every run gets a fresh profile, and host resolution is pinned so the browser can reach nothing
but 127.0.0.1: a page that tried to fetch from the web would fail visibly, never leave here.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)
TIMEOUT_SECONDS = 90


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    def __init__(self, binary: str) -> None:
        self.binary = binary

    def _run(self, url: str, *extra: str) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            result = subprocess.run(
                [self.binary, *FLAGS, f"--user-data-dir={profile}", *extra, url],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
            )
        assert result.returncode == 0, (
            f"chromium failed on {url} (exit {result.returncode}):\n{result.stderr[-2000:]}"
        )
        return result

    def dump_dom(self, url: str, js_budget_ms: int = 10_000) -> str:
        """The DOM after the page's scripts ran (up to `js_budget_ms` of virtual time)."""
        return self._run(url, f"--virtual-time-budget={js_budget_ms}", "--dump-dom").stdout

    def screenshot(
        self, url: str, path: Path, width: int, height: int, js_budget_ms: int = 10_000
    ) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self._run(
            url,
            f"--virtual-time-budget={js_budget_ms}",
            f"--window-size={width},{height}",
            f"--screenshot={path}",
        )
        assert path.exists(), f"chromium wrote no screenshot to {path}"
        return path
