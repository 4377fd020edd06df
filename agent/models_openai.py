"""The OpenAI-compatible chat client, in its own module so the offline model never imports it.

``langchain_openai`` (and the ``openai`` SDK under it) take seconds to import; ``agent.models``
loads this module only when the settings ask for an OpenAI-compatible server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI

from agent.models import _OPEN, ThinkGate, _gated, strip_think


class CompatibleChatOpenAI(ChatOpenAI):
    """ChatOpenAI for OpenAI-compatible servers: caps that hold, no reasoning text shown.

    langchain-openai renames ``max_tokens`` to ``max_completion_tokens``; llama-cpp-python's
    server ignores that name and generates until the context is full, so a compatible server
    (any base URL but OpenAI's) gets ``max_tokens`` back.
    """

    def _get_request_payload(
        self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        base = self.openai_api_base or ""
        if base and "api.openai.com" not in base and "max_completion_tokens" in payload:
            payload["max_tokens"] = payload.pop("max_completion_tokens")
        return payload

    def _create_chat_result(
        self, response: Any, generation_info: dict[str, Any] | None = None
    ) -> ChatResult:
        result = super()._create_chat_result(response, generation_info)
        for generation in result.generations:
            content = generation.message.content
            if isinstance(content, str) and _OPEN in content:
                generation.message.content = strip_think(content)
                generation.text = generation.message.content
        return result

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        gate = ThinkGate()
        for chunk in super()._stream(*args, **kwargs):
            yield _gated(chunk, gate)

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        gate = ThinkGate()
        async for chunk in super()._astream(*args, **kwargs):
            yield _gated(chunk, gate)
