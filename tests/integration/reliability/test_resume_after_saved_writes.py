"""A kill between a stage's saved writes and the next checkpoint still resumes the thread.

LangGraph saves a finished task's writes first and the step's checkpoint after; a SIGKILL can
land in between (the crash suite hit it once in hundreds of kills). The database then holds a
checkpoint whose task has its writes saved, and LangGraph leaves that task out of
``snapshot.next``. Each test makes that database state exactly, by dropping the checkpoints
after the one a stage ran from, and checks the same command (or the next message) goes on from
there instead of starting the thread over.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agent.chat.session import Session
from agent.cli.main import main
from agent.engines import CHAT_DB, PRODUCTION_DB
from agent.settings import Settings
from tests.integration.reliability.runs import SCALE, make_argv, write_brief

pytestmark = pytest.mark.integration


def cut_after_writes_of(db: Path, channel: str) -> str:
    """Drop every checkpoint after the one whose task wrote ``channel``; return its thread.

    What is left is what a kill leaves when it lands after that task's writes were committed
    and before the next checkpoint was: the last checkpoint, with the task's writes pending.
    """
    with sqlite3.connect(db) as conn:
        thread, ns, kept = conn.execute(
            "SELECT thread_id, checkpoint_ns, checkpoint_id FROM writes WHERE channel = ? "
            "ORDER BY checkpoint_id DESC LIMIT 1", (channel,)
        ).fetchone()
        for table in ("checkpoints", "writes"):
            conn.execute(
                f"DELETE FROM {table} WHERE thread_id = ? AND checkpoint_ns = ? "
                "AND checkpoint_id > ?", (thread, ns, kept)
            )
    return str(thread)


def test_make_resumes_after_a_kill_between_the_voice_writes_and_the_next_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    argv = make_argv(write_brief(tmp_path / "brief.yaml", "Cut After Voice"), out, data)
    assert main(argv) == 0
    cut_after_writes_of(data / PRODUCTION_DB, "narration")
    capsys.readouterr()

    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "resuming an interrupted run" in text, text
    for label in ("Style anchor", "Script", "Key visuals", "Voice"):
        assert f"✓ {label}" not in text and f"▸ {label}" not in text, text
    # The line goes on at the music (whose render the first run left in the asset store).
    assert "✓ Music + mix: reused" in text and "✓ Publish (" in text, text
    assert (out / "manifest.json").is_file()


async def test_a_chat_turn_cut_after_a_nodes_writes_keeps_the_draft(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    async with Session.open(settings, scale=SCALE) as session:
        for text in ("I need a 10 second reel for our new green tea, warm and calm.",
                     "busy young professionals"):
            [ev async for ev in session.send("tea", text)]
        before = await session.snapshot("tea")
    assert "green tea" in str(before["draft"]), before

    cut_after_writes_of(settings.data_dir / CHAT_DB, "messages")
    async with Session.open(settings, scale=SCALE) as session:
        events = [ev async for ev in session.send("tea", "what do you have so far?")]
        after = await session.snapshot("tea")
    assert not [ev for ev in events if ev.kind == "error"], events
    assert after["draft"] == before["draft"]
    assert after["phase"] == before["phase"]
    said = [m["text"] for m in after["messages"] if m["role"] == "user"]
    assert said[:2] == ["I need a 10 second reel for our new green tea, warm and calm.",
                        "busy young professionals"], said
