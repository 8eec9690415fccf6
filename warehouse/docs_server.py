"""`make docs-serve`: serve the static dbt docs site on 127.0.0.1 (a browser, no file:// quirks).

Only the one self-contained page is served, at `/`: nothing else of dbt's target folder
(compiled SQL, run results) is reachable. The port is DOCS_PORT (default 8081), away from the
service's 8080, so both can run at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from warehouse.build import target_dir
from warehouse.docs_site import STATIC_PAGE

DEFAULT_PORT = 8081


class DocsPageHandler(BaseHTTPRequestHandler):
    """Answers GET / (and /index.html) with the docs page; 404 for anything else."""

    def __init__(self, *args, page: Path, **kwargs) -> None:
        self.page = page
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (the name http.server dispatches to)
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path not in ("/", "/index.html", f"/{STATIC_PAGE}"):
            self.send_error(HTTPStatus.NOT_FOUND, "only the docs page is served here: open /")
            return
        body = self.page.read_bytes()  # read per request: `make docs` may have rebuilt it
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        sys.stderr.write(f"docs-serve: {self.address_string()} {format % args}\n")


def make_server(page: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server for `page` on 127.0.0.1:`port` (0 picks a free port); call serve_forever()."""
    return ThreadingHTTPServer(("127.0.0.1", port), partial(DocsPageHandler, page=page))


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {port}")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.docs_server", description=__doc__)
    parser.add_argument(
        "--port",
        type=_port,
        default=os.environ.get("DOCS_PORT") or DEFAULT_PORT,
        help=f"port on 127.0.0.1 (DOCS_PORT, default {DEFAULT_PORT})",
    )
    args = parser.parse_args(argv)
    page = target_dir() / STATIC_PAGE
    if not page.exists():
        print(f"No docs site at {page}: run `make docs` first.", file=sys.stderr)
        return 1
    try:
        server = make_server(page, int(args.port))
    except OSError as exc:
        reason = exc.strerror or exc
        print(f"docs-serve: cannot listen on 127.0.0.1:{args.port}: {reason}", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    print(f"Serving the dbt docs site at http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
