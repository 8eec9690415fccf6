"""`python -m service` (or `make serve`): the HTTP service on HOST:PORT (127.0.0.1:8080)."""

from __future__ import annotations

import sys

import uvicorn

from service.app import create_app
from service.settings import ServiceSettings


def main() -> int:
    settings = ServiceSettings.from_env()
    print(
        f"Serving {settings.paths.snapshot_path} (read-only snapshot) "
        f"on http://{settings.host}:{settings.port}",
        file=sys.stderr,
    )
    # Access logs are the service's own JSON lines (service/access_log.py), not uvicorn's.
    # h11 refuses a request head still incomplete past its limit (16 KiB by default), so a long
    # URL was answered or cut off depending on how the bytes arrived; 256 KiB, always the same.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,
        h11_max_incomplete_event_size=256 * 1024,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
