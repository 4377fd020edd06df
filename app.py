"""Serve Producer as a web chat: ``chainlit run app.py`` (``make web``).

A thin front end over ``agent.chat.session.Session``: a typed message, a button click, an uploaded
reference image or a settings change becomes the user's words in one thread, and every event the
session yields is rendered in order — text, a step per production stage, images, the video, the
scene table, buttons and downloads. Nothing here decides anything about the production.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.config import config as cl_config
from chainlit.input_widget import MultiSelect, Select, Slider
from chainlit.server import app as server_app
from chainlit.utils import utc_now

from agent.chat.present import settings_message, step_detail, step_label, table_markdown
from agent.chat.session import Event, Session
from agent.settings import Settings
from agent.web.media import MediaRoutes
from tools.handoffs import PLATFORMS

log = logging.getLogger("producer.web")

# With these set Chainlit runs its own Slack handler: its HTTP route is added before this module
# loads (so `make web` clears them), its socket handler after (so they are dropped here too).
# Slack is served by `producer slack` in its own process instead (see agent/slack_app.py).
for _var in ("SLACK_WEBSOCKET_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
    if os.environ.pop(_var, None) is not None:
        log.warning("ignoring %s: Slack runs as `producer slack`, not inside the web chat", _var)

ACTION = "producer_say"
VOICES = {
    "warm": "warm baritone, unhurried",
    "bright": "bright and upbeat",
    "calm": "calm and clear",
}


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


_configure_ui()
MEDIA = MediaRoutes()
MEDIA.install(server_app.router.routes)


class _Producer:
    """Open the session once, lazily, on the server's loop: its SQLite saver is bound to it."""

    def __init__(self) -> None:
        self._stack: AsyncExitStack | None = None
        self._session: Session | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Session:
        """Return the process's session, opening it on first use."""
        async with self._lock:
            if self._session is None:
                stack = AsyncExitStack()
                self._session = await stack.enter_async_context(Session.open(Settings()))
                self._stack = stack
            return self._session

    async def close(self) -> None:
        """Close the session and its checkpointer."""
        if self._stack is not None:
            await self._stack.aclose()
        self._stack = self._session = None


PRODUCER = _Producer()


def _thread_key() -> str:
    return f"web:{cl.context.session.thread_id}"


def _thread_lock() -> asyncio.Lock:
    """Serialize one thread's turns: a click during a render waits for the render to finish."""
    lock = cl.user_session.get("turn_lock")
    if lock is None:
        lock = asyncio.Lock()
        cl.user_session.set("turn_lock", lock)
    return lock


async def _retire_buttons() -> None:
    """Remove the buttons of earlier turns so a stale choice cannot be clicked twice."""
    pending: list[cl.Message] = cl.user_session.get("pending_actions") or []
    for msg in pending:
        await msg.remove_actions()
    cl.user_session.set("pending_actions", [])


def _download_name(label: str, path: str) -> str:
    """Name a download so the saved file keeps its type: the browser saves it under this name."""
    suffix = Path(path).suffix
    return label if label.lower().endswith(suffix.lower()) else f"{label}{suffix}"


class _Renderer:
    """Render one turn's events; keeps the open step of each stage and the last message."""

    def __init__(self) -> None:
        self.steps: dict[str, cl.Step] = {}
        self.labels: dict[str, str] = {}
        self.host: cl.Message | None = None
        self.last: cl.Message | None = None

    async def _say(self, content: str, elements: list[Any] | None = None) -> None:
        self.last = cl.Message(content=content, elements=elements or [])
        await self.last.send()

    async def render(self, ev: Event) -> None:
        """Show one event in the chat."""
        if ev.kind == "text":
            await self._say(ev.text)
        elif ev.kind == "step":
            await self._step(ev)
        elif ev.kind == "image" and ev.path:
            image = cl.Image(
                name=ev.name or Path(ev.path).name,
                url=MEDIA.url_for(ev.path),
                display="inline",
                size="large",
            )
            await self._say(ev.text, [image])
        elif ev.kind == "video" and ev.path:
            video = cl.Video(
                name=ev.name or Path(ev.path).name, url=MEDIA.url_for(ev.path), display="inline"
            )
            await self._say(ev.text, [video])
        elif ev.kind == "table":
            body = table_markdown(ev.rows or [])
            await self._say(f"**{ev.text}**\n\n{body}" if ev.text else body)
        elif ev.kind == "actions":
            await self._actions(ev)
        elif ev.kind == "files":
            files = [
                cl.File(name=_download_name(label, path), url=MEDIA.url_for(path), display="inline")
                for label, path in ev.files
            ]
            if ev.text or self.last is None:
                await self._say(ev.text, list(files))
            else:  # the downloads belong under the words that announce them
                last: Any = self.last  # Chainlit types `elements` with an unbound TypeVar
                last.elements = [*last.elements, *files]
                await last.update()
        elif ev.kind == "error":
            await cl.ErrorMessage(content=ev.text or "Something went wrong.").send()

    async def _step(self, ev: Event) -> None:
        # Steps hang under one message per turn: Chainlit draws parentless steps after every
        # message of the turn, which would put "Key visuals" below the finished video.
        if self.host is None:
            self.host = cl.Message(content="Production")
            await self.host.send()
        stage = ev.stage or "work"
        label = self.labels.setdefault(stage, step_label(ev))
        step = self.steps.get(stage)
        if step is None or ev.status == "start":
            step = cl.Step(name=label, type="tool", parent_id=self.host.id, show_input=False)
            await step.send()
            self.steps[stage] = step
        if ev.progress is not None:
            # The session's progress is the whole production's, so it belongs to the host.
            content = f"Production · {ev.progress:.0%}"
            if content != self.host.content:
                self.host.content = content
                await self.host.update()
        if ev.status == "progress":
            step.output = step_detail(ev, label)
            await step.update()
        elif ev.status in ("done", "reused", "failed"):
            step.name = label if ev.status == "done" else f"{label} · {ev.status}"
            step.output = step_detail(ev, label) or ev.status
            step.is_error = ev.status == "failed"
            step.end = utc_now()
            await step.update()
            self.steps.pop(stage, None)

    async def _actions(self, ev: Event) -> None:
        actions = [
            cl.Action(name=ACTION, label=a.label, payload={"message": a.message, "label": a.label})
            for a in ev.actions
        ]
        if ev.text or self.last is None:
            await self._say(ev.text)
        msg = self.last
        assert msg is not None
        # Buttons go under the turn's last words rather than under an empty message of their own.
        msg.actions = [*msg.actions, *actions]
        await msg.update()
        pending: list[cl.Message] = cl.user_session.get("pending_actions") or []
        cl.user_session.set("pending_actions", [*pending, msg])


async def _turn(text: str, attachments: list[Path] | None = None) -> None:
    """Send the user's words through the session and render what comes back."""
    async with _thread_lock():
        await _retire_buttons()
        session = await PRODUCER.get()
        renderer = _Renderer()
        try:
            async for ev in session.send(_thread_key(), text, attachments or None):
                await renderer.render(ev)
        except Exception as exc:  # the chat must survive a failed turn; the log keeps the trace
            log.exception("turn failed")
            await cl.ErrorMessage(content=f"That turn failed: {exc}").send()


def _in_background(work: Coroutine[Any, Any, None]) -> None:
    """Run a turn as a task: an action's HTTP request should not wait for a whole render."""

    async def run() -> None:
        await cl.context.emitter.task_start()
        try:
            await work
        finally:
            await cl.context.emitter.task_end()

    # create_task copies the context, so the task still talks to this browser session.
    task = asyncio.create_task(run())
    tasks: set[asyncio.Task[None]] = cl.user_session.get("tasks") or set()
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    cl.user_session.set("tasks", tasks)


def _as_named(path: Path, name: str) -> Path:
    """Give an upload its sender's file name back: Chainlit stores it under a random one."""
    safe = Path(name).name.strip() or path.name
    named = path.parent / "named" / path.stem / safe
    if not named.exists():
        named.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, named)  # no copy of a large upload, and no dangling symlink later
        except OSError:
            shutil.copyfile(path, named)
    return named


@cl.set_starters
async def starters(user: cl.User | None = None, language: str | None = None) -> list[cl.Starter]:
    """Offer a first sentence for each use case, so a newcomer knows what to say."""
    return [
        cl.Starter(
            label="Cold brew reel",
            message="I need a 20 second reel for our new cold brew, warm and cinematic",
        ),
        cl.Starter(
            label="Sneaker drop ad",
            message="A 15 second ad for our Aero Runner sneaker launch, energetic and bold",
        ),
        cl.Starter(
            label="Science explainer",
            message="Explain photosynthesis in 30 seconds for high school students",
        ),
        cl.Starter(
            label="Creator routine",
            message="An 18 second TikTok about my 5 AM writing habit, calm and personal",
        ),
    ]


@cl.on_chat_start
async def on_chat_start() -> None:
    """Offer the brief's settings (platforms, duration, voice) in the composer."""
    values = await cl.ChatSettings(
        [
            MultiSelect(
                id="platforms",
                label="Platforms",
                initial=["reels"],
                items={p: p for p in PLATFORMS},
            ),
            Slider(id="duration_s", label="Duration (seconds)", initial=20, min=5, max=90, step=5),
            Select(id="voice", label="Voice", initial_value="warm", items=VOICES),
        ]
    ).send()
    cl.user_session.set("settings_seen", dict(values))


@cl.on_settings_update
async def on_settings_update(values: dict[str, Any]) -> None:
    """Tell the producer what changed, in words, as if the user had typed it."""
    seen: dict[str, Any] = cl.user_session.get("settings_seen") or {}
    text = settings_message(values, seen, VOICES)
    cl.user_session.set("settings_seen", dict(values))
    if text:
        await cl.Message(content=text, type="user_message", author="You").send()
        await _turn(text)


@cl.on_message
async def on_message(message: cl.Message) -> None:
    """Pass the user's words and any uploaded files to the session."""
    attachments = [_as_named(Path(e.path), e.name) for e in message.elements if e.path]
    await _turn(message.content, attachments)


@cl.action_callback(ACTION)
async def on_action(action: cl.Action) -> None:
    """Send a button's words as the user's, shown in the chat as theirs."""
    words = str(action.payload.get("message", ""))
    if not words:
        return
    await cl.Message(content=words, type="user_message", author="You").send()
    _in_background(_turn(words))


@cl.on_app_shutdown
async def on_app_shutdown() -> None:
    """Close the session's checkpointer cleanly."""
    await PRODUCER.close()
