"""A real HTTP server on 127.0.0.1 that misbehaves on cue, written on raw sockets.

A framework server cannot lie about Content-Length or cut a body half-way, which is what a
broken proxy or a crashed upstream does; this one can. Each path has a script: a queue of
behaviours used one per request, then `ok` for ever after.

Behaviours:
- `ok`: 200 with the path's body.
- `status:<code>[:<retry-after>]`: that status with a short text body (and Retry-After).
- `slow_headers:<seconds>`: wait, then answer `ok` (past the loader's timeout: a read timeout).
- `slow_body:<seconds>`: send the headers and half the body, wait, then the rest.
- `reset_mid_body`: announce the whole Content-Length, send half, close the connection.
- `truncated`: 200 with the first half of the body as the whole body (a valid response).
- `empty`: 200 with an empty body.
- `html`: 200 with an HTML error page, as a misconfigured gateway sends.
- `stall_mid_body`: send half the body, set `stalled`, and wait until `release` is set.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server is unavailable.</p></body></html>"
)


@dataclass
class SeenRequest:
    path: str
    query: str
    headers: dict[str, str]
    behaviour: str


@dataclass
class FaultyUpstream:
    bodies: dict[str, bytes] = field(default_factory=dict)
    scripts: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    seen: list[SeenRequest] = field(default_factory=list)
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        upstream = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                upstream._handle(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes, *script: str) -> str:
        """Serve `body` at `path` after the behaviours of `script`; return the URL."""
        with self._lock:
            self.bodies[path] = body
            self.scripts[path] = deque(script)
        return self.url(path)

    def requests_to(self, path: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.seen if r.path == path]

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, conn: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(65536)
            if not chunk:
                return
            head += chunk
        request_line, *header_lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        target = request_line.split(" ")[1]
        parts = urlsplit(target)
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        with self._lock:
            script = self.scripts[parts.path]
            behaviour = script.popleft() if script else "ok"
            body = self.bodies.get(parts.path)
            self.seen.append(SeenRequest(parts.path, parts.query, headers, behaviour))
        if body is None:
            self._send(conn, 404, b"no such path")
            return
        self._act(conn, behaviour, body)

    def _act(self, conn: socket.socket, behaviour: str, body: bytes) -> None:
        name, _, arg = behaviour.partition(":")
        half = body[: len(body) // 2]
        if name == "ok":
            self._send(conn, 200, body)
        elif name == "status":
            code, _, retry_after = arg.partition(":")
            extra = {"Retry-After": retry_after} if retry_after else {}
            self._send(conn, int(code), f"status {code}".encode(), extra)
        elif name == "slow_headers":
            time.sleep(float(arg))
            self._send(conn, 200, body)
        elif name == "slow_body":
            self._send_head(conn, 200, len(body))
            conn.sendall(half)
            time.sleep(float(arg))
            conn.sendall(body[len(half) :])
        elif name == "reset_mid_body":
            self._send_head(conn, 200, len(body))
            conn.sendall(half)
            # Linger 0: close() sends a reset instead of a clean end of stream.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        elif name == "truncated":
            self._send(conn, 200, half)
        elif name == "empty":
            self._send(conn, 200, b"")
        elif name == "html":
            self._send(conn, 200, HTML_ERROR_PAGE, content_type="text/html")
        elif name == "stall_mid_body":
            self._send_head(conn, 200, len(body))
            conn.sendall(half)
            self.stalled.set()
            self.release.wait(timeout=60)
        else:
            raise ValueError(f"unknown behaviour {behaviour!r}")

    def _send_head(
        self,
        conn: socket.socket,
        status: int,
        length: int,
        extra: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        lines = [
            f"HTTP/1.1 {status} X",
            f"Content-Type: {content_type}",
            f"Content-Length: {length}",
            "Connection: close",
        ]
        lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def _send(
        self,
        conn: socket.socket,
        status: int,
        body: bytes,
        extra: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        self._send_head(conn, status, len(body), extra, content_type)
        conn.sendall(body)
