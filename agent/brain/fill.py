"""Have the model fill a task's form, or let the built-in model answer that one call.

``fill`` binds the form the strongest way the server accepts (probed once per server), validates
the answer, allows one repair turn that quotes the validation error, and otherwise returns the
built-in answer with a one-line note for the person. Nothing raises to the graph: a refused
connection, an HTTP error, a timeout, a loop or garbage all end in the built-in answer. Raw model
markup never leaves this module: callers get a validated form or the built-in's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from agent.brain import calls
from agent.brain.calls import Binding, Reply
from agent.brain.guard import Runaway
from agent.brain.loop import on_brain_loop, run_sync
from agent.brain.tasks import Task
from agent.brain.textcalls import find_calls
from agent.offline.model import OfflineChatModel
from prompts import load_data

_LOG = logging.getLogger(__name__)
F = TypeVar("F", bound=BaseModel)
T = TypeVar("T")
Source = Literal["model", "repaired", "builtin"]
QUOTE_CHARS = 300


@dataclass(frozen=True)
class Filled(Generic[T]):
    """A filled form and where it came from; ``note`` is set only when the built-in answered."""

    value: T
    source: Source
    note: str | None = None
    tokens: int | None = None
    """Completion tokens the model spent on this form (all its calls), when any were made."""


class Unfit(ValueError):
    """The model's answer did not validate, even after the repair turn."""


def is_offline(model: BaseChatModel) -> bool:
    """Say whether ``model`` is the built-in model, which the built-in answers stand for."""
    return isinstance(model, OfflineChatModel)


async def fill(
    model: BaseChatModel,
    task: Task[F],
    messages: Sequence[BaseMessage],
    builtin: Callable[[], T],
) -> Filled[F | T]:
    """Return the model's filled form, or ``builtin()`` with a note when the model failed."""
    if is_offline(model):
        return Filled(value=builtin(), source="builtin")
    outcome = await on_brain_loop(_outcome(model, task, messages))
    return _settle(outcome, task, builtin)


def fill_sync(
    model: BaseChatModel,
    task: Task[F],
    messages: Sequence[BaseMessage],
    builtin: Callable[[], T],
) -> Filled[F | T]:
    """Do what ``fill`` does, for callers that are not async (graph nodes, tools' callables)."""
    if is_offline(model):
        return Filled(value=builtin(), source="builtin")
    outcome = run_sync(_outcome(model, task, messages))
    return _settle(outcome, task, builtin)


@dataclass
class _Outcome(Generic[F]):
    value: F | None
    source: Source
    tokens: int
    failure: str | None = None


def _settle(outcome: _Outcome[F], task: Task[F], builtin: Callable[[], T]) -> Filled[F | T]:
    tokens = outcome.tokens or None
    if outcome.value is not None:
        return Filled(value=outcome.value, source=outcome.source, tokens=tokens)
    note = str(load_data("brain")["notes"][outcome.failure or "unfit"]).format(role=task.role)
    return Filled(value=builtin(), source="builtin", note=note, tokens=tokens)


async def _outcome(
    model: BaseChatModel, task: Task[F], messages: Sequence[BaseMessage]
) -> _Outcome[F]:
    spent, started = [0], time.perf_counter()
    try:
        value, source = await _attempts(calls.without_retries(model), task, messages, spent)
        _LOG.info("brain: %s filled by the %s in %.1f s, %d tokens", task.name,
                  "model" if source == "model" else "model after a repair",
                  time.perf_counter() - started, spent[0])
        return _Outcome(value, source, spent[0])
    except Exception as exc:  # every failure ends in the built-in answer, never in the graph
        kind = failure_kind(exc)
        _LOG.warning("brain: %s fell back to the built-in model (%s: %s)", task.name, kind, exc)
        return _Outcome(None, "builtin", spent[0], kind)


async def _attempts(
    model: BaseChatModel, task: Task[F], messages: Sequence[BaseMessage], spent: list[int]
) -> tuple[F, Source]:
    binding, reply = await _first_reply(model, task, messages)
    spent[0] += reply.tokens
    value, problem = read_form(reply, task)
    if value is not None:
        return value, "model"
    repair = [*messages, HumanMessage(content=repair_text(reply, problem, task))]
    reply = await calls.request(model, task, repair, binding)
    spent[0] += reply.tokens
    value, problem = read_form(reply, task)
    if value is not None:
        return value, "repaired"
    raise Unfit(problem)


async def _first_reply(
    model: BaseChatModel, task: Task[Any], messages: Sequence[BaseMessage]
) -> tuple[Binding, Reply]:
    """Try the bindings in order until the server accepts one; remember the one it accepted."""
    rungs = calls.ladder(model)
    probing = calls.known_binding(model) is None
    last: BaseException | None = None
    for binding in rungs:
        try:
            reply = await calls.request(model, task, messages, binding)
        except Exception as exc:
            if probing and calls.refused(exc):
                last = exc
                continue
            raise
        calls.remember(model, binding)
        return binding, reply
    assert last is not None
    raise last


def read_form(reply: Reply, task: Task[F]) -> tuple[F | None, str]:
    """Return the first candidate in the reply that validates as the form, or the problem."""
    candidates = list(reply.args)
    for raw in [*reply.raw_args, reply.text]:
        candidates += [c.args for c in find_calls(raw, task.tool_name)]
    problem = ""
    for args in candidates:
        try:
            return task.schema.model_validate(args), ""
        except ValidationError as exc:
            problem = problem or validation_summary(exc)
            kept = salvage(args, exc, task.schema)
        if kept is not None:
            return kept, ""
    return None, problem or "the answer held no JSON object with the form's fields"


def salvage(args: dict[str, Any], exc: ValidationError, schema: type[F]) -> F | None:
    """Return the form without the optional values or list items that failed, if that validates.

    One wrong optional value ("languages": ["english"]) should not cost a whole repair turn;
    a missing required value or a rule across fields still goes to the repair turn.
    """
    kept = dict(args)
    drop_items: dict[str, set[int]] = {}
    for error in exc.errors():
        loc = error["loc"]
        if not loc or not isinstance(loc[0], str) or loc[0] not in schema.model_fields:
            return None
        if schema.model_fields[loc[0]].is_required():
            return None
        if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(kept.get(loc[0]), list):
            drop_items.setdefault(loc[0], set()).add(loc[1])
        else:
            kept.pop(loc[0], None)
    for key, bad in drop_items.items():
        if key in kept:
            kept[key] = [v for i, v in enumerate(kept[key]) if i not in bad]
    try:
        return schema.model_validate(kept)
    except ValidationError:
        return None


def validation_summary(exc: ValidationError, limit: int = 4) -> str:
    """Return a validation error as one short line a model can act on."""
    parts = []
    for error in exc.errors()[:limit]:
        message = str(error["msg"]).removeprefix("Value error, ")
        where = ".".join(str(p) for p in error["loc"])
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def repair_text(reply: Reply, problem: str, task: Task[Any]) -> str:
    """Return the repair turn: what the model said (briefly) and what was wrong with it."""
    if reply.args:
        said = json.dumps(reply.args[0], ensure_ascii=False)
    else:
        said = (reply.raw_args or [""])[0] or reply.text
    template = str(load_data("brain")["repair"])
    return f"Your answer was: {said[:QUOTE_CHARS]}\n" + template.format(
        problem=problem, form=task.tool_name
    )


def failure_kind(exc: BaseException) -> str:
    """Name a failure as the person's note does: timeout, unreachable, server, runaway, unfit."""
    if isinstance(exc, Runaway):
        return "runaway"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, Unfit):
        return "unfit"
    if isinstance(exc, ConnectionError):
        return "unreachable"
    names = set()
    seen: BaseException | None = exc
    while seen is not None:
        names.add(type(seen).__name__)
        if getattr(seen, "status_code", None):
            return "server"
        seen = seen.__cause__ or seen.__context__
    if names & {"APIConnectionError", "ConnectError", "OpenAIConnectionError", "ConnectionError"}:
        return "unreachable"
    if any("timeout" in name.lower() for name in names):
        return "timeout"
    return "server" if names & {"APIError", "OpenAIAPIError"} else "unfit"
