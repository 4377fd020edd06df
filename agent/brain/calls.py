"""Make one bounded request for a form, in one of three bindings, and read what came back.

Bindings, strongest first: ``tool`` (the form offered as the only tool, its choice forced),
``json`` (JSON mode with the schema, which llama.cpp turns into a grammar) and ``text`` (a plain
request asking for JSON, the answer read by ``textcalls``). Which one a server accepts is probed
once and remembered per server and model. Every request streams, so a runaway answer is cut the
moment it starts looping, and carries its task's token cap, temperature and timeout. Nothing
is sent twice: the client never retries, and a server that answered 429 or 503 with
Retry-After gets no request until that time has passed (the built-in answers meanwhile).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, SystemMessage
from langchain_core.runnables import Runnable

from agent.brain.guard import StreamGuard
from agent.brain.schema import compact_schema, sketch
from agent.brain.tasks import Task
from agent.models import is_openai
from prompts import load_data
from tools.common.http import retry_after

Binding = Literal["tool", "json", "text"]
OPENAI_LADDER: tuple[Binding, ...] = ("tool", "json", "text")
OTHER_LADDER: tuple[Binding, ...] = ("tool", "text")
# Statuses with which servers refuse a request's shape (tools, response_format) outright.
REFUSALS = frozenset((400, 404, 405, 415, 422, 500, 501))
NO_CHUNKS = "No generation chunks were returned"

# Statuses whose Retry-After the brain honours: no request goes to that server until then.
BUSY = frozenset((429, 503))

_known: dict[str, Binding] = {}
_unstreamed: set[str] = set()
_busy_until: dict[str, float] = {}
_speed: dict[str, float] = {}
MIN_SPEED_TOKENS = 16  # a shorter answer says more about the prompt than about the speed
_clients: dict[int, tuple[BaseChatModel, BaseChatModel]] = {}
_lock = threading.Lock()


class ServerBusy(RuntimeError):
    """The server asked to be left alone for a while (Retry-After); this call was not sent."""

    status_code = 429


@dataclass
class Reply:
    """What one request returned: its text, any structured tool-call arguments, its cost."""

    text: str = ""
    args: list[dict[str, Any]] = field(default_factory=list)
    raw_args: list[str] = field(default_factory=list)
    tokens: int = 0


def server_key(model: BaseChatModel) -> str:
    """Return the key a server's binding is remembered under: its base URL and model name."""
    if is_openai(model):
        return f"{model.openai_api_base or 'openai'}|{model.model_name}"
    return f"{type(model).__name__}|{model._identifying_params}"


def known_binding(model: BaseChatModel) -> Binding | None:
    """Return the binding this server accepted before, if it was probed."""
    return _known.get(server_key(model))


def remember(model: BaseChatModel, binding: Binding) -> None:
    """Remember that this server accepts ``binding``."""
    _known[server_key(model)] = binding


def forget_bindings() -> None:
    """Forget every probed binding (tests start each server afresh)."""
    _known.clear()
    _unstreamed.clear()
    _busy_until.clear()
    _speed.clear()


def busy_for(model: BaseChatModel) -> float:
    """Return how many more seconds this server asked not to be called (0 when it did not)."""
    return max(0.0, _busy_until.get(server_key(model), 0.0) - time.monotonic())


def _note_busy(key: str, exc: BaseException) -> None:
    """Remember a 429 or 503's Retry-After, so the next calls wait it out on the built-in."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        status = getattr(seen, "status_code", None)
        if status in BUSY and response is not None:
            wait = retry_after(response.headers.get("retry-after"))
            if wait:
                _busy_until[key] = time.monotonic() + wait
            return
        seen = seen.__cause__


def ladder(model: BaseChatModel) -> tuple[Binding, ...]:
    """Return the bindings to try for this model, strongest first."""
    known = known_binding(model)
    if known is not None:
        return (known,)
    return OPENAI_LADDER if is_openai(model) else OTHER_LADDER


def refused(exc: BaseException) -> bool:
    """Say whether ``exc`` is a server refusing the request's shape (try the next binding)."""
    if isinstance(exc, NotImplementedError | TypeError):
        return True
    seen: BaseException | None = exc
    while seen is not None:
        status = getattr(seen, "status_code", None)
        if isinstance(status, int):
            return status in REFUSALS
        seen = seen.__cause__
    return False


def without_retries(model: BaseChatModel) -> BaseChatModel:
    """Return a copy of an OpenAI-compatible model that never retries and waits as the task says.

    A local server keeps computing a request the client gave up on, so a blind retry only
    queues behind it; the brain decides itself what happens after a failure.
    """
    if not is_openai(model):
        return model
    with _lock:
        cached = _clients.get(id(model))
        if cached is not None and cached[0] is model:
            return cached[1]
        copy = model.model_copy()
        copy.max_retries = 0
        # The brain bounds each call itself; a chunk gap longer than a slow prompt is not an error.
        copy.stream_chunk_timeout = None
        if model.root_async_client is not None:
            root_async = model.root_async_client.with_options(max_retries=0)
            copy.root_async_client = root_async
            copy.async_client = root_async.chat.completions
        if model.root_client is not None:
            root = model.root_client.with_options(max_retries=0)
            copy.root_client = root
            copy.client = root.chat.completions
        if len(_clients) > 16:
            _clients.clear()
        _clients[id(model)] = (model, copy)
        return copy


def prepared(
    task: Task[Any], messages: Sequence[BaseMessage], binding: Binding
) -> list[BaseMessage]:
    """Put the task's system prompt first (same prefix every turn, so server caches hit)."""
    system = task.system
    if binding != "tool":
        shape = str(load_data("brain")["json_only"]).replace("{sketch}", sketch(task.schema))
        system = f"{system}\n{shape}"
    rest = [m for m in messages if not isinstance(m, SystemMessage)]
    return [SystemMessage(content=system), *rest]


def at_openai(model: BaseChatModel) -> bool:
    """Say whether the client talks to OpenAI itself (not a compatible server)."""
    base = str(getattr(model, "openai_api_base", "") or "")
    return not base or "api.openai.com" in base


def bound(model: BaseChatModel, task: Task[Any], binding: Binding) -> Runnable[Any, Any]:
    """Bind the form to the model in ``binding``, with the task's cap, temperature and timeout.

    langchain-openai sends a cap as ``max_completion_tokens``, which compatible servers such as
    llama-cpp-python ignore (the model then writes until its context is full), so they get
    ``max_tokens`` in the request body instead.
    """
    limits: dict[str, Any] = {"temperature": task.temperature}
    body: dict[str, Any] = {}
    if is_openai(model):
        limits["timeout"] = task.timeout_s  # the SDK's own per-request timeout, a backstop
        body = {**(model.extra_body or {})}
        if at_openai(model):
            limits["max_tokens"] = task.max_tokens
        else:
            body["max_tokens"] = task.max_tokens
    else:
        limits["max_tokens"] = task.max_tokens
    schema = compact_schema(task.schema)
    if binding == "json" and is_openai(model):
        body["response_format"] = {"type": "json_object", "schema": schema}
    if body:
        limits["extra_body"] = body
    if binding == "tool":
        spec = {
            "type": "function",
            "function": {
                "name": task.tool_name,
                "description": (task.schema.__doc__ or task.name).strip().splitlines()[0],
                "parameters": schema,
            },
        }
        return model.bind_tools([spec], tool_choice=task.tool_name, **limits)
    return model.bind(**limits)


async def request(
    model: BaseChatModel, task: Task[Any], messages: Sequence[BaseMessage], binding: Binding
) -> Reply:
    """Make one request within the task's timeout; raise on failure, ``Runaway`` on a loop.

    Requests stream, so a loop is cut as it starts. Producer's own client reads a server that
    ignores ``stream`` from its one whole answer; another client whose stream yields no chunk
    at all asks again without it, and the server is remembered as one that does not stream.
    """
    key = server_key(model)
    wait = busy_for(model)
    if wait > 0:  # honour Retry-After: a call now would only be refused (and may be billed)
        raise ServerBusy(f"the model server asked for {wait:.0f} s more before the next call")
    started = time.monotonic()
    try:
        reply = await _request(model, task, messages, binding, key)
    except Exception as exc:
        _note_busy(key, exc)
        raise
    note_speed(model, reply.tokens, time.monotonic() - started)
    return reply


def note_speed(model: BaseChatModel, tokens: int, seconds: float) -> None:
    """Remember how fast the model's server answered a call of ``tokens`` in ``seconds``."""
    if tokens >= MIN_SPEED_TOKENS and seconds > 0:
        _speed[server_key(model)] = tokens / seconds


def tokens_per_second(model: BaseChatModel) -> float | None:
    """Return the answer tokens a second the model's server gave on its last call, or None.

    Measured over the whole call (the prompt's evaluation included), so it is what a person
    waits for: a 1.5B model on two cores gave about 10, a hosted model several times that.
    """
    return _speed.get(server_key(model))


async def _request(
    model: BaseChatModel,
    task: Task[Any],
    messages: Sequence[BaseMessage],
    binding: Binding,
    key: str,
) -> Reply:
    runnable = bound(model, task, binding)
    prompt = prepared(task, messages, binding)
    if key not in _unstreamed:
        try:
            reply = await asyncio.wait_for(_stream(runnable, prompt, task), task.timeout_s)
        except ValueError as exc:  # langchain's word for a stream that held no event at all
            if NO_CHUNKS not in str(exc):
                raise
            reply = None
        if reply is not None:
            return reply
        _unstreamed.add(key)
    return await asyncio.wait_for(_whole(runnable, prompt), task.timeout_s)


async def _whole(runnable: Runnable[Any, Any], messages: Sequence[BaseMessage]) -> Reply:
    message = await runnable.ainvoke(messages)
    return _reply_of(message, 0)


def _reply_of(message: AIMessage, chunks: int) -> Reply:
    usage = message.usage_metadata
    spent = int(usage.get("output_tokens") or 0) if usage else 0
    return Reply(
        text=message.text,
        args=[dict(c["args"]) for c in message.tool_calls if c.get("args") is not None],
        raw_args=[str(b.get("args") or "") for b in message.invalid_tool_calls],
        tokens=spent or chunks,
    )


async def _stream(
    runnable: Runnable[Any, Any], messages: Sequence[BaseMessage], task: Task[Any]
) -> Reply | None:
    """Stream one answer through the guard; None when the server sent no chunk at all."""
    guard = StreamGuard(task.max_tokens)
    full: AIMessageChunk | None = None
    async for chunk in runnable.astream(messages):
        if not isinstance(chunk, AIMessageChunk):
            if isinstance(chunk, AIMessage):  # a model that cannot stream answers whole
                return _reply_of(chunk, 0)
            continue
        full = chunk if full is None else full + chunk
        args = "".join(str(c.get("args") or "") for c in chunk.tool_call_chunks)
        guard.feed(chunk.text + args)
    return None if full is None else _reply_of(full, guard.chunks)
