"""Run the person's turns through the process's one session, one turn at a time per thread.

The session (and its SQLite saver) is opened lazily on the server's loop, since the saver is
bound to the loop that opened it. A button's turn runs as a task, so the click's HTTP request
does not wait for a whole render; uploads get their sender's file names back (``uploads``).
Each message or click is sent under its own turn id, so one delivered twice runs once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import chainlit as cl

from agent.chat.session import Session
from agent.settings import Settings, redact
from agent.web.media import MediaRoutes, Owner
from agent.web.render import TurnRenderer

log = logging.getLogger("producer.web")


class SessionHolder:
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


def _thread_key() -> str:
    """Key the conversation by Chainlit's thread and, with a password, by the signed-in user.

    The browser names the thread id; under a login the user's name is part of the key, so a
    thread id seen elsewhere does not open another person's conversation.
    """
    user = cl.user_session.get("user")
    name = getattr(user, "identifier", None)
    thread = cl.context.session.thread_id
    return f"web:{name}:{thread}" if name else f"web:{thread}"


def _thread_lock() -> asyncio.Lock:
    """Serialize one thread's turns: a click during a render waits for the render to finish.

    A change request does not wait for a re-cut: ``run_turn`` has the session stop it first.
    """
    lock: asyncio.Lock | None = cl.user_session.get("turn_lock")
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


def media_owner(media: MediaRoutes) -> Owner:
    """Return this chat session's media owner, made on first use for its signed-in user."""
    owner: Owner | None = cl.user_session.get("media_owner")
    if owner is None:
        user = cl.user_session.get("user")
        owner = media.new_owner(getattr(user, "identifier", None))
        cl.user_session.set("media_owner", owner)
    return owner


def message_turn(message_id: str, text: str) -> str:
    """Name a typed message's turn by Chainlit's id of it and its words.

    A message the page sends again (a reconnect, a double submit) keeps its id and words, so the
    session runs it once; an edited message keeps its id but not its words, and is a new turn.
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"message:{message_id}:{digest}"


async def run_turn(
    holder: SessionHolder,
    media: MediaRoutes,
    text: str,
    attachments: list[Path] | None = None,
    turn_id: str | None = None,
) -> None:
    """Send the person's words through the session and render what comes back.

    ``turn_id`` names the turn for the session: one already run under it shows nothing again.
    """
    session = await holder.get()
    # Chainlit runs each message as its own task, so a second one arrives while the first turn
    # renders; a change request stops that re-cut now rather than waiting behind it.
    session.supersede(_thread_key(), text)
    async with _thread_lock():
        await _retire_buttons()
        renderer = TurnRenderer(media, media_owner(media))
        try:
            async for ev in session.send(_thread_key(), text, attachments or None, turn_id):
                await renderer.render(ev)
        except Exception as exc:  # the chat must survive a failed turn; the log keeps the trace
            log.exception("turn failed")
            await cl.ErrorMessage(content=redact(f"That turn failed: {exc}")).send()


def in_background(work: Coroutine[Any, Any, None]) -> None:
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
