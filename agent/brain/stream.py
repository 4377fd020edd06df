"""Stream a free-text answer token by token, showing only what a person may read.

Reasoning (``<think>``) and tool-call markup never reach ``on_delta``: reasoning is gated out,
and an answer that turns out to be markup (a JSON object, ``<tool_call>``, a fenced block) stops
streaming at the first sign of it; its text, if any, is read out of the markup at the end. The
finished ``Filled.value`` is the answer to keep; it may be shorter than what streamed (a
runaway answer is cut before its repeats).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage

from agent.brain import calls
from agent.brain.fill import Filled, failure_kind, is_offline
from agent.brain.forms import FreeAnswer
from agent.brain.guard import Runaway, StreamGuard, before_repeats
from agent.brain.loop import caller_callback, on_brain_loop
from agent.brain.tasks import Task
from agent.brain.textcalls import find_calls, strip_markup
from agent.models import ThinkGate
from agent.offline.copy import offline_reply
from prompts import load_data

_LOG = logging.getLogger(__name__)
_MARKUP_START = re.compile(r"<(?:tool|function)|```|\{\s*\"|\[\s*\{")
MAX_CHARS = 480
_OPENERS = ("<tool_call>", "<tools>", "<function", "```")
_LONGEST = max(_OPENERS, key=len)


def _could_open(tail: str) -> bool:
    """Say whether ``tail`` may be the start of markup that the next piece completes."""
    if tail[:1] in "{[" and not tail[1:].strip():
        return True
    return any(opener.startswith(tail) for opener in _OPENERS)


class MarkupGate:
    """Pass streamed text through until markup starts; hold a possible start until it is clear."""

    def __init__(self) -> None:
        self._held = ""
        self.closed = False

    def feed(self, text: str) -> str:
        """Return the part of ``text`` that is safe to show now."""
        if self.closed:
            return ""
        buffer = self._held + text
        found = _MARKUP_START.search(buffer)
        if found:
            self.closed = True
            self._held = ""
            return buffer[: found.start()]
        # Keep a tail that could still begin markup ("<too", "``", "{ ") until the next piece.
        for cut in range(max(0, len(buffer) - len(_LONGEST)), len(buffer)):
            if _could_open(buffer[cut:]):
                self._held = buffer[cut:]
                return buffer[:cut]
        self._held = ""
        return buffer

    def finish(self) -> str:
        """Return held text that turned out not to be markup."""
        held, self._held = ("" if self.closed else self._held), ""
        return held


async def stream_answer(
    model: BaseChatModel,
    task: Task[FreeAnswer],
    messages: Sequence[BaseMessage],
    on_delta: Callable[[str], None],
    builtin: Callable[[], FreeAnswer] | None = None,
) -> Filled[FreeAnswer]:
    """Stream the model's answer to ``on_delta`` (on the caller's loop); return the answer kept.

    The built-in model streams nothing: its answer comes back whole with ``source="builtin"``.
    A failure (server down, timeout, runaway, only markup) returns the built-in answer and a note.
    """
    fallback = builtin or (lambda: FreeAnswer(text=offline_reply(_last_human(messages))))
    if is_offline(model):
        return Filled(value=fallback(), source="builtin")
    relay = caller_callback(on_delta)
    try:
        text, tokens = await on_brain_loop(_answer(model, task, messages, relay))
    except Exception as exc:  # the person still gets an answer; the turn goes on
        kind = failure_kind(exc)
        _LOG.warning("brain: answer fell back to the built-in model (%s: %s)", kind, exc)
        note = str(load_data("brain")["notes"][kind]).format(role=task.role)
        return Filled(value=fallback(), source="builtin", note=note)
    if not text:
        note = str(load_data("brain")["notes"]["unfit"]).format(role=task.role)
        return Filled(value=fallback(), source="builtin", note=note, tokens=tokens)
    return Filled(value=FreeAnswer(text=text), source="model", tokens=tokens)


async def _answer(
    model: BaseChatModel,
    task: Task[FreeAnswer],
    messages: Sequence[BaseMessage],
    on_delta: Callable[[str], None],
) -> tuple[str, int]:
    client = calls.without_retries(model)
    runnable = calls.bound(client, task, "text")
    prepared = calls.prepared(task, messages, "tool")  # no JSON instruction: a plain answer
    think, gate, guard = ThinkGate(), MarkupGate(), StreamGuard(task.max_tokens)

    async def run() -> str:
        try:
            async for chunk in runnable.astream(prepared):
                if isinstance(chunk, AIMessageChunk) and chunk.text:
                    shown = think.feed(chunk.text)
                    guard.feed(shown or "")
                    if shown:
                        safe = gate.feed(shown)
                        if safe:
                            on_delta(safe)
        except Runaway as exc:
            _LOG.warning("brain: answer stopped: %s", exc)
            return before_repeats(exc.text)
        tail = gate.finish()
        if tail:
            on_delta(tail)
        return guard.text

    raw = await asyncio.wait_for(run(), task.timeout_s)
    return readable(raw), guard.chunks


def readable(raw: str) -> str:
    """Return the answer a person may read: markup removed (or its text field), capped in length."""
    text = strip_markup(raw)
    if not text:
        for call in find_calls(raw):
            value = call.args.get("text") or call.args.get("answer") or call.args.get("content")
            if isinstance(value, str) and value.strip():
                text = " ".join(value.split())
                break
    if len(text) <= MAX_CHARS:
        return text
    cut = text[:MAX_CHARS]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > 0 else cut.rsplit(" ", 1)[0] + "…"


def _last_human(messages: Sequence[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message.text
    return ""
