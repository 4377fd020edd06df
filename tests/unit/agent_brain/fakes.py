"""A chat model whose words are scripted: the only fake these tests use."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import Field

Answer = AIMessage | BaseException | float
"""A message to return, an exception to raise, or seconds to hang before the next answer."""


class ScriptedModel(BaseChatModel):
    """Answer each request with the next scripted message, and keep what each request asked."""

    answers: list[Any] = Field(default_factory=list)
    """Each an ``Answer``; typed loosely so pydantic does not coerce exceptions into messages."""
    seen: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self.bind(tools=list(tools), tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        raise NotImplementedError("the brain calls models asynchronously")

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.seen.append({"messages": messages, **kwargs})
        answer = self.answers.pop(0) if self.answers else AIMessage(content="")
        while isinstance(answer, float):
            await asyncio.sleep(answer)
            answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return ChatResult(generations=[ChatGeneration(message=answer)])


def tool_answer(name: str, args: dict[str, Any]) -> AIMessage:
    """Return a proper tool call, as a server that honours tools sends it."""
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": "c1"}])
