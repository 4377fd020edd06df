"""Run every model request on one event loop of its own, whoever asks and from where.

langchain-openai shares one async HTTP client per server across model instances; its pooled
connections belong to the loop that opened them. Chat front ends call from their loop, graph
nodes from worker threads and the CLI from none, so the brain keeps a single loop in a daemon
thread (started on first use) and hands each request to it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def brain_loop() -> asyncio.AbstractEventLoop:
    """Return the brain's event loop, starting its thread on first use."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="producer-brain", daemon=True)
            thread.start()
            _loop = loop
        return _loop


def _running() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


async def on_brain_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Await ``coro`` on the brain's loop; cancelling the caller cancels the request."""
    loop = brain_loop()
    if _running() is loop:
        return await coro
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the brain's loop and wait for it, from code that is not async."""
    loop = brain_loop()
    if _running() is loop:
        coro.close()
        raise RuntimeError("run_sync was called on the brain's own loop; await the call instead")
    return asyncio.run_coroutine_threadsafe(coro, loop).result()


def caller_callback(fn: Callable[[str], None]) -> Callable[[str], None]:
    """Return ``fn`` wrapped to run on the caller's loop (if any), so front ends stay on theirs."""
    home = _running()
    if home is None or home is brain_loop():
        return fn

    def relay(text: str) -> None:
        home.call_soon_threadsafe(fn, text)

    return relay
