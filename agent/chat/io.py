"""What conversation nodes share: talking to the front end, reading the message, replying.

Nodes never print: they stream ``{"ui": kind, ...}`` events on LangGraph's custom stream, which
the session driver turns into front-end events, and they append their words to the messages.
Only these words report what happened; a model's text reaches the person only as a screened
free answer. A streamed answer arrives as ``delta`` events (pieces of text, in order) followed by
one ``text`` event with the whole reply: a front end that showed the deltas finishes that
message with it, one that shows only finished messages (Slack) ignores the deltas.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.config import get_stream_writer

from agent.chat.interview import copy, missing, question
from agent.chat.state import MAX_UNDO, UNDOABLE, ChatState
from agent.context import Context
from tools.common.intake import clean_text, readable


def ui(kind: str, **data: Any) -> None:
    """Stream one front-end event (text, delta, image, video, table, files, error)."""
    try:
        writer = get_stream_writer()
    except RuntimeError:  # outside a graph run
        return
    writer({"ui": kind, **data})


def delta(text: str) -> None:
    """Stream one piece of a reply being written (a ``delta`` event); the ``text`` follows."""
    if text:
        ui("delta", text=text)


def heard(text: str) -> str:
    """Return a message as the producer reads it: "" when it holds no letter or digit.

    Escape sequences, control and invisible characters are removed first (a terminal's
    ``\x1b[31m`` is colour, not "31 minutes"); a message of only emoji or punctuation then says
    nothing that could be noted, so it is answered like an empty one.
    """
    text = clean_text(text).strip()
    return text if readable(text) else ""


def last_said(state: ChatState) -> str:
    """Return the person's latest message."""
    for message in reversed(state.get("messages") or []):
        if isinstance(message, HumanMessage):
            return message.text.strip()
    return ""


def routed_here(state: ChatState, node: str) -> bool:
    """Return whether the router sent the person's message to this node (so it reads it)."""
    return state.get("intent") == node


def reply(lines: list[str]) -> list[BaseMessage]:
    """Say the lines as one message and return what to append to the conversation."""
    text = "\n\n".join(line for line in lines if line)
    if not text:
        return []
    ui("text", text=text)
    return [AIMessage(content=text)]


def remember(state: ChatState) -> list[dict[str, Any]]:
    """Return the undo history with the production as it is now on top (before a change)."""
    entry = {key: state.get(key) for key in UNDOABLE if key in state}
    entry["said"] = last_said(state)
    return [*(state.get("history") or []), entry][-MAX_UNDO:]


def next_step(state: ChatState) -> str:
    """Return what the person can do now, as one sentence."""
    phase = state.get("phase", "interview")
    if phase == "interview":
        open_fields = missing(state.get("draft") or {})
        if open_fields:
            return question(open_fields[0])
    return str(copy()["next_step"][phase])


def thread_slug(config: RunnableConfig) -> str:
    """Return a folder-safe name for the conversation's thread, unique per thread id."""
    thread = str((config.get("configurable") or {}).get("thread_id", "default"))
    readable = re.sub(r"[^a-zA-Z0-9]+", "-", thread).strip("-").lower()[:40] or "thread"
    digest = hashlib.sha256(thread.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}"


def thread_dir(ctx: Context, config: RunnableConfig, *parts: str) -> Path:
    """Return (and create) a folder of this conversation under the data directory."""
    path = ctx.data_dir / "chat" / thread_slug(config)
    for part in parts:
        path = path / part
    path.mkdir(parents=True, exist_ok=True)
    return path
