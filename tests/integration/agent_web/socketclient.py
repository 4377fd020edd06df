"""Talk to the real web chat the way its page does: Chainlit's socket.io protocol, no browser.

A browser per chat costs hundreds of MB; this client costs a socket. It connects with the auth
the page sends (a session id, the thread id, ``webapp``), answers ``connection_successful`` as
the page does, and sends each typed message as a ``client_message``. Chainlit wraps the handler
of a message in ``task_start`` … ``task_end``, so a turn is over at the ``task_end`` that
follows its ``task_start``. Every message, step and element the server emits is kept in order.

python-socketio's client stops writing when nothing was queued for ping interval + 5 s (30 s);
a server busy rendering can answer its own ping late, and the client would then go deaf for the
rest of the test. A browser tolerates 45 s, so this client sends a no-op event every few seconds
(the server ignores events it has no handler for) to keep its writer alive as long as a page's.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import socketio

KEEPALIVE_S = 5.0


@dataclass
class ChatClient:
    """One person's chat page: a socket on one Chainlit thread."""

    url: str
    thread_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    events: list[tuple[str, Any]] = field(default_factory=list)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> its latest version
    elements: list[dict[str, Any]] = field(default_factory=list)
    sio: socketio.AsyncClient = field(default_factory=socketio.AsyncClient)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _alive: asyncio.Task[None] | None = None

    def _record(self, name: str, data: Any) -> None:
        self.events.append((name, data))
        if name in ("new_message", "update_message") and isinstance(data, dict):
            self.steps[str(data.get("id"))] = {**self.steps.get(str(data.get("id")), {}), **data}
        elif name == "element" and isinstance(data, dict):
            self.elements.append(data)
        self._changed.set()

    async def connect(self) -> None:
        """Open the socket as the page does and start the chat (its settings arrive)."""
        self.sio.on("*", self._record)
        await self.sio.connect(
            self.url,
            socketio_path="/ws/socket.io",
            transports=["websocket"],
            auth={
                "sessionId": self.session_id,
                "threadId": self.thread_id,
                "clientType": "webapp",
                "userEnv": "{}",
                "chatProfile": None,
            },
            wait_timeout=30,
        )
        await self.sio.emit("connection_successful")
        self._alive = asyncio.create_task(self._keepalive())
        # The page types only once the chat has started: its settings are the sign.
        await self.until(lambda: any(name == "chat_settings" for name, _ in self.events), 60)

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_S)
            if self.sio.connected:
                await self.sio.emit("producer_test_keepalive")

    async def close(self) -> None:
        if self._alive is not None:
            self._alive.cancel()
        await self.sio.disconnect()

    async def until(self, pred: Any, timeout_s: float) -> None:
        """Wait until ``pred()`` holds, woken by each event; fail with the last words seen."""
        async def wait() -> None:
            while not pred():
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(wait(), timeout_s)
        except TimeoutError:
            raise AssertionError(
                f"{self.thread_id}: nothing matched in {timeout_s} s; last: {self.said()[-3:]}"
            ) from None

    async def say(
        self, text: str, timeout_s: float = 600, message_id: str | None = None
    ) -> list[tuple[str, Any]]:
        """Send typed words and wait for the turn to end; return the events it brought.

        ``message_id`` sends the message under an id already used, as a page resending it does.
        """
        start = len(self.events)
        await self.sio.emit(
            "client_message",
            {
                "message": {
                    "id": message_id or str(uuid.uuid4()),
                    "threadId": self.thread_id,
                    "type": "user_message",
                    "name": "You",
                    "output": text,
                    "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                },
                "fileReferences": [],
            },
        )
        return await self._turn_from(start, timeout_s)

    async def edit(self, message_id: str, text: str, timeout_s: float = 600) -> None:
        """Edit a message already sent, as the page's pencil does; wait for the turn to end."""
        start = len(self.events)
        await self.sio.emit("edit_message", {"message": {"id": message_id, "output": text}})
        await self._turn_from(start, timeout_s)

    async def _turn_from(self, start: int, timeout_s: float) -> list[tuple[str, Any]]:
        """Wait for the turn whose events begin at ``start`` to end; return its events."""

        def ended() -> bool:
            names = [name for name, _ in self.events[start:]]
            return "task_start" in names and "task_end" in names[names.index("task_start"):]

        await self.until(ended, timeout_s)
        return self.events[start:]

    def said(self) -> list[str]:
        """Return the producer's words so far, in order (messages, not steps)."""
        return [
            str(s.get("output", ""))
            for s in self.steps.values()
            if s.get("type") == "assistant_message" and s.get("output")
        ]

    def errors(self) -> list[str]:
        """Return the text of every error message the server sent."""
        return [str(s.get("output", "")) for s in self.steps.values() if s.get("isError")]

    def urls(self, kind: str) -> list[str]:
        """Return the URLs of the elements of one type (``video``, ``image``, ``file``)."""
        return [str(e["url"]) for e in self.elements if e.get("type") == kind and e.get("url")]
