"""A message the page sends twice runs once, even after a restart; an edited message runs again.

First at the session, with the web's turn ids (fast): the resent turn yields nothing, in this
process or the next, and the thread's next turn still runs. Then end to end: the real web chat
(``chainlit run app.py`` on loopback) is talked to over Chainlit's own socket protocol, as the
page does. The same ``client_message`` (same id, same words) is delivered a second time, then
again to a new server process on the same data dir after the first was stopped: the producer
says nothing more and the thread's checkpoints stay as they were. The same words under a new
id, and an edit of a sent message (same id, new words), are new turns.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path

import pytest

from agent.chat.session import Event, Session
from agent.engines import CHAT_DB
from agent.settings import Settings
from agent.web.turns import message_turn
from tests.integration.agent_web.socketclient import ChatClient
from tests.integration.agent_web.webserver import WebServer

pytestmark = pytest.mark.integration
FIRST = "I need a 5 second reel for our new green tea, warm and calm."
THREAD = "9c1f4a1e-2b7d-4c1a-8f3e-5d6b7a8c9d01"
SESSION = "session-of-the-resent-message"


async def sent(session: Session, text: str, message_id: str) -> list[Event]:
    """Send ``text`` as the web does a typed message; fail rather than wait past a minute."""

    async def run() -> list[Event]:
        turn = message_turn(message_id, text)
        return [ev async for ev in session.send(f"web:{THREAD}", text, turn_id=turn)]

    return await asyncio.wait_for(run(), 60)


async def test_the_session_runs_a_web_message_once_and_the_next_one_still(tmp_path: Path) -> None:
    settings, first = Settings(data_dir=tmp_path / "data"), str(uuid.uuid4())
    async with Session.open(settings, scale=0.1) as session:
        answered = await sent(session, FIRST, first)
        assert any(ev.kind == "text" for ev in answered)
        assert await sent(session, FIRST, first) == []  # resent: nothing runs, nothing is said
        edited = await sent(session, "busy parents", first)  # the same id, other words
        assert any("busy parents" in ev.text for ev in edited), [ev.text for ev in edited]
    async with Session.open(settings, scale=0.1) as again:  # the next process
        assert await sent(again, FIRST, first) == []
        assert await sent(again, "busy parents", first) == []
        later = await sent(again, "go", str(uuid.uuid4()))
        assert (await again.snapshot(f"web:{THREAD}"))["phase"] == "anchor", later


def checkpoints(data: Path) -> int:
    """Count the checkpoints the chat thread has written: a turn that runs writes some."""
    with sqlite3.connect(data / CHAT_DB) as db:
        row = db.execute(
            "SELECT count(*) FROM checkpoints WHERE thread_id = ?", (f"web:{THREAD}",)
        ).fetchone()
    return int(row[0])


async def talk(url: str, data: Path, message_id: str) -> list[tuple[int, int]]:
    """Send, resend, repeat the words under a new id, edit; return (replies, checkpoints) each."""
    client = ChatClient(url, thread_id=THREAD, session_id=SESSION)
    await client.connect()
    seen: list[tuple[int, int]] = []
    try:
        for _ in range(2):  # sent, then delivered again under its id
            await client.say(FIRST, timeout_s=60, message_id=message_id)
            seen.append((len(client.said()), checkpoints(data)))
        await client.say(FIRST, timeout_s=60)  # the same words, typed again: a new message
        seen.append((len(client.said()), checkpoints(data)))
        edited = str(uuid.uuid4())
        await client.say("busy young professionals", timeout_s=60, message_id=edited)
        seen.append((len(client.said()), checkpoints(data)))
        await client.edit(edited, "busy parents", timeout_s=60)
        seen.append((len(client.said()), checkpoints(data)))
        assert not client.errors(), client.errors()
    finally:
        await client.close()
    return seen


async def resend(url: str, data: Path, message_id: str) -> tuple[int, int]:
    """Reconnect to the thread as the page does and deliver the first message once more."""
    client = ChatClient(url, thread_id=THREAD, session_id=SESSION)
    await client.connect()
    try:
        await client.say(FIRST, timeout_s=60, message_id=message_id)
        assert not client.errors(), client.errors()
        return len(client.said()), checkpoints(data)
    finally:
        await client.close()


def test_a_resent_message_runs_once_and_an_edited_one_runs_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = WebServer(root=tmp_path, data=data, env={"PRODUCER_RENDER_SCALE": "0.1"})
    first = str(uuid.uuid4())
    server.start()
    try:
        sent, resent, retyped, answered, edited = asyncio.run(talk(server.url, data, first))
        server.stop()
        server.start()  # another process on the same data dir
        after_restart = asyncio.run(resend(server.url, data, first))
    finally:
        server.stop()
    print(f"\n(replies, checkpoints): sent {sent}, resent {resent}, retyped {retyped}, "
          f"answered {answered}, edited {edited}; resent after a restart {after_restart}")
    assert sent[0] >= 1 and sent[1] >= 1  # the first message was answered and saved
    assert resent == sent  # the resent one: no reply, no checkpoint
    assert retyped[0] > resent[0] and retyped[1] > resent[1]  # new id, same words: a new turn
    assert answered[0] > retyped[0] and answered[1] > retyped[1]
    assert edited[0] > answered[0] and edited[1] > answered[1]  # new words under the old id
    assert after_restart == (0, edited[1])  # a fresh page shows nothing new; nothing is saved
    log = server.log_text()
    assert log.count("already ran; not again") == 2  # the server saw both resends, and dropped them
    # Dropping one must not leave the checkpointer's lock held (the next turn would hang).
    assert "Traceback" not in log and "Exception ignored" not in log
