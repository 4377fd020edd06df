"""Closing the session while a front end's turn is still running: nothing fails, nothing is lost.

Ctrl-C on ``producer slack`` closed the checkpointer while a turn that had already posted its
reply was still writing its last checkpoint ("no active connection"). Closing now lets such a
turn end, and stops one that is still working after a grace period; either way the thread's
next turn, in the next process, carries on from its checkpoints. Real SQLite saver and graph.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agent.chat import session as session_module
from agent.chat.session import Event, Session
from agent.settings import Settings

pytestmark = pytest.mark.integration
SCALE = 1 / 6
OPENING = "a 15 second reel for our new trail running shoe, bright and energetic"


async def _consume(
    session: Session, thread: str, first: asyncio.Event, hold: asyncio.Event
) -> list[Event]:
    """Read a turn as a front end does; after its first event, wait for ``hold`` if asked."""
    events: list[Event] = []
    async for ev in session.send(thread, OPENING):
        events.append(ev)
        first.set()
        await hold.wait()
    return events


async def test_closing_waits_for_a_turn_that_is_finishing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first, go_on = asyncio.Event(), asyncio.Event()
    go_on.set()
    async with asyncio.timeout(60):
        async with Session.open(settings, scale=SCALE) as session:
            turn = asyncio.create_task(_consume(session, "t", first, go_on))
            await first.wait()
        # The session closed at the turn's first event; the turn still ended as usual.
        events = await turn
        assert not [ev for ev in events if ev.kind == "error"], [ev.text for ev in events]
        assert events[-1].kind == "actions"
        async with Session.open(settings, scale=SCALE) as session:
            snap = await session.snapshot("t")
    assert snap["waiting"] and snap["phase"] == "interview"
    assert "trail running shoe" in str(snap["draft"].get("subject"))


async def test_closing_stops_a_turn_still_running_and_the_next_process_carries_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "SETTLE_S", 0.2)
    settings = Settings(data_dir=tmp_path / "data")
    first, never = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(60):
        async with Session.open(settings, scale=SCALE) as session:
            turn = asyncio.create_task(_consume(session, "t", first, never))
            await first.wait()
            closing = asyncio.get_running_loop().time()
        assert asyncio.get_running_loop().time() - closing < 2, "closing waited for the turn"
        with pytest.raises(asyncio.CancelledError):
            await turn
        async with Session.open(settings, scale=SCALE) as session:
            events = [ev async for ev in session.send("t", "go")]
            snap = await session.snapshot("t")
    assert not [ev for ev in events if ev.kind == "error"], [ev.text for ev in events]
    assert snap["phase"] == "anchor" and snap["brief"] is not None
