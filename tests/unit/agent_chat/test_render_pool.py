"""The render pool: at most its limit at once, first come first served, and every step logged.

Seven productions (stand-ins that hold their slot for a few milliseconds) ask a pool of two at
once. The pool's figures and its ``producer.render`` log lines, the ones a server's log shows,
must agree: never more than two running, slots handed out in arrival order, a queue that
really formed, and a waiter that is cancelled gives its place up without taking a slot.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator

import pytest

from agent.chat.render_pool import pooled, render_pool

LINE = re.compile(r"render (queued|started|ended): (\S+) \((\d+) running")


async def frames(who: str, running: list[str], seen: list[int]) -> AsyncIterator[str]:
    """Stand in for a production's stream: note how many run while this one does."""
    running.append(who)
    seen.append(len(running))
    try:
        for i in range(3):
            await asyncio.sleep(0.002)
            yield f"{who}-{i}"
    finally:
        running.remove(who)


async def produce_all(limit: int, names: list[str]) -> tuple[list[list[str]], list[int]]:
    running: list[str] = []
    seen: list[int] = []

    async def one(who: str) -> list[str]:
        return [item async for item in pooled(limit, who, frames(who, running, seen))]

    return list(await asyncio.gather(*(one(n) for n in names))), seen


def test_the_pool_bounds_orders_and_logs_every_render(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="producer.render")
    names = [f"chat-{i}" for i in range(7)]
    outputs, seen = asyncio.run(produce_all(2, names))
    assert outputs == [[f"{n}-{i}" for i in range(3)] for n in names]  # each got its own items
    assert max(seen) == 2
    lines = [m.groups() for r in caplog.records if (m := LINE.search(r.getMessage()))]
    queued = [who for kind, who, _ in lines if kind == "queued"]
    started = [who for kind, who, _ in lines if kind == "started"]
    assert queued == names and started == names  # first come, first served
    assert max(int(n) for kind, _, n in lines if kind == "started") == 2
    assert [who for kind, who, _ in lines if kind == "ended"].count("chat-6") == 1
    waiting = [r.getMessage() for r in caplog.records if "queued" in r.getMessage()]
    assert "5 waiting" in waiting[-1]  # two running, five in the queue


def test_a_cancelled_waiter_leaves_the_queue_without_a_slot() -> None:
    async def scenario() -> tuple[int, int, list[str]]:
        pool = render_pool(1)
        hold = asyncio.Event()

        async def holder() -> None:
            async with pool.slot("first"):
                await hold.wait()

        first = asyncio.create_task(holder())
        await asyncio.sleep(0)
        waiter = asyncio.create_task(holder())
        await asyncio.sleep(0)
        assert pool.waiting == 1
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
        hold.set()
        await first
        return pool.waiting, pool.active, list(pool.started)

    waiting, active, started = asyncio.run(scenario())
    assert (waiting, active, started) == (0, 0, ["first"])
