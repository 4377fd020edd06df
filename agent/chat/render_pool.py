"""Queue chat productions through a bounded, first-come-first-served render pool.

Many chats share one process: each production renders on the process's cores and holds its
frames in memory, so only ``render_workers`` (a setting) run at once and the rest wait their
turn in arrival order. asyncio's semaphore wakes waiters in FIFO order, which is the fairness.
One pool per event loop (a semaphore belongs to the loop it first waits on) and per limit.
Each arrival, start and end is logged (``producer.render``), so the queue can be followed, and
a test can prove the bound, from outside the process: a server's log says who waited and when.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")
# The order lists are for tests and status lines: a server that runs for months keeps the last few.
KEEP = 256
log = logging.getLogger("producer.render")


@dataclass
class RenderPool:
    """A bounded pool with the figures a test or a status line wants: who waits, who runs."""

    limit: int
    slots: asyncio.Semaphore
    waiting: int = 0
    active: int = 0
    peak: int = 0
    arrived: deque[str] = field(default_factory=lambda: deque(maxlen=KEEP))  # who asked, in order
    started: deque[str] = field(default_factory=lambda: deque(maxlen=KEEP))  # who got one

    @asynccontextmanager
    async def slot(self, who: str) -> AsyncIterator[int]:
        """Hold one render slot for the block; yield how many were waiting ahead on arrival."""
        ahead = self.waiting + max(0, self.active - self.limit + 1)
        self.waiting += 1
        self.arrived.append(who)
        log.info("render queued: %s (%d running, %d waiting, limit %d)",
                 who, self.active, self.waiting, self.limit)
        try:
            await self.slots.acquire()
        finally:
            self.waiting -= 1
        self.active += 1
        self.peak = max(self.peak, self.active)
        self.started.append(who)
        log.info("render started: %s (%d running, limit %d)", who, self.active, self.limit)
        try:
            yield ahead
        finally:
            self.active -= 1
            self.slots.release()
            log.info("render ended: %s (%d running, limit %d)", who, self.active, self.limit)


_POOLS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, RenderPool]] = (
    weakref.WeakKeyDictionary()
)


def render_pool(limit: int) -> RenderPool:
    """Return the running loop's pool of ``limit`` slots, made on first use."""
    pools = _POOLS.setdefault(asyncio.get_running_loop(), {})
    if limit not in pools:
        pools[limit] = RenderPool(limit=limit, slots=asyncio.Semaphore(limit))
    return pools[limit]


async def pooled(limit: int, who: str, stream: AsyncIterator[T]) -> AsyncIterator[T]:
    """Yield ``stream``'s items once a render slot is free; give the slot back at its end.

    The stream is not started before the slot is held, so a queued production does no work.
    """
    async with render_pool(limit).slot(who):
        async for item in stream:
            yield item
