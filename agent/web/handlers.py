"""Register the web chat's Chainlit handlers: starters, settings, messages, buttons, shutdown.

``install`` checks the settings, masks their secrets in every log line, asks for a password
when ``PRODUCER_WEB_PASSWORD`` is set, configures the UI, routes media and registers a
``WebChat``'s handlers; ``app.py`` calls it when ``chainlit run app.py`` loads the app, so
importing this module does nothing. A
typed message, a button click, an uploaded file or a settings change becomes the person's words
in one thread; nothing here decides anything about the production.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.config import config as cl_config
from chainlit.input_widget import MultiSelect, Select, Slider
from chainlit.server import app as server_app
from pydantic import ValidationError

from agent.chat.present import settings_message
from agent.settings import Settings, hide_secrets, settings_problem
from agent.web.auth import install_password, request_user
from agent.web.media import MediaRoutes
from agent.web.render import ACTION
from agent.web.turns import SessionHolder, in_background, message_turn, run_turn
from agent.web.uploads import as_named
from tools.common.huge_pages import turn_off_huge_pages
from tools.handoffs import PLATFORMS

log = logging.getLogger("producer.web")

VOICES = {
    "warm": "warm baritone, unhurried",
    "bright": "bright and upbeat",
    "calm": "calm and clear",
}
# (label, first sentence): one per use case, so a newcomer knows what to say.
STARTERS = (
    ("Cold brew reel", "I need a 20 second reel for our new cold brew, warm and cinematic"),
    ("Sneaker drop ad", "A 15 second ad for our Aero Runner sneaker launch, energetic and bold"),
    ("Science explainer", "Explain photosynthesis in 30 seconds for high school students"),
    ("Creator routine", "An 18 second TikTok about my 5 AM writing habit, calm and personal"),
)
_SLACK_VARS = ("SLACK_WEBSOCKET_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")


def _drop_slack_tokens() -> None:
    """Keep Chainlit's own Slack handler off: Slack is served by ``producer slack`` instead.

    With these set Chainlit runs its own Slack handler: its HTTP route is added before the app
    loads (so ``make web`` clears them), its socket handler after (so they are dropped here too).
    """
    for var in _SLACK_VARS:
        if os.environ.pop(var, None) is not None:
            log.warning("ignoring %s: Slack runs as `producer slack`, not inside the web chat", var)


def _configure_ui() -> None:
    """Set the chat's name and upload rules in code: .chainlit/ is generated, not committed."""
    cl_config.ui.name = "Producer"
    cl_config.ui.description = "A producer that makes short videos with you, offline."
    cl_config.ui.cot = "full"
    upload = cl_config.features.spontaneous_file_upload
    if upload is not None:
        # Any type reaches the session, which answers a non-image or an oversized image in words.
        upload.enabled = True
        upload.accept = ["*/*"]
        upload.max_files = 4
        upload.max_size_mb = 100


class WebChat:
    """The web chat's handlers over the process's one session and media routes."""

    def __init__(self, media: MediaRoutes, holder: SessionHolder) -> None:
        self.media, self.holder = media, holder

    async def _turn(
        self, text: str, attachments: list[Path] | None = None, turn_id: str | None = None
    ) -> None:
        await run_turn(self.holder, self.media, text, attachments, turn_id)

    async def starters(
        self, user: cl.User | None = None, language: str | None = None
    ) -> list[cl.Starter]:
        """Offer a first sentence for each use case, so a newcomer knows what to say."""
        return [cl.Starter(label=label, message=message) for label, message in STARTERS]

    async def on_chat_start(self) -> None:
        """Offer the brief's settings (platforms, duration, voice) in the composer."""
        values = await cl.ChatSettings(
            [
                MultiSelect(
                    id="platforms",
                    label="Platforms",
                    initial=["reels"],
                    items={p: p for p in PLATFORMS},
                ),
                Slider(
                    id="duration_s", label="Duration (seconds)", initial=20, min=5, max=90, step=5
                ),
                Select(id="voice", label="Voice", initial_value="warm", items=VOICES),
            ]
        ).send()
        cl.user_session.set("settings_seen", dict(values))

    async def on_settings_update(self, values: dict[str, Any]) -> None:
        """Tell the producer what changed, in words, as if the person had typed it."""
        seen: dict[str, Any] = cl.user_session.get("settings_seen") or {}
        text = settings_message(values, seen, VOICES)
        cl.user_session.set("settings_seen", dict(values))
        if text:
            await cl.Message(content=text, type="user_message", author="You").send()
            await self._turn(text)

    async def on_message(self, message: cl.Message) -> None:
        """Pass the person's words and any uploaded files to the session, once per message."""
        attachments = [as_named(Path(e.path), e.name) for e in message.elements if e.path]
        await self._turn(message.content, attachments, message_turn(message.id, message.content))

    async def on_action(self, action: cl.Action) -> None:
        """Send a button's words as the person's, shown in the chat as theirs."""
        words = str(action.payload.get("message", ""))
        if not words:
            return
        await cl.Message(content=words, type="user_message", author="You").send()
        # The button's id names the turn: a double click (or a resent click) runs it once.
        in_background(self._turn(words, turn_id=f"button:{action.id}"))

    async def on_app_shutdown(self) -> None:
        """Close the session's checkpointer cleanly."""
        await self.holder.close()


def _settings() -> Settings:
    """Return the settings, or stop the server with one line naming what is wrong."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise SystemExit(f"producer web: {settings_problem(exc)}") from None
    hide_secrets(settings)
    return settings


def install() -> WebChat:
    """Check settings, guard the door, configure the UI, route media, register the handlers."""
    settings = _settings()
    if not settings.huge_pages:
        turn_off_huge_pages()  # the chat renders and judges videos in this process
    _drop_slack_tokens()
    install_password(settings.web_password, cl_config.run.host)
    _configure_ui()
    media = MediaRoutes(identify=request_user)
    media.install(server_app.router.routes)
    chat = WebChat(media, SessionHolder())
    cl.set_starters(chat.starters)
    cl.on_chat_start(chat.on_chat_start)
    cl.on_settings_update(chat.on_settings_update)
    cl.on_message(chat.on_message)
    cl.action_callback(ACTION)(chat.on_action)
    cl.on_app_shutdown(chat.on_app_shutdown)
    return chat
