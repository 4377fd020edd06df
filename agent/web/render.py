"""Render one turn's session events in the web chat: words, steps, media, tables, buttons, files.

Nothing here decides anything about the production: each ``Event`` the session yields becomes
the Chainlit element that shows it, in order. Media are served by URL from ``MediaRoutes``, to
this session only; an error's words are shown with any configured secret masked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.utils import utc_now

from agent.chat.present import step_detail, step_label, table_markdown
from agent.chat.session import Event
from agent.settings import redact
from agent.web.media import MediaRoutes, Owner

ACTION = "producer_say"


def download_name(label: str, path: str) -> str:
    """Name a download so the saved file keeps its type: the browser saves it under this name."""
    suffix = Path(path).suffix
    return label if label.lower().endswith(suffix.lower()) else f"{label}{suffix}"


class TurnRenderer:
    """Render one turn's events; keeps the open step of each stage and the last message."""

    def __init__(self, media: MediaRoutes, owner: Owner) -> None:
        self.media, self.owner = media, owner
        self.steps: dict[str, cl.Step] = {}
        self.labels: dict[str, str] = {}
        self.host: cl.Message | None = None
        self.last: cl.Message | None = None
        self.stream: cl.Message | None = None  # the reply whose ``delta`` events are streaming

    async def _say(self, content: str, elements: list[Any] | None = None) -> None:
        self.last = cl.Message(content=content, elements=elements or [])
        await self.last.send()

    async def render(self, ev: Event) -> None:
        """Show one event in the chat."""
        if ev.kind == "delta":  # a streamed reply: tokens into one message until its text
            self.stream = self.stream or cl.Message(content="")
            await self.stream.stream_token(ev.text)
        elif ev.kind == "text" and self.stream is not None:
            self.stream.content, self.last, self.stream = ev.text, self.stream, None
            await self.last.send()  # ends the stream with the whole (screened) reply
        elif ev.kind == "text":
            await self._say(ev.text)
        elif ev.kind == "step":
            await self._step(ev)
        elif ev.kind in ("image", "video") and ev.path:
            await self._media(ev, ev.path)
        elif ev.kind == "table":
            body = table_markdown(ev.rows or [])
            await self._say(f"**{ev.text}**\n\n{body}" if ev.text else body)
        elif ev.kind == "actions":
            await self._actions(ev)
        elif ev.kind == "files":
            await self._files(ev)
        elif ev.kind == "error":
            await cl.ErrorMessage(content=redact(ev.text) or "Something went wrong.").send()

    async def _media(self, ev: Event, path: str) -> None:
        name, url = ev.name or Path(path).name, self.media.url_for(path, self.owner)
        element: Any = (
            cl.Image(name=name, url=url, display="inline", size="large")
            if ev.kind == "image"
            else cl.Video(name=name, url=url, display="inline")
        )
        await self._say(ev.text, [element])

    async def _files(self, ev: Event) -> None:
        files = [
            cl.File(
                name=download_name(label, path),
                url=self.media.url_for(path, self.owner),
                display="inline",
            )
            for label, path in ev.files
        ]
        if ev.text or self.last is None:
            await self._say(ev.text, list(files))
        else:  # the downloads belong under the words that announce them
            last: Any = self.last  # Chainlit types `elements` with an unbound TypeVar
            last.elements = [*last.elements, *files]
            await last.update()

    async def _host(self) -> cl.Message:
        # Steps hang under one message per turn: Chainlit draws parentless steps after every
        # message of the turn, which would put "Key visuals" below the finished video.
        if self.host is None:
            self.host = cl.Message(content="Production")
            await self.host.send()
        return self.host

    async def _step(self, ev: Event) -> None:
        host = await self._host()
        stage = ev.stage or "work"
        label = self.labels.setdefault(stage, step_label(ev))
        step = self.steps.get(stage)
        if step is None or ev.status == "start":
            step = cl.Step(name=label, type="tool", parent_id=host.id, show_input=False)
            await step.send()
            self.steps[stage] = step
        if ev.progress is not None:
            # The session's progress is the whole production's, so it belongs to the host.
            content = f"Production · {ev.progress:.0%}"
            if content != host.content:
                host.content = content
                await host.update()
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
