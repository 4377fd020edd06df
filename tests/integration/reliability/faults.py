"""A loopback HTTP server that answers each request with the next fault of a script.

One server stands in for any provider API (LLM, image, speech, video): ``faults`` is a list of
mode names taken one per request; when it runs out, ``then`` answers (a handler the test gives,
or ``always`` repeats the last fault). Every request is recorded as (method, path). With
``only`` set, only requests to paths ending so take faults; ``answer_fault`` lets a stand-in
shape a fault its own way (``llmfaults`` streams them as a chat model would).
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ["429", "500", "503", "reset", "timeout", "truncated", "html", "endless", "garbage"]
# The faults after which a well-behaved client has a usable answer only by retrying.
TRANSIENT = ["429", "500", "503", "reset", "timeout", "endless"]
HANG_S = 3.0

Answer = Callable[[BaseHTTPRequestHandler, bytes], None]


def send(h: BaseHTTPRequestHandler, status: int, body: bytes, kind: str,
         headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", kind)
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def fault(h: BaseHTTPRequestHandler, mode: str, retry_after: str) -> None:
    """Answer with one fault."""
    if mode in ("429", "500", "503"):
        extra = {"Retry-After": retry_after} if mode == "429" else {}
        send(h, int(mode), b'{"error": {"message": "busy"}}', "application/json", extra)
    elif mode == "reset":  # RST instead of an answer
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
        h.close_connection = True
    elif mode == "timeout":
        time.sleep(HANG_S)
    elif mode == "truncated":
        send(h, 200, b'{"data": [{"b64_json": "iVBORw0KGgo', "application/json")
    elif mode == "html":
        send(h, 200, b"<html><body>Service temporarily unavailable</body></html>", "text/html")
    elif mode == "garbage":
        send(h, 200, bytes(range(256)) * 4, "application/json")
    elif mode == "endless":
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        end = time.monotonic() + 2 * HANG_S
        while time.monotonic() < end:
            h.wfile.write(b"400\r\n" + b" " * 1024 + b"\r\n")
            h.wfile.flush()
            time.sleep(0.01)
    else:
        raise ValueError(mode)


class FaultServer:
    """The server's script and record."""

    def __init__(self) -> None:
        self.faults: list[str] = []
        self.always = False
        self.retry_after = "1"
        self.then: Answer | None = None
        self.requests: list[tuple[str, str, float]] = []
        self.modes: list[str] = []  # what each request was answered with
        self.bodies: list[bytes] = []
        self.lock = threading.Lock()
        self.url = ""
        self.only = ""  # when set, only requests to paths ending so take faults (not GET /models)
        self.answer_fault: Callable[[BaseHTTPRequestHandler, str, str, bytes], None] = (
            lambda h, mode, retry_after, _body: fault(h, mode, retry_after)
        )

    def next_mode(self) -> str | None:
        with self.lock:
            if not self.faults:
                return None
            return self.faults[0] if self.always and len(self.faults) == 1 else self.faults.pop(0)

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        size = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(size) if size else b""
        with self.lock:
            self.requests.append((h.command, h.path, time.monotonic()))
            self.bodies.append(body)
        mode = self.next_mode() if h.path.split("?")[0].endswith(self.only) else None
        with self.lock:
            self.modes.append(mode or "ok")
        try:
            if mode is not None:
                self.answer_fault(h, mode, self.retry_after, body)
            elif self.then is not None:
                self.then(h, body)
            else:
                send(h, 200, b"{}", "application/json")
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the client gave up, as it should

    def posts(self, path: str) -> int:
        return len(self.answers("POST", path))

    def submissions(self, path: str) -> dict[bytes, list[str]]:
        """Group POSTs to ``path`` by their uploaded file's name; list each one's answers."""
        out: dict[bytes, list[str]] = {}
        for (m, p, _), mode, body in zip(self.requests, self.modes, self.bodies, strict=True):
            found = re.search(rb'filename="([^"]+)"', body)
            if m == "POST" and p.endswith(path):
                out.setdefault(found.group(1) if found else body, []).append(mode)
        return out

    def answers(self, method: str, path: str) -> list[str]:
        """Return what each ``method`` request to ``path`` was answered with, in order."""
        return [mode for (m, p, _), mode in zip(self.requests, self.modes, strict=True)
                if m == method and p.endswith(path)]


@contextmanager
def fault_server() -> Iterator[FaultServer]:
    """Serve a FaultServer on a loopback port for the duration of a test."""
    state = FaultServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            state.handle(self)

        def do_POST(self) -> None:
            state.handle(self)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
