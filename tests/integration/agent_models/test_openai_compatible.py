"""The OpenAI-compatible path over real HTTP: a loopback server speaking chat completions."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from pydantic import SecretStr

from agent.brain import calls
from agent.brain.script import written
from agent.models import make_chat_model
from agent.offline.model import OfflineChatModel
from agent.settings import Settings
from tools.handoffs import Brief, MusicDirection, StyleAnchor, SubjectReference, VoicePersona

pytestmark = pytest.mark.integration

KEY = "sk-loopback-secret-42"
BRIEF = Brief(
    title="Aurora", use_case="ecommerce", goal="sell lamps", audience="home office workers",
    platforms=["reels"], duration_s=12, key_message="Light that follows your day",
    cta="Shop Aurora today", subject="the Aurora desk lamp", languages=["en", "es"],
)
ANCHOR = StyleAnchor(
    words=["warm", "cinematic"], palette=["#C8864B", "#1F2933", "#F5F7FA"],
    lighting="golden hour", camera_tone="slow", composition="rule of thirds",
    subject=SubjectReference(name="desk lamp", icon="lightbulb", silhouette="arched arm"),
    voice=VoicePersona(name="warm baritone"), music=MusicDirection(mood="warm"),
)
FORM = {
    "hook": "Your desk deserves better light.",
    "scenes": [
        {"narration": "Your desk deserves better.", "on_screen_text": "Better light",
         "visual": "desk lamp in shadow", "motion": "push_in"},
        {"narration": "Meet the Aurora desk lamp.", "on_screen_text": "Meet Aurora",
         "visual": "the Aurora desk lamp, warm", "motion": "pan_right"},
        {"narration": "Shop Aurora today.", "on_screen_text": "Shop Aurora today",
         "visual": "lamp hero", "motion": "pull_out"},
    ],
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Loopback:
    """What the server received, and the function that answers each request."""

    answer: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]
    received: list[Received] = field(default_factory=list)
    base_url: str = ""


def completion(message: dict[str, Any], finish: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-loopback", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", **message},
                     "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def tool_call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    call = {"id": "call_1", "type": "function",
            "function": {"name": name, "arguments": json.dumps(args)}}
    return completion({"content": None, "tool_calls": [call]}, finish="tool_calls")


@pytest.fixture
def server() -> Iterator[Loopback]:
    state = Loopback(answer=lambda body: (200, completion({"content": "hi"})))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.received.append(Received(self.path, headers, body))
            status, payload = state.answer(body)
            if "sse" in payload:  # a streamed answer: one event per chunk, then [DONE]
                events = [f"data: {json.dumps(c)}\n\n" for c in payload["sse"]]
                data = ("".join(events) + "data: [DONE]\n\n").encode()
                kind = "text/event-stream"
            else:
                data, kind = json.dumps(payload).encode(), "application/json"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("retry-after-ms", "10")  # keep the SDK's retry backoff short
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def settings_for(server: Loopback, retries: int = 0) -> Settings:
    return Settings(
        llm_provider="openai", llm_base_url=server.base_url, llm_api_key=SecretStr(KEY),
        llm_model="loopback-model", llm_timeout_s=5, llm_max_retries=retries,
    )


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


def streamed_call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Return a tool call as a streaming server sends it: the call, then its finish."""
    call = {"index": 0, "id": "call_1", "type": "function",
            "function": {"name": name, "arguments": json.dumps(args)}}
    first = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {"sse": [
        {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
         "choices": [{"index": 0, "delta": first, "finish_reason": None}]},
        {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
         "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]}


def test_the_brain_writes_the_script_over_http_with_a_forced_tool_call(server: Loopback) -> None:
    calls.forget_bindings()
    server.answer = lambda body: (200, streamed_call("script", FORM))
    model = make_chat_model(settings_for(server))

    script, note = written(BRIEF, ANCHOR, model)

    assert note == "" and abs(script.duration_s - 12.0) <= 0.01
    assert [s.motion for s in script.scenes] == ["push_in", "pan_right", "pull_out"]
    assert script.scenes[0].narration == "Your desk deserves better."
    assert script.scenes[0].captions["es"] == "Your desk deserves better."  # every language
    assert script.scenes[-1].narration == "Shop Aurora today."
    (request,) = server.received
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["model"] == "loopback-model" and request.body["stream"] is True
    assert request.body["tools"][0]["function"]["name"] == "script"
    assert request.body["tool_choice"]["function"]["name"] == "script"  # forced
    assert "response_format" not in request.body  # a tool call, not json_schema
    prompt = request.body["messages"][-1]["content"]
    assert BRIEF.key_message in prompt and ANCHOR.lighting in prompt


def test_plain_reply_has_think_text_stripped(server: Loopback) -> None:
    content = "<think>the user wants a greeting</think>\n\nHello from the server"
    server.answer = lambda body: (200, completion({"content": content}))
    reply = make_chat_model(settings_for(server)).invoke("hello")
    assert reply.text == "Hello from the server"
    assert "tools" not in server.received[0].body


def stream_chunk(text: str) -> dict[str, Any]:
    return {"id": "chatcmpl-loopback", "object": "chat.completion.chunk", "created": 0,
            "model": "m", "choices": [{"index": 0, "delta": {"content": text},
                                       "finish_reason": None}]}


def test_streamed_reply_has_think_text_stripped_across_chunks(server: Loopback) -> None:
    pieces = ["<thi", "nk>weighing options", "</th", "ink>Hel", "lo <", "3"]
    server.answer = lambda body: (200, {"sse": [stream_chunk(p) for p in pieces]})
    streamed = "".join(c.text for c in make_chat_model(settings_for(server)).stream("hi"))
    assert streamed == "Hello <3"
    assert server.received[0].body["stream"] is True


def test_bound_tool_call_comes_back_parsed(server: Loopback) -> None:
    @tool
    def publish_video(platform: str) -> str:
        """Publish the finished video to a platform."""
        return platform

    server.answer = lambda body: (200, tool_call("publish_video", {"platform": "tiktok"}))
    model = make_chat_model(settings_for(server)).bind_tools([publish_video])
    message = model.invoke("publish to tiktok")
    assert isinstance(message, AIMessage)
    assert message.tool_calls[0]["name"] == "publish_video"
    assert message.tool_calls[0]["args"] == {"platform": "tiktok"}
    sent = server.received[0].body
    assert [t["function"]["name"] for t in sent["tools"]] == ["publish_video"]


def test_server_errors_end_in_the_builtin_script_and_a_note_without_the_key(
    server: Loopback,
) -> None:
    calls.forget_bindings()
    server.answer = lambda body: (500, {"error": {"message": "model crashed", "type": "server"}})
    model = make_chat_model(settings_for(server, retries=1))
    script, note = written(BRIEF, ANCHOR, model)
    assert script == written(BRIEF, ANCHOR, OfflineChatModel())[0]  # the built-in writer's
    assert note == (
        "The model server answered with an error, so I used my built-in writer for this step."
    )
    # One request per binding (tool, JSON, text) and no client retries queued behind them.
    assert len(server.received) == 3 and KEY not in note
