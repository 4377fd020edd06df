"""Build the chat model the settings ask for, and bind structured output the way it needs.

The offline model is the default; ``openai`` means any OpenAI-compatible endpoint (OpenAI,
Ollama, vLLM, LM Studio, llama.cpp's server). Compatible servers differ from OpenAI in ways that
matter here: many reject ``json_schema`` structured output, and reasoning models served through
them put ``<think>`` text into the content, which this wrapper strips.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any, TypeGuard

from langchain_core.language_models import BaseChatModel
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.runnables import Runnable
from pydantic import BaseModel

from agent.offline.model import OfflineChatModel
from agent.settings import Settings

if TYPE_CHECKING:  # langchain_openai costs seconds to import; the offline model never needs it
    from langchain_openai import ChatOpenAI

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
_THINK_BLOCK = re.compile(r"<think>.*?(</think>|$)", re.S)
_OPEN, _CLOSE = "<think>", "</think>"


def make_chat_model(settings: Settings) -> BaseChatModel:
    """Return the offline model or an OpenAI-compatible client configured from settings."""
    if settings.llm_provider == "offline":
        return OfflineChatModel()
    from agent.models_openai import CompatibleChatOpenAI

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    return CompatibleChatOpenAI(
        base_url=settings.llm_base_url,
        # Local servers need no key, but the client insists on one.
        api_key=key or "EMPTY",
        model=settings.llm_model or DEFAULT_OPENAI_MODEL,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
    )


def is_openai(model: object) -> TypeGuard[ChatOpenAI]:
    """Say whether ``model`` is an OpenAI client, without importing the client library.

    No object can be a ChatOpenAI before langchain_openai is imported, so a process on the
    offline model never pays for that import.
    """
    module = sys.modules.get("langchain_openai")
    return module is not None and isinstance(model, module.ChatOpenAI)


def __getattr__(name: str) -> Any:
    """Hand out ``CompatibleChatOpenAI`` on first use, importing the client library then."""
    if name == "CompatibleChatOpenAI":
        from agent.models_openai import CompatibleChatOpenAI

        return CompatibleChatOpenAI
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def structured(
    model: BaseChatModel, schema: type[BaseModel], include_raw: bool = True
) -> Runnable[Any, Any]:
    """Bind ``schema`` as forced structured output in the form this model handles reliably.

    OpenAI-compatible servers get ``method="function_calling"`` (``json_schema``, the default,
    is refused by several); other models keep their default. ``include_raw`` keeps parse errors
    visible instead of raising them.
    """
    if is_openai(model):
        return model.with_structured_output(
            schema, method="function_calling", include_raw=include_raw
        )
    return model.with_structured_output(schema, include_raw=include_raw)


def strip_think(text: str) -> str:
    """Remove ``<think>…</think>`` blocks (and an unclosed trailing one) from model content."""
    if _OPEN not in text:
        return text
    return _THINK_BLOCK.sub("", text).strip()


class ThinkGate:
    """Drop streamed text between ``<think>`` and ``</think>``, even when tags span chunks."""

    def __init__(self) -> None:
        self._thinking = False
        self._held = ""

    def feed(self, text: str) -> str:
        """Return the part of ``text`` that is safe to show now; hold a possible partial tag."""
        buffer, out = self._held + text, []
        self._held = ""
        while buffer:
            tag = _CLOSE if self._thinking else _OPEN
            at = buffer.find(tag)
            if at >= 0:
                if not self._thinking:
                    out.append(buffer[:at])
                buffer = buffer[at + len(tag) :]
                self._thinking = not self._thinking
                continue
            keep = _partial_suffix(buffer, tag)
            if not self._thinking:
                out.append(buffer[: len(buffer) - keep])
            self._held = buffer[len(buffer) - keep :] if keep else ""
            break
        return "".join(out)


def _partial_suffix(text: str, tag: str) -> int:
    """Return how many trailing characters of ``text`` could start ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


def _gated(chunk: ChatGenerationChunk, gate: ThinkGate) -> ChatGenerationChunk:
    content = chunk.message.content
    if isinstance(content, str) and content:
        shown = gate.feed(content)
        chunk.message.content = shown
        chunk.text = shown
    return chunk
