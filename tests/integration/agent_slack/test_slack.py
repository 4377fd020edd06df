"""The Slack app end to end: real slack-bolt behind uvicorn, a loopback stand-in for Slack's API.

Signed Events API requests go in over HTTP exactly as Slack sends them; what the app says back
arrives at the stand-in (``slack_standin``) as Web API calls (chat.postMessage, chat.update, the
three calls of files_upload_v2), which the tests read the way a person reads the thread.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn

from agent.settings import Settings
from agent.slack.app import SlackSettings, create_app
from tests.integration.agent_slack.slack_standin import (
    Call,
    SlackStandIn,
    event_callback,
    free_port,
    web_api,
)

pytestmark = pytest.mark.integration
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SCALE = 1 / 6


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
        body = event_callback(event, f"Ev{ts.replace('.', '')}")
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


@contextmanager
def serve_slack(settings: Settings, scale: float) -> Iterator[SlackApp]:
    """Serve the real Slack app (slack-bolt behind uvicorn) on loopback, talking to a stand-in."""
    with web_api() as api:
        app = create_app(
            settings,
            SlackSettings(
                bot_token="xoxb-test",
                signing_secret=SECRET,
                api_base_url=f"{api.url}/api/",
                progress_interval_s=0.5,
            ),
            scale=scale,
        )
        port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        end = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < end, "the Slack app did not start"
            time.sleep(0.05)
        try:
            yield SlackApp(f"http://127.0.0.1:{port}", api)
        finally:
            server.should_exit = True
            thread.join(timeout=15)


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackApp]:
    data = tmp_path_factory.mktemp("slack") / "data"
    with serve_slack(Settings(data_dir=data, render_scale=SCALE), SCALE) as app:
        yield app


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
    from agent.slack.render import chunks, mrkdwn, upload_name

    assert mrkdwn("**Lock** it, see [the cut](http://x/y)") == "*Lock* it, see <http://x/y|the cut>"
    parts = chunks(["a" * 2000, "b" * 2000, "c" * 5000])
    assert all(len(p) <= 3000 for p in parts) and len(parts) == 3
    assert upload_name("Cold Brew — reels", tmp_path / "video.mp4") == "cold-brew-reels.mp4"
