"""In the real web chat a second change request stops the running re-cut instead of queueing.

Chainlit runs each message as its own task, so the second message reaches the server while the
first turn renders; the web handler has the session stop the re-cut before it waits its turn.
Talked to over Chainlit's socket protocol (``chainlit run app.py`` on loopback), at 1/10 scale.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.integration.agent_chat.test_supersede import STOPPED, TO_THE_CUT
from tests.integration.agent_web.socketclient import ChatClient
from tests.integration.agent_web.webserver import WebServer

pytestmark = pytest.mark.integration


async def talk(url: str) -> list[str]:
    """Get to a published cut, ask for a change, and another while the first one renders."""
    client = ChatClient(url)
    await client.connect()
    try:
        for text in TO_THE_CUT:
            await client.say(text, timeout_s=300)
        videos = len(client.urls("video"))
        first = asyncio.create_task(client.say("make it warmer", timeout_s=300))
        # The re-cut's preview plays the moment the edit is about to run: send the second then.
        await client.until(lambda: len(client.urls("video")) > videos, 300)
        await client.say("no, make it cooler", timeout_s=300)
        await first
        await client.until(lambda: any("take 2" in s for s in client.said()), 300)
        assert not client.errors(), client.errors()
        return client.said()
    finally:
        await client.close()


def test_a_second_change_request_in_the_web_chat_stops_the_first(tmp_path: Path) -> None:
    server = WebServer(root=tmp_path, data=tmp_path / "data", env={"PRODUCER_RENDER_SCALE": "0.1"})
    server.start()
    try:
        said = asyncio.run(talk(server.url))
    finally:
        server.stop()
    assert sum(STOPPED in s for s in said) == 1
    assert sum("Here's the cut (take 2)" in s for s in said) == 1
    assert not any("take 3" in s for s in said)
    assert any(s.startswith("Revision: cooler") for s in said)
