"""Drive conversations with the producer for any front end: message in, events out, per thread.

One ``Session`` per process owns the checkpointer (``agent.engines``: an AsyncSqliteSaver bound
to the loop that opened it and the only saver on its file, or a Postgres pool shared with other
processes) and the compiled conversation graph. ``send`` resumes the
thread's pending ``interrupt`` with the person's words and turns what the graph streams into
``Event``s in order; rendering happens in worker threads, so events keep flowing meanwhile.
A change request for a cut re-renders it under a cancel token; a newer change request for the
same thread (``supersede``) fires that token, so the running re-cut stops and keeps nothing,
and the newer one runs next from the cut the person last saw.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.types import Command

from agent.chat.graph import build_chat_graph
from agent.chat.interview import copy
from agent.chat.io import heard
from agent.chat.router import AFTER_CUT, route
from agent.chat.supersede import RENDER_CANCEL
from agent.context import Context
from agent.engines import CHAT_DB, chat_saver, turn_lock, unfinished
from agent.present import step_words
from agent.production.events import (
    PreviewReady,
    ProductionEvent,
    QARetry,
    StageFinished,
    StageProgress,
    StageReused,
    StageStarted,
    parse_event,
)
from agent.production.serde import serializer
from agent.runtime import build_context
from agent.settings import Settings
from tools.edit.cancel import CancelToken
from tools.handoffs.stages import label, line

log = logging.getLogger(__name__)

EventKind = Literal["text", "delta", "step", "image", "video", "table", "actions", "files", "error"]
"""``delta`` is a piece of a reply still being written; the reply's ``text`` event follows."""
StepStatus = Literal["start", "progress", "done", "reused", "failed"]
DB_NAME = CHAT_DB
# Checkpoint metadata naming the front end's id of the turn that wrote it; a resent turn finds it.
TURN_KEY = "producer_turn"
# How each production event shows as a step; QA sending a stage back is progress of QA's step.
_STATUS: dict[type[ProductionEvent], StepStatus] = {
    StageStarted: "start",
    StageFinished: "done",
    StageReused: "reused",
    StageProgress: "progress",
    QARetry: "progress",
}
# Routes that change the cut: one of these supersedes a re-cut running on the same thread.
CHANGES = frozenset({"request_revision", "change_cta", "edit_scene"})
# How long closing waits for turns in flight before it stops them: enough for a turn that has
# answered to write its last checkpoint, not for a render (a stopped one resumes next turn).
SETTLE_S = 3.0


@dataclass
class _Recut:
    """A change request's turn running on a thread: its cancel token and the phase it began in."""

    token: CancelToken
    phase: Any


@dataclass
class Action:
    """A button; clicking it sends ``message`` as the person's words."""

    label: str
    message: str


@dataclass
class Event:
    """One thing a front end renders, in the order the session yields them."""

    kind: EventKind
    text: str = ""
    stage: str | None = None
    status: StepStatus | None = None
    progress: float | None = None
    path: str | None = None
    name: str | None = None
    rows: list[dict[str, str]] | None = None
    actions: list[Action] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)


class Session:
    """One per process; owns the checkpointer and the compiled conversation graph."""

    def __init__(self, graph: Any, context: Context, settings: Settings) -> None:
        self._graph = graph
        self.context = context
        self.settings = settings
        self._locks: dict[str, asyncio.Lock] = {}
        self._recuts: dict[str, _Recut] = {}
        self._turns: set[asyncio.Task[Any]] = set()

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: Settings, scale: float | None = None) -> AsyncIterator[Session]:
        """Open the checkpointer and memory for this process and yield the session."""
        context = await asyncio.to_thread(build_context, settings, scale)
        data, url = Path(settings.data_dir), settings.database_url
        async with chat_saver(data, url, serializer()) as saver:
            session = cls(build_chat_graph(saver), context, settings)
            try:
                yield session
            finally:
                await session.settle()

    async def settle(self, grace_s: float | None = None) -> None:
        """Let turns in flight end, or stop those still running after ``grace_s`` (``SETTLE_S``).

        Called before the checkpointer closes: a turn that had already posted its reply but was
        still writing its checkpoint when Ctrl-C closed the saver failed with "no active
        connection". A stopped turn keeps every checkpoint it wrote; the thread's next message
        finishes it (``send``). The caller's own task, if it is sending, is not waited for.
        """
        me = asyncio.current_task()
        running = {t for t in self._turns if t is not me and not t.done()}
        if not running:
            return
        grace_s = SETTLE_S if grace_s is None else grace_s
        _, pending = await asyncio.wait(running, timeout=grace_s)
        for task in pending:
            task.cancel()
        if pending:
            log.info("stopped %d turn(s) still running at shutdown", len(pending))
            await asyncio.wait(pending, timeout=grace_s)

    @staticmethod
    def _config(thread_id: str) -> Any:
        return {"configurable": {"thread_id": thread_id}}

    async def send(
        self,
        thread_id: str,
        text: str,
        attachments: list[Path] | None = None,
        turn_id: str | None = None,
    ) -> AsyncIterator[Event]:
        """Give the producer the person's message (and files); yield what to show, in order.

        ``turn_id`` is the front end's id of the message: a turn already run under that id (a
        retried or doubly delivered message, in this process or another) yields nothing.
        """
        if self.supersede(thread_id, text):
            log.info("a newer change request on thread %s stops the running re-cut", thread_id)
        lock = self._locks.setdefault(thread_id, asyncio.Lock())
        # One turn at a time per thread, whichever front end sends it, and with Postgres
        # whichever process: the in-process lock first, so waiting turns hold no connection.
        async with _in_flight(self._turns), lock, turn_lock(self.settings.database_url, thread_id):
            config = self._config(thread_id)
            if turn_id is not None:
                if await self._answered(thread_id, turn_id):
                    log.info("turn %s on thread %s already ran; not again", turn_id, thread_id)
                    return
                config["metadata"] = {TURN_KEY: turn_id}
            payload = {
                "text": text,
                "attachments": [str(Path(a).resolve()) for a in attachments or []],
            }
            recut: _Recut | None = None
            try:
                snap = await self._graph.aget_state(config)
                recut = self._claim(thread_id, dict(snap.values or {}), text, config)
                if not unfinished(snap):  # a new conversation: run up to the first listen
                    async for event in self._run({"phase": "interview", "draft": {}}, config):
                        yield event
                elif not snap.interrupts:  # a turn was cut off (crash, cancel): finish it
                    async for event in self._run(None, config):
                        yield event
                async for event in self._run(Command(resume=payload), config):
                    yield event
            except Exception as exc:  # keep the front end alive; the checkpoint is intact
                log.exception("turn failed on thread %s", thread_id)
                yield Event(
                    kind="error", text=f"Something went wrong ({type(exc).__name__}: {exc})."
                )
            finally:
                if recut is not None and self._recuts.get(thread_id) is recut:
                    del self._recuts[thread_id]
            state = (await self._graph.aget_state(config)).values
            actions = actions_for(state.get("phase", "interview"))
            if actions:
                yield Event(kind="actions", actions=actions)

    def supersede(self, thread_id: str, text: str) -> bool:
        """Stop the thread's running re-cut when ``text`` asks for another change; say if it did.

        A question, "publish" or "undo" stops nothing: they wait for the re-cut to finish.
        Front ends that queue a thread's turns themselves call this before they queue.
        """
        recut = self._recuts.get(thread_id)
        if recut is None or recut.token.cancelled:
            return False
        if route(recut.phase, heard(text)) not in CHANGES:
            return False
        recut.token.cancel()
        return True

    def _claim(
        self, thread_id: str, values: dict[str, Any], text: str, config: Any
    ) -> _Recut | None:
        """Give a change request for a cut a cancel token a newer change request can fire."""
        phase = values.get("phase", "interview")
        if phase not in AFTER_CUT or route(phase, heard(text)) not in CHANGES:
            return None
        recut = _Recut(CancelToken(), phase)
        config["configurable"][RENDER_CANCEL] = recut.token
        self._recuts[thread_id] = recut
        return recut

    async def _answered(self, thread_id: str, turn_id: str) -> bool:
        """Return True when a checkpoint of this thread was written by the turn ``turn_id``."""
        saver = self._graph.checkpointer
        # Read to the end (one row at most): an async generator left open would keep holding
        # the SQLite saver's lock, and the thread's next turn would wait for it for ever.
        found = saver.alist(self._config(thread_id), filter={TURN_KEY: turn_id}, limit=1)
        return bool([item async for item in found])

    async def _run(self, inputs: Any, config: Any) -> AsyncIterator[Event]:
        done: set[str] = set()
        async for _ns, mode, chunk in self._graph.astream(
            inputs,
            config,
            context=self.context,
            stream_mode=["custom", "updates"],
            subgraphs=True,
        ):
            if mode != "custom" or not isinstance(chunk, dict):
                continue
            event = to_event(chunk, done)
            if event is not None:
                yield event

    async def snapshot(self, thread_id: str) -> dict[str, Any]:
        """Return the thread's phase, brief draft, anchor, script and outputs as plain data."""
        snap = await self._graph.aget_state(self._config(thread_id))
        values: dict[str, Any] = dict(snap.values or {})

        def dump(key: str) -> Any:
            value = values.get(key)
            return value.model_dump(mode="json") if value is not None else None

        messages = [
            {"role": "user" if isinstance(m, HumanMessage) else "producer", "text": m.text}
            for m in values.get("messages", [])
            if isinstance(m, HumanMessage) or (isinstance(m, AIMessage) and m.text)
        ]
        qa = values.get("qa")
        return {
            "phase": values.get("phase", "interview"),
            "asking": values.get("asking"),
            "draft": {k: v for k, v in (values.get("draft") or {}).items() if k != "title_given"},
            "brief": dump("brief"),
            "anchor": dump("anchor"),
            "anchor_locked": bool(values.get("anchor_locked")),
            "script": dump("script"),
            "manifest": dump("manifest"),
            "qa_passed": qa.passed if qa is not None else None,
            "takes": int(values.get("takes") or 0),
            "outputs": dict(values.get("outputs") or {}),
            "revisions": list(values.get("revisions") or []),
            "messages": messages,
            "waiting": bool(snap.interrupts),
        }


@asynccontextmanager
async def _in_flight(turns: set[asyncio.Task[Any]]) -> AsyncIterator[None]:
    """Hold the sending task in ``turns`` while its turn runs, so closing waits for it."""
    task = asyncio.current_task()
    if task is None:
        yield
        return
    turns.add(task)
    try:
        yield
    finally:
        turns.discard(task)


def to_event(chunk: dict[str, Any], done: set[str]) -> Event | None:
    """Turn one custom stream item (a node's ``ui`` or a stage event) into an Event."""
    if "ui" in chunk:
        kind = chunk["ui"]
        return Event(
            kind=kind,
            text=str(chunk.get("text", "")),
            path=chunk.get("path"),
            name=chunk.get("name"),
            rows=chunk.get("rows"),
            files=[(str(a), str(b)) for a, b in chunk.get("files", [])],
        )
    ev = parse_event(chunk)
    if ev is None:
        return None
    if isinstance(ev, PreviewReady):  # a revision's preview plays inline, before the full cut
        return Event(kind="video", path=ev.path, name=ev.message, stage=ev.stage)
    status = _STATUS[type(ev)]
    if status in ("done", "reused"):
        done.add(ev.stage)
    stages = set(line())
    return Event(
        kind="step",
        text=step_words(ev, _chat_labels()),
        stage=ev.stage,
        status=status,
        progress=round(len(done & stages) / len(stages), 3),
    )


def _chat_labels() -> Callable[[str], str]:
    """Return the chat's stage names: the table's labels, unless the chat copy renames one."""
    renamed: dict[str, str] = copy().get("stage_labels") or {}
    return lambda stage: renamed.get(stage) or label(stage)


def actions_for(phase: str) -> list[Action]:
    """Return the buttons that fit the conversation's phase."""
    return [
        Action(label=a["label"], message=a["message"]) for a in copy()["actions"].get(phase, [])
    ]
