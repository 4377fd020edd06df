"""A loopback OpenAI-compatible server that replays a real model's recorded answers.

Each chat-completions request is keyed by the hash of its JSON body (keys sorted), so the real
client stack (langchain-openai, the OpenAI SDK, httpx, HTTP) sends exactly what it would send to
the model and parses exactly what the model answered, streamed or not. With an ``upstream`` base
URL, a request the cassette lacks is forwarded there, relayed as it arrives and recorded; no
request header is ever stored. Stand-in behaviours live under ``/standin/<kind>/v1``: ``500``,
``garbage``, ``endless`` (a stream that never ends), ``slow`` (answers after ``slow_s``),
``whole`` (ignores ``stream``: one JSON completion) and ``refuse-tools`` (HTTP 400 to any
request offering tools, else the cassette).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

CASSETTES = Path(__file__).resolve().parent / "cassettes"
ENDLESS_PIECE = "We fix flat tyres while you wait. "
ENDLESS_LIMIT = 5000  # chunks; a client that never hangs up still ends the test
# What a server that ignores ``stream`` sends: one whole completion, its call written as text.
WHOLE_ANSWER = {
    "id": "c1",
    "object": "chat.completion",
    "model": "local",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": '```json\n{"subject": "bike shop"}\n```'},
        }
    ],
    "usage": {"prompt_tokens": 50, "completion_tokens": 12, "total_tokens": 62},
}


def request_key(body: dict[str, Any]) -> str:
    """Return the cassette key of a request: a hash of its body with keys sorted."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


@dataclass
class Cassette:
    """Recorded answers of one test module: request key → status, content type and body."""

    path: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def load(cls, name: str) -> Cassette:
        path = CASSETTES / f"{name}.json"
        entries = json.loads(path.read_text("utf-8"))["entries"] if path.is_file() else {}
        return cls(path=path, entries=entries)

    def save(self) -> None:
        """Write the cassette when something was recorded (sorted, so diffs stay small)."""
        if not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"entries": dict(sorted(self.entries.items()))}
        self.path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")
        self.dirty = False


@dataclass
class Replay:
    """The running server: its base URL, what it received and what it could not answer."""

    cassette: Cassette
    upstream: str | None = None
    slow_s: float = 5.0
    port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def standin(self, kind: str) -> str:
        """Return the base URL of a stand-in behaviour (500, garbage, endless, slow, ...)."""
        return f"http://127.0.0.1:{self.port}/standin/{kind}/v1"


def summary(body: dict[str, Any]) -> dict[str, Any]:
    """Return what a person needs to recognise a recorded request (not the whole body)."""
    messages = body.get("messages") or []
    last = str(messages[-1].get("content", "")) if messages else ""
    tool = (
        (body.get("tool_choice") or {}).get("function", {}).get("name")
        if isinstance(body.get("tool_choice"), dict)
        else None
    )
    mode = "tool" if body.get("tools") else "json" if body.get("response_format") else "text"
    return {
        "binding": mode,
        "tool": tool,
        "max_tokens": body.get("max_tokens"),
        "last": last[-300:],
    }


def compact(body: str) -> str:
    """Return an answer as the client reads it, smaller: keep-alive pings out, JSON unspaced.

    Every event's data is the server's own, re-serialized without spaces; a body that is not a
    stream of JSON events is kept byte for byte.
    """
    if not body.lstrip().startswith(("data:", ":")):
        return body
    events = []
    for line in body.splitlines():
        if not line.startswith("data:"):
            continue  # comments (": ping - …") and blank separators
        data = line[5:].strip()
        with contextlib.suppress(ValueError):  # "[DONE]" stays as it is
            data = json.dumps(json.loads(data), separators=(",", ":"), ensure_ascii=False)
        events.append(f"data: {data}\n\n")
    return "".join(events)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, "application/json", json.dumps({"data": [{"id": "local"}]}))
        else:
            self._send(404, "application/json", '{"error": "not found"}')

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        state = self.server.state
        with state.lock:
            state.received.append(body)
        kind = self.path.split("/standin/")[1].split("/")[0] if "/standin/" in self.path else ""
        if kind == "500":
            self._send(500, "application/json", '{"error": {"message": "model crashed"}}')
        elif kind == "garbage":
            self._send(200, "application/json", "<html>502 upstream hiccup</html>")
        elif kind == "endless":
            self._endless()
        elif kind == "slow":
            time.sleep(state.slow_s)
            self._answer(body)
        elif kind == "whole":
            self._send(200, "application/json", json.dumps(WHOLE_ANSWER))
        elif kind == "refuse-tools" and body.get("tools"):
            self._send(400, "application/json", '{"error": {"message": "tools unsupported"}}')
        else:
            self._answer(body)

    def _answer(self, body: dict[str, Any]) -> None:
        state = self.server.state
        key = request_key(body)
        entry = state.cassette.entries.get(key)
        with state.lock:
            state.used.add(key)
        if entry is not None:
            self._send(entry["status"], entry["content_type"], entry["body"])
            return
        if state.upstream is None:
            with state.lock:
                state.misses.append(key)
            message = f"no cassette entry {key}; record with PRODUCER_TEST_LLM_RECORD=1"
            self._send(599, "application/json", json.dumps({"error": {"message": message}}))
            return
        self._record(key, body)

    def _record(self, key: str, body: dict[str, Any]) -> None:
        """Forward to the real server, relay the answer as it comes and keep it."""
        state = self.server.state
        assert state.upstream is not None
        url = state.upstream.rstrip("/") + "/chat/completions"
        pieces: list[bytes] = []
        with httpx.stream("POST", url, json=body, timeout=900) as response:
            kind = response.headers.get("content-type", "application/json")
            self._start(response.status_code, kind)
            try:
                for piece in response.iter_raw():
                    pieces.append(piece)
                    self.wfile.write(piece)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return  # the client hung up (timeout or runaway): nothing complete to keep
        with state.lock:
            state.cassette.entries[key] = {
                "request": summary(body),
                "status": response.status_code,
                "content_type": kind,
                "body": compact(b"".join(pieces).decode("utf-8")),
            }
            state.cassette.dirty = True

    def _endless(self) -> None:
        self._start(200, "text/event-stream")
        chunk = {
            "id": "c1",
            "object": "chat.completion.chunk",
            "model": "local",
            "choices": [{"index": 0, "delta": {"content": ENDLESS_PIECE}, "finish_reason": None}],
        }
        line = f"data: {json.dumps(chunk)}\n\n".encode()
        try:
            for _ in range(ENDLESS_LIMIT):
                self.wfile.write(line)
                self.wfile.flush()
                time.sleep(0.002)
        except (BrokenPipeError, ConnectionResetError):
            return

    def _start(self, status: int, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Connection", "close")
        self.end_headers()

    def _send(self, status: int, kind: str, text: str) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: Replay) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


def serve(state: Replay) -> _Server:
    """Start the loopback server for ``state`` in a thread; return it (call ``shutdown``)."""
    server = _Server(state)
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, name="llm-replay", daemon=True).start()
    return server
