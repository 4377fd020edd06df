"""Crash safety of the real web chat: the server is killed mid-production, restarted, and the
thread carries on.

``chainlit run app.py`` serves one chat (a scripted socket client speaking Chainlit's protocol,
as the page does). The person approves the script; once the voice is rendering the server and
its ffmpeg children get SIGKILL. A new server on the same data dir is started, the page
reconnects to the same thread and asks to publish: the production finishes from where it was
cut off (no stage finished before the kill is started again, and the render goes through the
pool again) and the published video is served.
"""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import httpx
import pytest

from tests.integration.agent_web.socketclient import ChatClient
from tests.integration.agent_web.webserver import WebServer
from tests.integration.reliability.runs import SCALE

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TURNS = ["I need a 5 second reel for our new green tea, warm and calm.",
         "busy young professionals", "go", "lock"]


def stages(client: ChatClient, *, ended: bool) -> set[str]:
    """Return the production steps the page shows: all begun, or only those that ended well."""
    names = set()
    for step in client.steps.values():
        if step.get("type") != "tool" or (ended and (not step.get("end") or step.get("isError"))):
            continue
        names.add(str(step.get("name", "")).split(" · ")[0])
    return names


async def approve_then_crash(server: WebServer, thread: str, session: str) -> set[str]:
    """Talk to approve, kill the server once the voice renders; return the stages done by then."""
    client = ChatClient(server.url, thread_id=thread, session_id=session)
    await client.connect()
    for text in TURNS:
        await client.say(text, timeout_s=300)
    turn = asyncio.create_task(client.say("approve", timeout_s=600))
    await client.until(lambda: "Voice" in stages(client, ended=False), timeout_s=300)
    await asyncio.sleep(random.Random(13).uniform(0.0, 1.0))
    server.kill()
    turn.cancel()
    await client.close()
    return stages(client, ended=True)


async def reopen(url: str, thread: str, session: str) -> ChatClient:
    """Reconnect to the same thread, as the page does, and ask for the published video."""
    client = ChatClient(url, thread_id=thread, session_id=session)
    await client.connect()
    try:
        await client.say("publish", timeout_s=600)
    finally:
        await client.close()
    return client


def test_a_web_chat_killed_mid_production_carries_on_after_a_restart(tmp_path: Path) -> None:
    server = WebServer(root=tmp_path, data=tmp_path / "data",
                       env={"PRODUCER_RENDER_SCALE": str(SCALE)})
    thread, session = "3b1e0f0e-6c5d-4a7e-9a55-7d0c2f1f9e01", "session-before-the-crash"
    server.start()
    try:
        finished = asyncio.run(approve_then_crash(server, thread, session))
        assert server.proc is not None and server.proc.returncode == -9
        assert "Voice" not in finished, finished  # the kill came while the voice rendered
        server.start()  # the same data dir, a new process and port
        after = asyncio.run(reopen(server.url, thread, session))
        assert not after.errors(), after.errors()
        started = stages(after, ended=False)
        print(f"\nkilled with {sorted(finished)} done; after the restart: {sorted(started)}")
        assert not started & finished, (started, finished)  # nothing finished is redone
        assert "Voice" in started or "Voice" in stages(after, ended=True), started
        video = next(u for u in after.urls("file") if u.endswith(".mp4"))
        body = httpx.get(f"{server.url}{video}", timeout=30).content
        assert body[4:8] == b"ftyp"
        manifest = next(u for u in after.urls("file") if u.endswith("manifest.json"))
        assert json.loads(httpx.get(f"{server.url}{manifest}").text)["title"] == "Green Tea"
    finally:
        server.stop()
    second = server.logs[-1].read_text(errors="replace")
    assert f"render started: web:{thread}" in second  # the rest of it queued through the pool
