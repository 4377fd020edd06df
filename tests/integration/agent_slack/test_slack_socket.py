"""Slack over Socket Mode end to end: real slack-bolt and slack_sdk against two loopback stand-ins.

The Web API stand-in (``slack_standin``, shared with the HTTP-events tests) answers
``apps.connections.open`` with the address of a loopback websockets server that plays Slack's
end of the socket: it says hello, sends ``events_api`` envelopes the way Slack does, and expects
each one acknowledged on the socket within two seconds; what the app says back arrives at the
stand-in as Web API calls. Every wait is bounded, so a broken connection fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from agent.cli.main import main
from agent.settings import Settings
from agent.slack.app import SlackSettings
from agent.slack.socket_mode import SlackRefused, connect
from tests.integration.agent_slack.slack_standin import Call, SlackStandIn, event_callback, web_api

pytestmark = pytest.mark.integration
SCALE = 1 / 6
BOT, APP = "xoxb-test-bot", "xapp-1-A1-test-app"
ACK_WITHIN_S = 2.0


@dataclass
class SocketEnd:
    """Play Slack's end of the Socket Mode websocket and collect what the app sends back."""

    connections: asyncio.Queue[ServerConnection] = field(default_factory=asyncio.Queue)
    received: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    sent: int = 0

    async def handle(self, ws: ServerConnection) -> None:
        await ws.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "loopback", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "A1"},
                }
            )
        )
        await self.connections.put(ws)
        async for raw in ws:
            await self.received.put(json.loads(raw))

    async def deliver(self, ws: ServerConnection, event: dict[str, Any]) -> float:
        """Send one event as an events_api envelope; return how long its ack took."""
        self.sent += 1
        envelope_id = f"env-{self.sent}"
        payload = event_callback({"user": "U1", **event}, f"Ev{self.sent}")
        start = time.monotonic()
        await ws.send(
            json.dumps(
                {
                    "envelope_id": envelope_id,
                    "type": "events_api",
                    "accepts_response_payload": False,
                    "retry_attempt": 0,
                    "retry_reason": "",
                    "payload": payload,
                }
            )
        )
        async with asyncio.timeout(ACK_WITHIN_S):
            while True:
                ack = await self.received.get()
                if ack.get("envelope_id") == envelope_id:
                    return time.monotonic() - start


@asynccontextmanager
async def socket_slack(
    data: Path, app_token: str = APP, bot_token: str = BOT
) -> AsyncIterator[tuple[SlackStandIn, SocketEnd, ServerConnection]]:
    """Run the app by Socket Mode against both stand-ins; yield once Slack's end has it."""
    end = SocketEnd()
    with web_api() as api:
        async with serve(end.handle, "127.0.0.1", 0) as ws_server:
            port = ws_server.sockets[0].getsockname()[1]
            api.socket_url = f"ws://127.0.0.1:{port}/link/?ticket=t-1&app_id=A1"
            slack = SlackSettings(
                bot_token=bot_token,
                app_token=app_token,
                api_base_url=f"{api.url}/api/",
                progress_interval_s=0.5,
            )
            async with connect(Settings(data_dir=data, render_scale=SCALE), slack, scale=SCALE):
                ws = await asyncio.wait_for(end.connections.get(), timeout=5)
                yield api, end, ws


def _in_thread(channel: str, thread_ts: str) -> Callable[[Call], bool]:
    return lambda c: c.args.get("channel") == channel and c.thread_ts == thread_ts


async def test_socket_mode_acks_events_and_answers_in_their_threads(tmp_path: Path) -> None:
    async with asyncio.timeout(60), socket_slack(tmp_path / "data") as (api, end, ws):
        (opened,) = api.find("apps.connections.open")
        assert opened.token == APP, "the socket address is asked for with the app-level token"

        ch = "C0SOCKET"
        took = await end.deliver(
            ws,
            {
                "type": "app_mention",
                "channel": ch,
                "text": "<@UBOT> I need a 15 second reel for our sneaker launch",
                "ts": "200.0",
            },
        )
        assert took < ACK_WITHIN_S
        reply = await api.until("chat.postMessage", _in_thread(ch, "200.0"), timeout=30)
        assert reply.args["text"].strip() and "<@UBOT>" not in reply.args["text"]
        assert reply.token == BOT, "replies are posted with the bot token"

        # A direct message inside an existing thread is answered in that thread.
        dm = "D0SOCKET"
        await end.deliver(
            ws,
            {
                "type": "message",
                "channel": dm,
                "channel_type": "im",
                "text": "a 20 second reel for our cold brew",
                "ts": "301.0",
                "thread_ts": "300.0",
            },
        )
        await api.until("chat.postMessage", _in_thread(dm, "300.0"), timeout=30)
        assert not api.find("chat.postMessage", _in_thread(dm, "301.0"))


async def test_producer_slack_connects_by_socket_mode_and_stops_cleanly_on_sigint(
    data_dir: Path,
) -> None:
    """The command itself: Socket Mode because the app token is set, no flag; Ctrl-C ends it."""
    end = SocketEnd()
    with web_api() as api:
        async with asyncio.timeout(90), serve(end.handle, "127.0.0.1", 0) as ws_server:
            port = ws_server.sockets[0].getsockname()[1]
            api.socket_url = f"ws://127.0.0.1:{port}/link/?ticket=t-2&app_id=A1"
            env = {
                **os.environ,
                "PRODUCER_SLACK_BOT_TOKEN": BOT,
                "PRODUCER_SLACK_APP_TOKEN": APP,
                "PRODUCER_SLACK_API_BASE_URL": f"{api.url}/api/",
                "PRODUCER_RENDER_SCALE": str(SCALE),
            }
            env.pop("PRODUCER_SLACK_SIGNING_SECRET", None)
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "agent.cli.main",
                "slack",
                env=env,
                cwd=data_dir.parent,  # no .env of the developer's
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                assert proc.stdout is not None
                line = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
                assert b"Socket Mode" in line, line
                ws = await asyncio.wait_for(end.connections.get(), timeout=5)
                ch = "D0CLI"
                await end.deliver(
                    ws,
                    {
                        "type": "message",
                        "channel": ch,
                        "channel_type": "im",
                        "text": "hi",
                        "ts": "9.0",
                    },
                )
                await api.until("chat.postMessage", _in_thread(ch, "9.0"), timeout=30)
                proc.send_signal(signal.SIGINT)
                _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
    assert proc.returncode == 0, err.decode()
    assert not err.strip(), err.decode()


def _one_line_naming(message: str, variable: str, *secrets: str) -> None:
    assert variable in message and "\n" not in message, message
    assert not any(s and s in message for s in secrets), message


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        ({"bot_token": BOT}, "PRODUCER_SLACK_APP_TOKEN"),
        ({"bot_token": BOT, "app_token": "xoxb-pasted-bot-token"}, "PRODUCER_SLACK_APP_TOKEN"),
        ({"app_token": APP}, "PRODUCER_SLACK_BOT_TOKEN"),
    ],
)
def test_socket_mode_settings_are_named_when_missing_or_wrong(
    settings: dict[str, str], variable: str
) -> None:
    with pytest.raises(ValueError) as err:
        SlackSettings(**settings).require(socket=True)
    _one_line_naming(str(err.value), variable, *settings.values())
    assert "SIGNING_SECRET" not in str(err.value).split(":")[0]


def test_the_signing_secret_is_needed_for_http_events_only() -> None:
    SlackSettings(bot_token=BOT, app_token=APP).require()  # Socket Mode: no secret needed
    with pytest.raises(ValueError, match=r"PRODUCER_SLACK_SIGNING_SECRET.*Socket Mode"):
        SlackSettings(bot_token=BOT, app_token=APP).require(socket=False)


@pytest.mark.parametrize(
    ("refused", "variable"),
    [(APP, "PRODUCER_SLACK_APP_TOKEN"), (BOT, "PRODUCER_SLACK_BOT_TOKEN")],
)
async def test_a_token_slack_refuses_stops_the_start_in_one_line(
    tmp_path: Path, refused: str, variable: str
) -> None:
    async with asyncio.timeout(30):
        with web_api() as api:
            api.refused.add(refused)
            slack = SlackSettings(bot_token=BOT, app_token=APP, api_base_url=f"{api.url}/api/")
            with pytest.raises(SlackRefused) as err:
                async with connect(Settings(data_dir=tmp_path / "data"), slack, scale=SCALE):
                    pytest.fail("connected with a refused token")
    _one_line_naming(str(err.value), variable, BOT, APP)
    assert "invalid_auth" in str(err.value)


def test_cli_without_the_app_token_says_which_variable_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in ("BOT_TOKEN", "SIGNING_SECRET", "APP_TOKEN", "API_BASE_URL"):
        monkeypatch.delenv(f"PRODUCER_SLACK_{name}", raising=False)
    monkeypatch.setenv("PRODUCER_SLACK_BOT_TOKEN", BOT)
    assert main(["slack", "--socket"]) == 2
    err = capsys.readouterr().err.strip()
    _one_line_naming(err, "PRODUCER_SLACK_APP_TOKEN", BOT)
    monkeypatch.setenv("PRODUCER_SLACK_APP_TOKEN", "not-an-app-token")
    assert main(["slack"]) == 2
    _one_line_naming(capsys.readouterr().err.strip(), "PRODUCER_SLACK_APP_TOKEN", "not-an-app")
