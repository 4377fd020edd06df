"""A newer change request in chat stops the running re-cut: nothing of it kept, its work cached.

Real everything (Session, SQLite checkpointer, chromadb memory, renders at 1/10 scale); the
built-in model plans the changes. The second message is sent while the first turn's edit runs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from agent.chat.session import Event, Session
from agent.settings import Settings

pytestmark = pytest.mark.integration
SCALE = 0.1
THREAD = "film"
TO_THE_CUT = (
    "I need a 20 second reel for our new cold brew, warm and cinematic.",
    "busy young professionals",
    "go",
    "lock",
    "approve",
    "publish",
)
STOPPED = "Stopped the earlier change; making this one."


def said(events: list[Event]) -> str:
    return "\n".join(ev.text for ev in events if ev.kind in ("text", "error"))


def segments(data: Path) -> dict[str, int]:
    """Return the edit's finished segments: file name → modification time.

    A dot-name is a segment still being written (renamed into place when complete).
    """
    folder = data / "assets" / "edit" / "segments"
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.mp4")
            if not p.name.startswith(".")}


@asynccontextmanager
async def published(data: Path) -> AsyncIterator[Session]:
    """Yield a session whose thread has a published first cut."""
    async with Session.open(Settings(data_dir=data), scale=SCALE) as session:
        for text in TO_THE_CUT:
            events = [ev async for ev in session.send(THREAD, text)]
        assert "Published v1" in said(events)
        yield session


async def during_edit(session: Session, first: str, second: str) -> tuple[
    list[Event], list[Event], dict[str, int]
]:
    """Send ``first``; once its re-cut's edit starts, send ``second``; return both turns' events
    and the segment cache as it was when the second was sent."""
    editing = asyncio.Event()
    first_events: list[Event] = []

    async def run_first() -> None:
        async for ev in session.send(THREAD, first):
            first_events.append(ev)
            if ev.kind == "step" and ev.stage == "edit" and ev.status == "start":
                editing.set()

    task = asyncio.create_task(run_first())
    await asyncio.wait_for(editing.wait(), timeout=300)
    cache = segments(session.context.data_dir)
    second_events = [ev async for ev in session.send(THREAD, second)]
    await task
    return first_events, second_events, cache


async def test_a_second_change_request_supersedes_the_running_re_cut(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with published(data) as session:
        first, second, _ = await during_edit(session, "make it warmer", "no, make it cooler")
        assert STOPPED in said(first) and "Here's the cut" not in said(first)
        assert STOPPED not in said(second)
        assert "cooler" in said(second) and "v1 →" in said(second)  # from the cut last seen
        assert "Here's the cut (take 2)" in said(second)
        snap = await session.snapshot(THREAD)
        assert snap["revisions"] == ["no, make it cooler"] and snap["takes"] == 2
        takes = data / "chat"
        assert sorted(p.name for p in takes.rglob("take-*") if p.is_dir()) == ["take-1", "take-2"]
        # The thread carries on: the cooler cut publishes as the next version, nothing between.
        done = [ev async for ev in session.send(THREAD, "publish")]
        assert "Published v2" in said(done)
        folder = Path(snap["outputs"]["published_dir"]).parent
        assert sorted(p.name for p in folder.iterdir()) == ["v1", "v2"]
        manifest = json.loads((folder / "v2" / "manifest.json").read_text())
        assert manifest["version"] == 2 and manifest["anchor_version"] == snap["anchor"]["version"]


async def test_the_superseded_render_leaves_its_finished_work_in_the_cache(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    async with published(data) as session:
        before = segments(data)
        first, second, at_stop = await during_edit(session, "make it warmer", "make it warmer")
        assert STOPPED in said(first)
        finished = set(at_stop) - set(before)
        assert finished, "the stopped render had finished no segment"
        after = segments(data)
        # Kept, and not rendered again: the newer render found them in the cache.
        assert all(after.get(name) == at_stop[name] for name in finished)
        status = {ev.stage: ev.status for ev in second if ev.kind == "step"}
        assert status["keyvisual"] == "reused" and status["motion"] == "reused"
        assert "Here's the cut (take 2)" in said(second)


async def test_a_question_during_a_re_cut_stops_nothing(tmp_path: Path) -> None:
    async with published(tmp_path / "data") as session:
        first, answer, _ = await during_edit(session, "make it warmer", "what does QA check?")
        assert STOPPED not in said(first) + said(answer)
        assert "Here's the cut (take 2)" in said(first)
        assert said(answer)  # answered once the re-cut was done
        snap = await session.snapshot(THREAD)
        assert snap["revisions"] == ["make it warmer"] and snap["takes"] == 2
