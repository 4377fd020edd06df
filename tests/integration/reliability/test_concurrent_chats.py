"""Concurrency: eight chats at once against one Session (one process, one checkpointer, one store).

Each chat talks its own product through to a published preview-scale video. Nothing may cross
over: each thread's brief, files and published titles are its own; all eight finish; renders
queue through the bounded pool (``PRODUCER_RENDER_WORKERS``) in arrival order, never more at
once than the limit; and the process's memory stays within a bound.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from agent.chat.render_pool import render_pool
from agent.chat.session import Event, Session
from agent.settings import Settings
from tests.integration.reliability.runs import SCALE

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PRODUCTS = ["green tea", "oat latte", "lemon soda", "rye bread", "trail shoes", "wool socks",
            "desk lamp", "bike lights"]
WORKERS = 2
# Growth, not the absolute figure: in the whole suite this process already holds every model
# and library earlier tests loaded (measured alone: 155 MB at start, 866 MB at the peak).
MAX_GROWTH_MB = 1500.0


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def talk(session: Session, thread: str, product: str) -> dict[str, Any]:
    """Talk one product from the first message to its published files."""
    turns = [f"I need a 5 second reel for our new {product}, warm and calm.",
             "busy young professionals", "go", "lock", "approve", "publish"]
    events: list[Event] = []
    for text in turns:
        events += [ev async for ev in session.send(thread, text)]
    errors = [ev.text for ev in events if ev.kind == "error"]
    assert not errors, (thread, errors)
    files = dict(next(ev for ev in events if ev.kind == "files").files)
    return {"snapshot": await session.snapshot(thread), "files": files}


async def run_all(data: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    peak: dict[str, Any] = {"rss": rss_mb(), "start": rss_mb()}

    async def sample() -> None:
        while True:
            peak["rss"] = max(peak["rss"], rss_mb())
            await asyncio.sleep(0.2)

    settings = Settings(data_dir=data, render_workers=WORKERS)
    async with Session.open(settings, scale=SCALE) as session:
        watcher = asyncio.create_task(sample())
        try:
            results = await asyncio.gather(
                *(talk(session, f"chat-{i}", p) for i, p in enumerate(PRODUCTS)))
        finally:
            watcher.cancel()
        pool = render_pool(WORKERS)
        peak.update(arrived=list(pool.arrived), started=list(pool.started), most=pool.peak)
    return results, peak


def test_eight_chats_at_once_finish_without_cross_talk(tmp_path: Path) -> None:
    data = tmp_path / "data"
    results, figures = asyncio.run(run_all(data))
    assert len(results) == len(PRODUCTS)
    for i, (product, result) in enumerate(zip(PRODUCTS, results, strict=True)):
        snap, files = result["snapshot"], result["files"]
        assert product in json.dumps(snap["brief"]).lower(), snap["brief"]
        others = [p for p in PRODUCTS if p != product]
        assert not any(p in json.dumps(snap["brief"]).lower() for p in others), snap["brief"]
        manifest = Path(files["manifest"])
        assert manifest.is_file() and f"chat-{i}" in str(manifest), manifest
        srt = Path(files["reels captions"]).read_text(encoding="utf-8").lower()
        assert not any(p in srt for p in others), srt
    # The pool: every production got a slot once, in the order they asked, at most WORKERS.
    assert sorted(figures["started"]) == sorted(f"chat-{i}" for i in range(len(PRODUCTS)))
    assert figures["started"] == figures["arrived"]
    assert 1 <= figures["most"] <= WORKERS
    print(f"\nrss start {figures['start']:.0f} MB, peak {figures['rss']:.0f} MB; "
          f"at most {figures['most']} renders at once; order {figures['started']}")
    assert figures["rss"] - figures["start"] <= MAX_GROWTH_MB
