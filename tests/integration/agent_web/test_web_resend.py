"""A message the page sends twice runs once, even after a restart; an edited message runs again.

The real web chat (``chainlit run app.py`` on loopback) is talked to over Chainlit's own socket
protocol, as the page does. The same ``client_message`` (same id, same words) is delivered a
second time, then again to a new server process on the same data dir after the first was
stopped: the producer says nothing more and the thread's checkpoints stay as they were. The
same words under a new id, and an edit of a sent message (same id, new words), are new turns.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path

import pytest

from agent.engines import CHAT_DB
from tests.integration.agent_web.socketclient import ChatClient
from tests.integration.agent_web.webserver import WebServer

pytestmark = pytest.mark.integration
FIRST = "I need a 5 second reel for our new green tea, warm and calm."
THREAD = "9c1f4a1e-2b7d-4c1a-8f3e-5d6b7a8c9d01"
SESSION = "session-of-the-resent-message"


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
            await client.say(FIRST, timeout_s=300, message_id=message_id)
            seen.append((len(client.said()), checkpoints(data)))
        await client.say(FIRST, timeout_s=300)  # the same words, typed again: a new message
        seen.append((len(client.said()), checkpoints(data)))
        edited = str(uuid.uuid4())
        await client.say("busy young professionals", timeout_s=300, message_id=edited)
        seen.append((len(client.said()), checkpoints(data)))
        await client.edit(edited, "busy parents", timeout_s=300)
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
        await client.say(FIRST, timeout_s=300, message_id=message_id)
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
