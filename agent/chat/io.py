"""What conversation nodes share: talking to the front end, reading their tool call, replying.

Nodes never print: they stream ``{"ui": kind, ...}`` events on LangGraph's custom stream, which
the session driver turns into front-end events, and they append their words to the messages so
a remote model sees the same conversation.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.config import get_stream_writer

from agent.chat.interview import copy, missing, question
from agent.chat.state import ChatState
from agent.context import Context


def ui(kind: str, **data: Any) -> None:
    """Stream one front-end event (text, image, video, table, files, error)."""
    try:
        writer = get_stream_writer()
    except RuntimeError:  # outside a graph run
        return
    writer({"ui": kind, **data})


def pending_call(state: ChatState, name: str) -> ToolCall | None:
    """Return the model's call of this tool if it is the one the last message asks for."""
    messages = state.get("messages") or []
    last = messages[-1] if messages else None
    if isinstance(last, AIMessage) and last.tool_calls and last.tool_calls[0]["name"] == name:
        return last.tool_calls[0]
    return None


def reply(state: ChatState, name: str, lines: list[str], result: str = "") -> list[BaseMessage]:
    """Say the lines and return the messages to append: the tool's result, then the reply."""
    text = "\n\n".join(line for line in lines if line)
    if text:
        ui("text", text=text)
    out: list[BaseMessage] = []
    call = pending_call(state, name)
    if call is not None:
        out.append(ToolMessage(content=result or text or "done", tool_call_id=call["id"] or ""))
    if text:
        out.append(AIMessage(content=text))
    return out


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
