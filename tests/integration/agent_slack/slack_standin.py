"""A loopback stand-in for the Slack Web API, shared by the HTTP-events and Socket Mode tests.

It answers the methods the app calls (auth.test, chat.postMessage, chat.update, the three calls
of files_upload_v2, apps.connections.open) and records every call in order with the token that
made it, so a test reads what the app said the way a person reads the thread, and can tell the
bot token from the app-level one.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    body: bytes = b""
    ts: str = ""  # the message a chat call posted or edited
    thread_ts: str = ""  # the thread it is in
    token: str = ""  # the bearer token the call carried


@dataclass
class SlackStandIn:
    """Answer Slack Web API methods on loopback and record every call, in order."""

    calls: list[Call] = field(default_factory=list)
    threads: dict[str, str] = field(default_factory=dict)  # message ts -> its thread's ts
    names: dict[str, str] = field(default_factory=dict)  # file id -> the filename we chose
    bodies: dict[str, bytes] = field(default_factory=dict)  # file id -> the bytes uploaded
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    socket_url: str = ""  # what apps.connections.open hands out
    refused: set[str] = field(default_factory=set)  # tokens answered with invalid_auth

    def answer(self, method: str, args: dict[str, Any], body: bytes, token: str = "") -> Any:
        call = Call(method, args, body, token=token)
        with self.lock:
            self.calls.append(call)
            n = len(self.calls)
            if method == "chat.postMessage":
                call.ts = f"{1000 + n}.000100"
                call.thread_ts = self.threads[call.ts] = str(args.get("thread_ts") or call.ts)
            elif method == "chat.update":
                call.ts = str(args.get("ts"))
                call.thread_ts = self.threads.get(call.ts, "")
            elif method == "files.completeUploadExternal":
                call.thread_ts = str(args.get("thread_ts") or "")
        if token in self.refused:
            return {"ok": False, "error": "invalid_auth"}
        if method == "apps.connections.open":
            if not token.startswith("xapp-"):
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self.socket_url}
        if method == "auth.test":
            return {
                "ok": True,
                "team_id": "T1",
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "user": "producer",
                "team": "Test",
            }
        if method in ("chat.postMessage", "chat.update"):
            return {
                "ok": True,
                "channel": args.get("channel"),
                "ts": call.ts,
                "message": {"text": args.get("text", "")},
            }
        if method == "files.getUploadURLExternal":
            self.names[f"F{n}"] = str(args.get("filename"))
            return {"ok": True, "upload_url": f"{self.url}/upload/F{n}", "file_id": f"F{n}"}
        if method == "files.completeUploadExternal":
            files = json.loads(args.get("files", "[]"))
            return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in files]}
        if method.startswith("upload/"):
            self.bodies[method.removeprefix("upload/")] = body
            return {}
        return {"ok": False, "error": "unknown_method"}

    def filenames(self, complete: Call) -> list[str]:
        """Return the filenames one files_upload_v2 call uploaded."""
        return [self.names[f["id"]] for f in json.loads(complete.args.get("files", "[]"))]

    def find(self, method: str, pred: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method and pred(c)]

    def _missing(self, method: str, timeout: float) -> AssertionError:
        with self.lock:
            seen = [(c.method, str(c.args.get("text", ""))[:80]) for c in self.calls]
        return AssertionError(f"no {method} within {timeout} s; calls: {seen}")

    def wait(self, method: str, pred: Callable[[Call], bool], timeout: float = 30) -> Call:
        """Wait for a matching call: events are acknowledged first and handled after."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if found := self.find(method, pred):
                return found[-1]
            time.sleep(0.05)
        raise self._missing(method, timeout)

    async def until(self, method: str, pred: Callable[[Call], bool], timeout: float = 30) -> Call:
        """Wait like ``wait`` without blocking the event loop the app under test runs on."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if found := self.find(method, pred):
                return found[-1]
            await asyncio.sleep(0.05)
        raise self._missing(method, timeout)


def handler(stand_in: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    """Return a request handler that decodes Web API calls the way the SDK sends them."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path, _, query = self.path.partition("?")
            method = path.strip("/").removeprefix("api/")
            kind = self.headers.get("Content-Type", "")
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            # The SDK sends arguments as a query string, a form or JSON, depending on the method.
            args: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
            if "json" in kind and body:
                args.update(json.loads(body))
            elif "x-www-form-urlencoded" in kind:
                args.update({k: v[0] for k, v in parse_qs(body.decode()).items()})
            out = stand_in.answer(method, args, body, token)
            upload = method.startswith("upload/")
            data = f"OK - {len(body)}".encode() if upload else json.dumps(out).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain" if upload else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def web_api() -> Iterator[SlackStandIn]:
    """Serve a stand-in on a free loopback port for the duration of the block."""
    api = SlackStandIn()
    http = ThreadingHTTPServer(("127.0.0.1", 0), handler(api))
    api.url = f"http://127.0.0.1:{http.server_address[1]}"
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        yield api
    finally:
        http.shutdown()
        http.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def event_callback(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    """Wrap an event the way Slack delivers it, over HTTP or inside a Socket Mode envelope."""
    return {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
    }
