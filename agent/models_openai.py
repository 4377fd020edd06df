"""The OpenAI-compatible chat client, in its own module so the offline model never imports it.

``langchain_openai`` (and the ``openai`` SDK under it) take seconds to import; ``agent.models``
loads this module only when the settings ask for an OpenAI-compatible server.

Every answer is asked for as a stream, and a stream is judged as it ends: one that stops before
the model said it was done (no ``finish_reason``: a dropped connection, a proxy that cut it)
raises ``BrokenAnswer``, and so does a 200 that is not a stream at all (an HTML error page,
garbage). A server that ignores ``stream`` and sends one whole completion is read as that
answer: asking it again would have the same (paid) job done twice.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from typing import Any, Self

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI
from pydantic import PrivateAttr, model_validator

from agent.models import _OPEN, ThinkGate, _gated, strip_think

SHOWN_CHARS = 80
"""How much of a broken answer the error quotes (for the log; a person sees only the note)."""

# The SDK's HTTP responses (``httpx`` or the copy it ships under another name), duck-typed.
Response = Any
_responses: ContextVar[list[Response] | None] = ContextVar(
    "producer_llm_responses", default=None
)


class BrokenAnswer(RuntimeError):
    """The server's answer was cut off or was not a chat completion; nothing usable came back.

    ``status_code`` is 502 (what a gateway says of an invalid upstream answer), so the brain's
    note says the server answered with an error rather than that the model's form did not fit.
    """

    status_code = 502


async def _keep(response: Response) -> None:
    """Keep the responses of the stream being read; read a 200 that is no stream whole.

    Reading it here lets the answer be judged after the SDK found no events in it. An endless
    one is bounded by the task's timeout, which cancels the read.
    """
    seen = _responses.get()
    if seen is None:
        return
    kind = response.headers.get("content-type", "")
    if response.status_code == 200 and "event-stream" not in kind:
        await response.aread()
    seen.append(response)


def _whole_completion(seen: list[Response]) -> dict[str, Any]:
    """Return the one chat completion a non-streaming answer held; BrokenAnswer if none."""
    if not seen:
        raise BrokenAnswer("the model server answered with no events and no completion")
    response = seen[-1]
    kind = response.headers.get("content-type", "?").split(";")[0]
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("choices"), list) and data["choices"]:
        return data
    shown = response.content[:SHOWN_CHARS].decode("utf-8", "replace")
    raise BrokenAnswer(
        f"the model server answered HTTP {response.status_code} with {kind}, not a chat "
        f"completion ({shown!r})"
    )


def _as_chunk(message: AIMessage, finish: str | None) -> ChatGenerationChunk:
    """Turn a whole answer into the one chunk a stream of it would add up to."""
    calls = [
        {"name": c["name"], "args": json.dumps(c["args"]), "id": c.get("id"), "index": i,
         "type": "tool_call_chunk"}
        for i, c in enumerate(message.tool_calls)
    ]
    calls += [
        {"name": c.get("name"), "args": c.get("args"), "id": c.get("id"), "index": len(calls) + i,
         "type": "tool_call_chunk"}
        for i, c in enumerate(message.invalid_tool_calls)
    ]
    chunk = AIMessageChunk(
        content=message.content, tool_call_chunks=calls, usage_metadata=message.usage_metadata
    )
    return ChatGenerationChunk(message=chunk, generation_info={"finish_reason": finish})


class CompatibleChatOpenAI(ChatOpenAI):
    """ChatOpenAI for OpenAI-compatible servers: caps that hold, no reasoning text shown.

    langchain-openai renames ``max_tokens`` to ``max_completion_tokens``; llama-cpp-python's
    server ignores that name and generates until the context is full, so a compatible server
    (any base URL but OpenAI's) gets ``max_tokens`` back. Every request it builds is counted
    (``calls``), so a run can set the language calls it made against the estimate.
    """

    # A list, so the copies the brain makes (``calls.without_retries``) count into the same one.
    _sent: list[int] = PrivateAttr(default_factory=lambda: [0])
    _count_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @model_validator(mode="after")
    def _watch_answers(self) -> Self:
        """Hook the async HTTP client so a stream's responses can be judged when it ends.

        The client may be shared with other instances (langchain-openai pools one per server);
        the hook does nothing outside a stream this class reads.
        """
        client: Any = getattr(self.root_async_client, "_client", None)
        hooks = getattr(client, "event_hooks", None)  # the SDK's own httpx, whatever its name
        if isinstance(hooks, dict) and _keep not in hooks.get("response", [_keep]):
            hooks["response"] = [*hooks["response"], _keep]
            client.event_hooks = hooks
        return self

    @property
    def calls(self) -> int:
        """Return the chat requests this client has sent (each try of the SDK's retries aside)."""
        return self._sent[0]

    def _get_request_payload(
        self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        with self._count_lock:
            self._sent[0] += 1
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
        seen: list[Response] = []
        _responses.set(seen)
        chunks, finished = 0, False
        try:
            async for chunk in super()._astream(*args, **kwargs):
                chunks += 1
                finished = finished or bool((chunk.generation_info or {}).get("finish_reason"))
                yield _gated(chunk, gate)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:  # a 200 of bytes, not events
            raise BrokenAnswer(f"the model server's answer is not a chat stream ({exc})") from exc
        finally:
            _responses.set(None)
        if chunks == 0:  # no stream: a whole completion (the server ignores stream) or junk
            result = self._create_chat_result(_whole_completion(seen))
            generation = result.generations[0]
            message = generation.message
            assert isinstance(message, AIMessage)
            finish = (generation.generation_info or {}).get("finish_reason")
            yield _gated(_as_chunk(message, finish), gate)
        elif not finished:
            raise BrokenAnswer("the model server's answer stopped before the model finished it")
