"""The Slack app end to end: real slack-bolt behind uvicorn, a loopback stand-in for Slack's API.

Signed Events API requests go in over HTTP exactly as Slack sends them; what the app says back
arrives at the stand-in as Web API calls (chat.postMessage, chat.update, the three calls of
files_upload_v2), which the tests read the way a person reads the thread.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
import uvicorn

from agent.settings import Settings
from agent.slack_app import SlackSettings, create_app

pytestmark = pytest.mark.integration
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SCALE = 1 / 6


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    body: bytes = b""
    ts: str = ""  # the message a chat call posted or edited
    thread_ts: str = ""  # the thread it is in


@dataclass
class SlackStandIn:
    """Answer Slack Web API methods on loopback and record every call, in order."""

    calls: list[Call] = field(default_factory=list)
    threads: dict[str, str] = field(default_factory=dict)  # message ts -> its thread's ts
    names: dict[str, str] = field(default_factory=dict)  # file id -> the filename we chose
    bodies: dict[str, bytes] = field(default_factory=dict)  # file id -> the bytes uploaded
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def answer(self, method: str, args: dict[str, Any], body: bytes) -> dict[str, Any]:
        call = Call(method, args, body)
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

    def wait(self, method: str, pred: Callable[[Call], bool], timeout: float = 30) -> Call:
        """Wait for a matching call: events are acknowledged first and handled after."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if found := self.find(method, pred):
                return found[-1]
            time.sleep(0.05)
        with self.lock:
            seen = [(c.method, str(c.args.get("text", ""))[:80]) for c in self.calls]
        raise AssertionError(f"no {method} within {timeout} s; calls: {seen}")


def _handler(stand_in: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path, _, query = self.path.partition("?")
            method = path.strip("/").removeprefix("api/")
            kind = self.headers.get("Content-Type", "")
            # The SDK sends arguments as a query string, a form or JSON, depending on the method.
            args: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
            if "json" in kind and body:
                args.update(json.loads(body))
            elif "x-www-form-urlencoded" in kind:
                args.update({k: v[0] for k, v in parse_qs(body.decode()).items()})
            out = stand_in.answer(method, args, body)
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SlackApp:
    url: str
    api: SlackStandIn

    def post(
        self, body: str, *, ts: int | None = None, secret: str = SECRET, form: bool = False
    ) -> httpx.Response:
        """POST a request signed like Slack: v0= + HMAC-SHA256(secret, v0:{ts}:{body})."""
        stamp = str(int(time.time()) if ts is None else ts)
        sig = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
        headers = {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": "v0=" + sig.hexdigest(),
            "Content-Type": "application/x-www-form-urlencoded" if form else "application/json",
        }
        return httpx.post(f"{self.url}/slack/events", content=body, headers=headers, timeout=10)

    def say(
        self,
        channel: str,
        text: str,
        ts: str,
        thread_ts: str | None = None,
        kind: str = "message",
        **extra: Any,
    ) -> str:
        event = {
            "type": kind,
            "channel": channel,
            "user": "U1",
            "text": text,
            "ts": ts,
            "channel_type": "im" if kind == "message" else "channel",
            **extra,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        body = {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": f"Ev{ts.replace('.', '')}",
            "event_time": int(time.time()),
            "event": event,
        }
        resp = self.post(json.dumps(body))
        assert resp.status_code == 200, resp.text
        return ts

    def click(self, channel: str, message: Call, button: dict[str, Any]) -> None:
        """Send a block_actions payload for a button of a message the app posted."""
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": "U1"},
            "api_app_id": "A1",
            "channel": {"id": channel},
            "container": {"type": "message", "message_ts": message.ts, "channel_id": channel},
            "message": {
                "ts": message.ts,
                "text": message.args.get("text", ""),
                "thread_ts": message.thread_ts,
                "blocks": message.args.get("blocks", []),
            },
            "actions": [
                {
                    "action_id": button["action_id"],
                    "block_id": "producer_actions",
                    "value": button["value"],
                    "text": button["text"],
                    "type": "button",
                }
            ],
        }
        resp = self.post(urlencode({"payload": json.dumps(payload)}), form=True)
        assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackApp]:
    api = SlackStandIn()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.url = f"http://127.0.0.1:{http.server_address[1]}"
    threading.Thread(target=http.serve_forever, daemon=True).start()
    data = tmp_path_factory.mktemp("slack") / "data"
    app = create_app(
        Settings(data_dir=data, render_scale=SCALE),
        SlackSettings(
            bot_token="xoxb-test",
            signing_secret=SECRET,
            api_base_url=f"{api.url}/api/",
            progress_interval_s=0.5,
        ),
        scale=SCALE,
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < end, "the Slack app did not start"
        time.sleep(0.05)
    yield SlackApp(f"http://127.0.0.1:{port}", api)
    server.should_exit = True
    thread.join(timeout=15)
    http.shutdown()


def _in_thread(channel: str, thread_ts: str) -> Callable[[Call], bool]:
    return lambda c: (
        c.args.get("channel", c.args.get("channel_id")) == channel and (c.thread_ts == thread_ts)
    )


def _buttons(call: Call) -> list[dict[str, Any]]:
    return [
        e
        for b in call.args.get("blocks") or []
        if b.get("type") == "actions"
        for e in b["elements"]
    ]


def _button(
    api: SlackStandIn, channel: str, thread_ts: str, label: str, timeout: float = 60
) -> tuple[Call, dict[str, Any]]:
    pattern = re.compile(label, re.I)

    def has(c: Call) -> bool:
        return _in_thread(channel, thread_ts)(c) and any(
            pattern.search(b["text"]["text"]) for b in _buttons(c)
        )

    # Buttons come in a new message or are added to the turn's last one with chat.update.
    end = time.monotonic() + timeout
    while not (found := api.find("chat.postMessage", has) + api.find("chat.update", has)):
        assert time.monotonic() < end, f"no {label} button in {channel}/{thread_ts}"
        time.sleep(0.05)
    call = max(found, key=api.calls.index)
    return call, next(b for b in _buttons(call) if pattern.search(b["text"]["text"]))


def _chose(message: Call) -> Callable[[Call], bool]:
    """Match the edit that replaces a message's buttons with the choice made."""
    return lambda c: (
        c.ts == message.ts and "→" in json.dumps(c.args.get("blocks") or [], ensure_ascii=False)
    )


def test_url_verification_is_answered_with_the_challenge(slack: SlackApp) -> None:
    body = json.dumps({"type": "url_verification", "token": "t", "challenge": "c4allenge"})
    resp = slack.post(body)
    assert resp.status_code == 200 and "c4allenge" in resp.text


def test_bad_signature_or_stale_timestamp_gets_401(slack: SlackApp) -> None:
    event = {
        "type": "event_callback",
        "event": {
            "type": "message",
            "channel": "DBAD",
            "channel_type": "im",
            "user": "U1",
            "text": "hello",
            "ts": "5.0",
        },
    }
    body = json.dumps(event)
    assert slack.post(body, secret="not-the-secret").status_code == 401
    assert slack.post(body, ts=int(time.time()) - 6 * 60).status_code == 401
    time.sleep(0.5)
    assert not slack.api.find("chat.postMessage", lambda c: c.args.get("channel") == "DBAD")


def test_mention_in_a_channel_is_answered_in_its_thread(slack: SlackApp) -> None:
    ch = "C0MENTION"
    slack.say(ch, "bot chatter", "7.0", bot_id="BOTHER", kind="message")
    ts = slack.say(
        ch, "<@UBOT> I need a 15 second reel for our sneaker launch", "8.0", kind="app_mention"
    )
    reply = slack.api.wait("chat.postMessage", _in_thread(ch, ts), timeout=30)
    assert reply.args["text"].strip()
    assert "<@UBOT>" not in reply.args["text"]
    assert not slack.api.find("chat.postMessage", _in_thread(ch, "7.0"))
    assert slack.api.find("auth.test"), "bolt checks the bot token with auth.test"


def test_direct_message_conversation_to_published_files(slack: SlackApp) -> None:
    ch, api = "D0CONVO", slack.api
    top = slack.say(
        ch, "I need a 20 second reel for our new cold brew, warm and cinematic", "100.0"
    )
    api.wait("chat.postMessage", _in_thread(ch, top))
    slack.say(ch, "go", "101.0", thread_ts=top)
    for label in (r"^lock", r"^approve"):
        message, button = _button(api, ch, top, label)
        slack.click(ch, message, button)
        # The clicked buttons are replaced by who chose what, so a choice cannot be made twice.
        chosen = api.wait("chat.update", _chose(message))
        assert not _buttons(chosen) and button["text"]["text"] in json.dumps(
            chosen.args["blocks"], ensure_ascii=False
        )
    # Production: one progress message edited in place, then the cut is uploaded in the thread.
    cut = api.wait(
        "files.completeUploadExternal",
        lambda c: (
            c.args.get("thread_ts") == top and any(n.endswith(".mp4") for n in api.filenames(c))
        ),
        timeout=90,
    )
    assert cut.args.get("channel_id") == ch
    assert api.find(
        "chat.update", lambda c: c.args.get("channel") == ch and "✅" in str(c.args.get("text", ""))
    )
    assert not any(n.startswith("tmp") for n in api.names.values())
    video_id = next(
        f["id"] for f in json.loads(cut.args["files"]) if api.names[f["id"]].endswith(".mp4")
    )
    assert api.bodies[video_id][4:8] == b"ftyp"  # an MP4 arrived, not a path or an error text
    message, button = _button(api, ch, top, r"^publish")
    slack.click(ch, message, button)
    done = api.wait(
        "files.completeUploadExternal",
        lambda c: c.args.get("thread_ts") == top and c is not cut and len(api.filenames(c)) >= 2,
        timeout=60,
    )
    names = api.filenames(done)
    assert any(n.endswith(".mp4") for n in names), names
    assert any(n.endswith((".png", ".jpg")) for n in names), names
    assert done.args.get("initial_comment")


def test_reply_text_keeps_slack_limits(tmp_path: Path) -> None:
    from agent.slack_render import chunks, mrkdwn, upload_name

    assert mrkdwn("**Lock** it, see [the cut](http://x/y)") == "*Lock* it, see <http://x/y|the cut>"
    parts = chunks(["a" * 2000, "b" * 2000, "c" * 5000])
    assert all(len(p) <= 3000 for p in parts) and len(parts) == 3
    assert upload_name("Cold Brew — reels", tmp_path / "video.mp4") == "cold-brew-reels.mp4"
