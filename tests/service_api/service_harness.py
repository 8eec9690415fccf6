"""The real service in a child process on 127.0.0.1, a client that checks every answer, and a
real sink that verifies the export signature the way a receiver would.

(This folder is not called tests/service: pytest puts tests/ on sys.path, and a tests/service
folder would then shadow the `service` package as a namespace package.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
from helpers import REPO_ROOT
from helpers.email_scan import assert_no_email
from helpers.environment import child_env
from werkzeug import Request, Response

RUNNING_ON = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


class ServiceProcess:
    """`python -m service` on a free port of 127.0.0.1, its output in a log file; the settings
    are `env`, none inherited from the developer's shell (helpers.environment.SETTINGS)."""

    def __init__(self, root: Path, **env: str) -> None:
        self.root = root
        self.log_path = root / "service.log"
        self.env = child_env(HOST="127.0.0.1", PORT="0", PYTHONUNBUFFERED="1", **env)
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 30) -> ServiceProcess:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "service"],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = RUNNING_ON.search(self.log_path.read_text())
            if found:
                self.url = f"http://127.0.0.1:{found.group(1)}"
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"the service did not start:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Every answer of every test passes the no-e-mail check."""
        response = requests.request(method, self.url + path, timeout=60, **kwargs)
        assert_no_email(response.text, f"the answer to {method} {path}")
        assert_no_email(json.dumps(dict(response.headers)), f"the headers of {method} {path}")
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON lines of the service log (uvicorn's own start-up lines are plain text)."""
        records = []
        for line in self.log_path.read_text().splitlines():
            if line.startswith("{"):
                records.append(json.loads(line))
        return records

    def wait_for_run(self, run_id: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.get(f"/ingest/runs/{run_id}").json()
            if run["status"] in ("succeeded", "failed"):
                return run
            time.sleep(0.2)
        raise AssertionError(f"ingest run {run_id} did not finish in {timeout}s")


class Sink:
    """The export receiver: answers 401 unless X-Signature is the HMAC of the bytes received;
    can be told to answer 503 a number of times first."""

    def __init__(self, server: Any, secret: str, path: str = "/sink") -> None:
        self.server = server
        self.secret = secret
        self.url = server.url_for(path)
        self.received: list[tuple[bytes, dict[str, str]]] = []  # every request, in order
        self.accepted: list[bytes] = []
        self.fail_next = 0
        server.expect_request(path, method="POST").respond_with_handler(self._handle)

    def expected_signature(self, body: bytes) -> str:
        return hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()

    def _handle(self, request: Request) -> Response:
        body = request.get_data()
        self.received.append((body, dict(request.headers)))
        if self.fail_next > 0:
            self.fail_next -= 1
            return Response("sink overloaded", status=503)
        signature = request.headers.get("X-Signature", "")
        if not hmac.compare_digest(signature, self.expected_signature(body)):
            return Response("bad signature", status=401)
        self.accepted.append(body)
        return Response(status=204)
