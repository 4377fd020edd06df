"""A chat model whose words are a script: what a small local model really answered, per task.

Only the model's words are fake; everything around them (the brain's bindings and parsing, the
chat graph, the checkpointer, the stores) is real. Each reply is chosen by the task asked (the
forced tool's name, else the task's system prompt) and streams word by word. A reply may be an
exception (the server died) or ``Endless`` (a model that repeats itself until stopped).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import Field

from prompts import load_prompt

# The task each brain prompt file stands for, so a text-mode request is recognised too.
PROMPTS = {
    "brief_update": "brain_brief",
    "anchor_words": "brain_anchor",
    "revision": "brain_revision",
    "answer": "brain_answer",
    "script": "brain_script",
}

# Words Qwen2.5-1.5B-Instruct wrote back on llama.cpp's server when it was offered the
# producer's tools with tool_choice="auto" (issue 10): its calls came back as text.
LEEDS_BRIEF = (
    '<tools><function name="update_brief">{"subject": "Leeds bike repair shop", '
    '"audience": "commuters", "duration_s": 20, "platforms": ["reels"], '
    '"key_message": "We fix flats in 15 minutes while you wait", '
    '"cta": "Book a slot on our website"}</function></tools>'
)
FALSE_CLAIMS = (
    "The video is ready. Good hooks show the product in the first two seconds and keep "
    "every line short. "
    "The video has been published to all platforms."
)
FENCED_CALL = '```json\n{"name": "anchor_words", "arguments": {"adjust": ["warmer"]}}\n```'
TOOL_CALL_TAG = '<tool_call>\n{"name": "publish", "arguments": {}}\n</tool_call>'


@dataclass(frozen=True)
class Endless:
    """A reply that repeats ``chunk`` for as long as the client keeps reading."""

    chunk: str


Reply = str | Exception | Endless
Script = Callable[[str, Sequence[BaseMessage]], Reply]


class ScriptedChatModel(BaseChatModel):
    """Answer each request with the scripted reply for its task; record every request."""

    script: Script
    requests: list[tuple[str, list[BaseMessage]]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": "scripted"}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | dict[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self.bind(tools=list(tools), tool_choice=tool_choice, **kwargs)

    def task_of(self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> str:
        """Return which task a request is for: the forced tool, else its system prompt."""
        choice = kwargs.get("tool_choice")
        if isinstance(choice, dict):
            choice = choice.get("function", {}).get("name") or choice.get("name")
        if isinstance(choice, str) and choice not in ("auto", "any", "required", "none"):
            return choice
        system = next((m.text for m in messages if isinstance(m, SystemMessage)), "")
        for task, stem in PROMPTS.items():
            if system.startswith(load_prompt(stem).strip()[:50]):
                return task
        return "other"

    def _reply(self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> str | Endless:
        task = self.task_of(messages, kwargs)
        self.requests.append((task, list(messages)))
        reply = self.script(task, messages)
        if isinstance(reply, Exception):
            raise reply
        return reply

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._reply(messages, kwargs)
        text = reply.chunk * 50 if isinstance(reply, Endless) else reply
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for piece in _pieces(self._reply(messages, kwargs)):
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for piece in _pieces(self._reply(messages, kwargs)):
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))


def _pieces(reply: Reply) -> Iterator[str]:
    """Split a reply into streamed pieces of about one token (a word and its space)."""
    if isinstance(reply, Endless):
        while True:
            yield from re.findall(r"\S+\s*|\s+", reply.chunk)
    assert isinstance(reply, str)
    yield from re.findall(r"\S+\s*|\s+", reply) or [""]
