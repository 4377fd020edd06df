"""Serve Producer in Slack: a slack-bolt ``AsyncApp`` behind Starlette (``producer slack``).

slack-bolt is used directly rather than Chainlit's Slack handler: the Web API client is
injected (its ``base_url`` comes from settings, so tests point it at a loopback stand-in),
the thread key is ours, uploads carry our names, and one Slack thread is one conversation.
Events are acknowledged first (bolt answers Slack before the listener runs) and handled after.
Requests are verified by bolt: a bad signature or a timestamp over five minutes old gets 401.
A production runs inside the session, so Slack's renders queue in the same bounded pool as the
web chat's (``agent.chat.render_pool``, ``PRODUCER_RENDER_WORKERS`` at once, first come first).
The same app and listeners also run over Socket Mode, for apps without a public URL
(``agent.slack.socket_mode``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from agent.chat.session import Session
from agent.settings import Settings
from agent.slack.render import ACTION_PREFIX, ThreadReply

log = logging.getLogger("producer.slack")

EVENTS_PATH = "/slack/events"
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
# Message subtypes that are a person talking; edits, joins and bot posts are not.
_SPOKEN_SUBTYPES = {None, "file_share", "thread_broadcast"}


class SlackSettings(BaseSettings):
    """Read the Slack app's credentials and API address from ``PRODUCER_SLACK_*``."""

    model_config = SettingsConfigDict(
        env_prefix="PRODUCER_SLACK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr = SecretStr("")
    signing_secret: SecretStr = SecretStr("")
    app_token: SecretStr = SecretStr("")  # app-level xapp- token: connect by Socket Mode
    api_base_url: str = "https://slack.com/api/"
    progress_interval_s: float = 3.0

    @property
    def socket_mode(self) -> bool:
        """Socket Mode is the default whenever the app-level token is set."""
        return bool(self.app_token.get_secret_value())

    def require(self, socket: bool | None = None) -> None:
        """Fail early with one line naming the variable (never its value) when one is wrong.

        HTTP events need the signing secret to verify Slack's requests; Socket Mode
        (``socket``, by default when the app token is set) needs the app-level token instead.
        """
        socket = self.socket_mode if socket is None else socket
        if not self.bot_token.get_secret_value():
            raise ValueError("PRODUCER_SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
        if not socket:
            if not self.signing_secret.get_secret_value():
                raise ValueError(
                    "PRODUCER_SLACK_SIGNING_SECRET is not set: HTTP events need it to verify"
                    " Slack's requests (or set PRODUCER_SLACK_APP_TOKEN to connect by Socket"
                    " Mode, which needs no signing secret)"
                )
            return
        app_token = self.app_token.get_secret_value()
        if not app_token:
            raise ValueError(
                "PRODUCER_SLACK_APP_TOKEN is not set: Socket Mode needs the app-level token"
                " (xapp-…, scope connections:write); the signing secret is not needed"
            )
        if not app_token.startswith("xapp-"):
            raise ValueError(
                "PRODUCER_SLACK_APP_TOKEN is not an app-level token: it starts with xapp-"
                " (Basic Information → App-Level Tokens, scope connections:write)"
            )


def thread_key(channel: str, ts: str, thread_ts: str | None = None) -> str:
    """Return the conversation key of a Slack thread (the thread's first message ts)."""
    return f"slack:{channel}:{thread_ts or ts}"


class SlackProducer:
    """Run the user's words from Slack through the session, one turn per thread at a time."""

    def __init__(self, client: AsyncWebClient, progress_interval_s: float = 3.0) -> None:
        self.client = client
        self.session: Session | None = None
        self.progress_interval_s = progress_interval_s
        self._locks: dict[str, asyncio.Lock] = {}
        # Slack may deliver one message as both app_mention and message.im, or retry it.
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def first_time(self, channel: str, ts: str) -> bool:
        """Return False for a message already handled."""
        key = (channel, ts)
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > 2000:
            self._seen.popitem(last=False)
        return True

    async def turn(
        self, channel: str, thread_ts: str, text: str, turn_id: str | None = None
    ) -> None:
        """Send ``text`` into the thread's conversation and post what comes back."""
        key = thread_key(channel, thread_ts)
        if self.session is not None:  # a change request stops the thread's running re-cut now
            self.session.supersede(key, text)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            reply = ThreadReply(self.client, channel, thread_ts, self.progress_interval_s)
            if self.session is None:
                await reply.say(":hourglass: I am still starting up; say that again in a moment.")
                return
            try:
                # The message's own id: a delivery another app process already ran is skipped.
                async for ev in self.session.send(key, text, turn_id=turn_id):
                    await reply.render(ev)
            except Exception as exc:  # a failed turn is reported in the thread; the log has more
                log.exception("turn failed in %s", key)
                await reply.say(f":warning: That turn failed: {exc}")

    async def on_message(self, event: dict[str, Any]) -> None:
        """Handle a direct message or a mention: strip the mention and answer in its thread."""
        if event.get("bot_id") or event.get("subtype") not in _SPOKEN_SUBTYPES:
            return
        channel, ts = str(event.get("channel", "")), str(event.get("ts", ""))
        if not channel or not ts or not self.first_time(channel, ts):
            return
        text = _MENTION.sub("", str(event.get("text", ""))).strip()
        if not text:
            text = "hello"
        await self.turn(channel, str(event.get("thread_ts") or ts), text, f"{channel}:{ts}")

    async def on_button(self, body: dict[str, Any]) -> None:
        """Send a clicked button's words, and replace the buttons with who chose what."""
        action = (body.get("actions") or [{}])[0]
        words = str(action.get("value", ""))
        channel = str((body.get("channel") or {}).get("id", ""))
        message = body.get("message") or {}
        ts = str(message.get("ts", ""))
        if not words or not channel or not ts:
            return
        label = (action.get("text") or {}).get("text", words)
        user = (body.get("user") or {}).get("id", "")
        kept = [b for b in message.get("blocks", []) if b.get("type") != "actions"]
        chosen = {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"→ *{label}*" + (f" (chosen by <@{user}>)" if user else ""),
                }
            ],
        }
        await self.client.chat_update(
            channel=channel, ts=ts, text=str(message.get("text", label)), blocks=[*kept, chosen]
        )
        await self.turn(channel, str(message.get("thread_ts") or ts), words)


def web_client(slack: SlackSettings) -> AsyncWebClient:
    """Return the Web API client for the bot token, at the configured API address."""
    return AsyncWebClient(token=slack.bot_token.get_secret_value(), base_url=slack.api_base_url)


def build_bolt_app(slack: SlackSettings, producer: SlackProducer) -> AsyncApp:
    """Wire Slack's events and button clicks to the producer, for HTTP and Socket Mode alike."""
    app = AsyncApp(
        client=producer.client,
        # The token is the client's; bolt checks it with auth.test on the first request.
        # Bolt verifies HTTP requests with the secret and skips Socket Mode envelopes, which
        # arrive on a socket the app itself opened with the app-level token.
        signing_secret=slack.signing_secret.get_secret_value(),
    )

    async def on_mention(event: dict[str, Any]) -> None:
        await producer.on_message(event)

    async def on_message(event: dict[str, Any]) -> None:
        # Every message event is acknowledged (an unhandled one would be retried by Slack);
        # only direct messages are answered, channels need a mention.
        if event.get("channel_type") == "im":
            await producer.on_message(event)

    async def on_button(ack: Callable[[], Awaitable[None]], body: dict[str, Any]) -> None:
        await ack()
        await producer.on_button(body)

    app.event("app_mention")(on_mention)
    app.event("message")(on_message)
    app.action(re.compile(f"^{ACTION_PREFIX}"))(on_button)
    return app


def create_app(
    settings: Settings | None = None,
    slack: SlackSettings | None = None,
    client: AsyncWebClient | None = None,
    scale: float | None = None,
) -> Starlette:
    """Return the ASGI app: ``POST /slack/events`` plus a health check; opens the session."""
    settings = settings or Settings()
    slack = slack or SlackSettings()
    slack.require(socket=False)
    client = client or web_client(slack)
    producer = SlackProducer(client, slack.progress_interval_s)
    handler = AsyncSlackRequestHandler(build_bolt_app(slack, producer))

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Opened on the server's loop: the session's SQLite saver is bound to the loop that made it.
        async with Session.open(settings, scale=scale) as session:
            producer.session = session
            yield
            producer.session = None

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route(EVENTS_PATH, events, methods=["POST"]), Route("/health", health)],
        lifespan=lifespan,
    )
    app.state.producer = producer
    return app
