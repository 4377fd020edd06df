"""Connect Producer to Slack by Socket Mode, for workspaces whose apps have no public URL.

The app opens a websocket to Slack (its address comes from ``apps.connections.open``, asked with
the app-level ``xapp-`` token) and Slack sends events and button clicks down it. It is the same
``AsyncApp``, listeners and injected Web API client as HTTP events (``agent.slack.app``), so the
client's ``base_url`` decides where the socket address is asked for too. Each envelope is
acknowledged on the socket before its listener runs, as bolt acknowledges HTTP events. Nothing
arrives over HTTP, so there is nothing to verify and no signing secret.

Both tokens are tried once at start, so a wrong one stops ``producer slack`` with one line naming
its variable (never its value) instead of a reconnect loop in the log.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.websockets import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from websockets.exceptions import WebSocketException

from agent.chat.session import Session
from agent.settings import Settings
from agent.slack.app import SlackProducer, SlackSettings, build_bolt_app, web_client

log = logging.getLogger("producer.slack")
# The socket client's own logger: the SDK logs every socket close, even a clean one, as an error.

APP_TOKEN = "PRODUCER_SLACK_APP_TOKEN"
BOT_TOKEN = "PRODUCER_SLACK_BOT_TOKEN"
# What to do about Slack's usual refusals; any other error code is named as it is.
_HINTS = {
    "invalid_auth": "the token is wrong or was revoked",
    "not_authed": "the token is empty",
    "token_revoked": "the token was revoked",
    "account_inactive": "the app was uninstalled or its token revoked",
    "not_allowed_token_type": "it must be the app-level token (xapp-…), not the bot token",
    "missing_scope": "the app-level token needs the connections:write scope",
}
# Query strings (a socket address carries a ticket) and anything shaped like a Slack token.
_SECRETS = re.compile(r"\?\S*|\bx(?:app|ox[abpe])-\S+")
_UNREACHABLE = (SlackClientError, aiohttp.ClientError, OSError, TimeoutError)


class _CleanCloseFilter(logging.Filter):
    """Drop the receive error the SDK logs when the socket closes normally (code 1000).

    It appears on every shutdown and every clean close by Slack, which the SDK then reconnects;
    neither is a failure, and an error line at each Ctrl-C would teach people to ignore errors.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "ConnectionClosedOK" not in record.getMessage()


@functools.cache
def socket_log() -> logging.Logger:
    """Return the socket client's logger, quiet about clean closes; filtered once, on first use."""
    logger = logging.getLogger("producer.slack.socket")
    logger.addFilter(_CleanCloseFilter())
    return logger


class SlackRefused(ValueError):
    """Slack turned a token down, or could not be reached, at start: a setting to fix."""


def _one_line(exc: BaseException) -> str:
    """Describe an error on one line with anything secret-looking taken out."""
    text = _SECRETS.sub("…", " ".join(str(exc).split()))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _checked(call: Awaitable[Any], variable: str, api: str) -> Any:
    """Await one Web API call made with ``variable``'s token; refusals become ``SlackRefused``."""
    try:
        return await call
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "error")
        hint = _HINTS.get(error)
        raise SlackRefused(
            f"Slack refused {variable} ({error}" + (f": {hint})" if hint else ")")
        ) from None
    except _UNREACHABLE as exc:
        raise SlackRefused(
            f"could not reach the Slack Web API at {api} to check {variable} ({_one_line(exc)})"
        ) from None


@asynccontextmanager
async def connect(
    settings: Settings,
    slack: SlackSettings,
    client: AsyncWebClient | None = None,
    scale: float | None = None,
) -> AsyncIterator[SlackProducer]:
    """Open the session, check both tokens, connect the socket; close both on the way out.

    The session is open before the socket connects, since events may follow the hello at once.
    """
    slack.require(socket=True)
    client = client or web_client(slack)
    app_token = slack.app_token.get_secret_value()
    producer = SlackProducer(client, slack.progress_interval_s)
    app = build_bolt_app(slack, producer)
    async with Session.open(settings, scale=scale) as session:
        await _checked(client.auth_test(), BOT_TOKEN, slack.api_base_url)
        opened = await _checked(
            client.apps_connections_open(app_token=app_token), APP_TOKEN, slack.api_base_url
        )
        # Made here, on the running loop: the socket client starts its message task when built.
        handler = AsyncSocketModeHandler(app, app_token, logger=socket_log(), web_client=client)
        # The address just issued is used, not a second one asked for: the method is rate-limited.
        handler.client.wss_uri = str(opened["url"])
        producer.session = session
        try:
            try:
                await handler.connect_async()
            except (WebSocketException, OSError, TimeoutError) as exc:
                raise SlackRefused(
                    f"could not open the Socket Mode connection Slack offered ({_one_line(exc)})"
                ) from None
            log.info("connected to Slack by Socket Mode")
            yield producer
        finally:
            producer.session = None
            await handler.close_async()


async def serve(
    settings: Settings,
    slack: SlackSettings,
    scale: float | None = None,
    ready: Callable[[], None] | None = None,
) -> None:
    """Stay connected until SIGINT or SIGTERM, then close the socket and the session cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        with suppress(NotImplementedError):  # no loop signal handlers on Windows
            loop.add_signal_handler(sig, stop.set)
    try:
        async with connect(settings, slack, scale=scale):
            if ready is not None:
                ready()
            await stop.wait()
    finally:
        for sig in signals:
            with suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
