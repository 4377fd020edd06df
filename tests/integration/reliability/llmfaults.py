"""A loopback OpenAI-compatible chat server: a healthy small model, or any fault on cue.

It is the ``faults`` server with chat completions on top. Healthy, it answers each request as a
model would, streamed when asked: a forced tool call gets the arguments the test set for that
form (``forms``), other requests a short text. Faults apply to ``/chat/completions`` only (the
start-up check's ``GET /models`` always answers) and come as a chat client meets them: 429 with
Retry-After, 500, 503, a reset connection, a hang past the task's timeout, a stream cut off
mid-JSON, an HTML page, a stream that never ends (the same sentence over and over) and a 200
of binary garbage.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.integration.reliability.faults import FaultServer, fault, fault_server, send

CHAT = "/chat/completions"
ENDLESS_SENTENCE = "We bake croissants every morning at dawn. "
ENDLESS_S = 20.0  # a client that never hangs up still ends the test
HANG_S = 12.0  # past every task's timeout at the tests' timeout scale (the script's is longest)
LLM_FAULTS = ["429", "500", "503", "reset", "timeout", "truncated", "html", "endless", "garbage"]


def _event(data: dict[str, Any] | str) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data)
    return f"data: {text}\n\n".encode()


def _start_stream(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/event-stream")
    h.send_header("Cache-Control", "no-cache")
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": 0,
            "model": "standin", "choices": [{"index": 0, "delta": delta,
                                             "finish_reason": finish}]}


def tool_name(body: dict[str, Any]) -> str | None:
    """Return the tool a request forces, if any."""
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        return str(choice.get("function", {}).get("name") or "") or None
    return None


class ModelStandIn:
    """Answers chat requests as a healthy model: canned form arguments by tool name."""

    def __init__(self, forms: dict[str, dict[str, Any]] | None = None) -> None:
        self.forms = forms or {}
        self.text = "Happy to help with your video."

    def __call__(self, h: BaseHTTPRequestHandler, raw: bytes) -> None:
        if h.command == "GET":
            send(h, 200, json.dumps({"data": [{"id": "standin"}]}).encode(), "application/json")
            return
        body = json.loads(raw or b"{}")
        name = tool_name(body)
        if name is not None:
            args = json.dumps(self.forms.get(name, {}))
            message: dict[str, Any] = {"content": None, "tool_calls": [
                {"index": 0, "id": "call_1", "type": "function",
                 "function": {"name": name, "arguments": args}}]}
            finish = "tool_calls"
        else:
            form = next(iter(self.forms.values()), {}) if body.get("response_format") else None
            message = {"content": json.dumps(form) if form is not None else self.text}
            finish = "stop"
        if body.get("stream"):
            _start_stream(h)
            h.wfile.write(_event(_chunk({"role": "assistant", **message})))
            h.wfile.write(_event(_chunk({}, finish)))
            h.wfile.write(_event("[DONE]"))
            h.wfile.flush()
            return
        message.pop("index", None)
        for call in message.get("tool_calls") or []:
            call.pop("index", None)
        whole = {"id": "chatcmpl-standin", "object": "chat.completion", "created": 0,
                 "model": "standin", "choices": [{"index": 0, "finish_reason": finish,
                                                  "message": {"role": "assistant", **message}}],
                 "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
        send(h, 200, json.dumps(whole).encode(), "application/json")


def llm_fault(h: BaseHTTPRequestHandler, mode: str, retry_after: str, raw: bytes) -> None:
    """Answer a chat request with one fault, streamed the way a chat server would stream it."""
    streamed = bool(json.loads(raw or b"{}").get("stream"))
    if mode == "truncated" and streamed:  # the stream stops inside a JSON event
        _start_stream(h)
        h.wfile.write(_event(_chunk({"role": "assistant", "content": "We "})))
        h.wfile.write(b'data: {"id": "chatcmpl-standin", "choices": [{"delta": {"content": "ba')
        h.wfile.flush()
    elif mode == "truncated":
        send(h, 200, b'{"id": "chatcmpl-standin", "choices": [{"message": {"content": "ba',
             "application/json")
    elif mode == "endless" and streamed:  # a model that never stops: one sentence, again
        _start_stream(h)
        h.wfile.write(_event(_chunk({"role": "assistant", "content": ""})))
        end = time.monotonic() + ENDLESS_S
        while time.monotonic() < end:
            for word in ENDLESS_SENTENCE.split(" "):
                h.wfile.write(_event(_chunk({"content": word + " "})))
            h.wfile.flush()
            time.sleep(0.002)
    elif mode == "timeout":  # no answer at all until long after the client gave up
        time.sleep(HANG_S)
    else:
        fault(h, mode, retry_after)


@contextmanager
def llm_server(forms: dict[str, dict[str, Any]] | None = None) -> Iterator[FaultServer]:
    """Serve a chat model stand-in on loopback; set ``faults`` on it to make it misbehave."""
    with fault_server() as server:
        server.only = CHAT
        server.then = ModelStandIn(forms)
        server.answer_fault = llm_fault
        yield server


def chat_posts(server: FaultServer) -> list[dict[str, Any]]:
    """Return the bodies of the chat requests the server received, in order."""
    return [json.loads(body or b"{}")
            for (method, path, _), body in zip(server.requests, server.bodies, strict=True)
            if method == "POST" and path.endswith(CHAT)]
