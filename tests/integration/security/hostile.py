"""A loopback provider that fails every piece of work and echoes the caller's key back.

It answers ``GET …/models`` (so the start-up probe lets a run begin) and fails everything else
with HTTP 500 whose body quotes the ``Authorization`` header and the start of the request: a
careless error path that copies a provider's answer into a log, a record or a message would
carry the key with it. Each provider gets its own path prefix, so a test can also check that
every key went only to its own provider.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Seen:
    """One request the server received: method, path, the Authorization header and the body."""

    method: str
    path: str
    authorization: str
    body: bytes


@dataclass
class Hostile:
    """The running server: its base address and every request it received."""

    base: str = ""
    seen: list[Seen] = field(default_factory=list)

    def url(self, provider: str) -> str:
        """Return the base URL a provider's setting points at (``{base}/{provider}/v1``)."""
        return f"{self.base}/{provider}/v1"


def _handler(state: Hostile) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            auth = self.headers.get("Authorization", "")
            state.seen.append(Seen(self.command, self.path, auth, body))
            payload: dict[str, object]
            if self.command == "GET" and self.path.endswith("/models"):
                status, payload = 200, {"object": "list", "data": [{"id": "m", "object": "model"}]}
            else:
                echo = f"upstream refused {auth!r} for {body[:120].decode('utf-8', 'replace')}"
                status, payload = 500, {"error": {"message": echo, "type": "server_error"}}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def hostile_server() -> Iterator[Hostile]:
    """Run the hostile provider on a free loopback port for the duration of the block."""
    state = Hostile()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
