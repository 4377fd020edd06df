"""Concurrency: eight web chats at once against one real web chat server.

The server is ``chainlit run app.py`` on a loopback port, as ``make web`` starts it, rendering
at preview scale with ``PRODUCER_RENDER_WORKERS=2``. Eight scripted socket clients (Chainlit's
own socket.io protocol, as the page speaks it) each talk their own product through to published
files; all eight approve at the same moment, so the productions must queue. Proven from
outside the process: nothing crosses over (each thread's words, brief, published titles,
captions, files and media links are its own, and no session's media key opens another's
file); all eight finish; the server's log shows every render queued and started in arrival
order, never more than the limit at once; and the server's resident memory stays under a bound.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.agent_web.socketclient import ChatClient
from tests.integration.agent_web.webserver import rss_mb, tree_rss_mb, web_server
from tests.integration.reliability.runs import SCALE

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PRODUCTS = ["green tea", "oat latte", "lemon soda", "rye bread", "trail shoes", "wool socks",
            "desk lamp", "bike lights"]
WORKERS = 2
# The server process alone (its own interpreter, so no other test's imports count): measured
# 0.2 GB at start, 0.76 GB after one preview production, 1.2-1.3 GB at the peak of eight.
MAX_RSS_MB = 2000.0
POOL_LINE = re.compile(r"render (queued|started|ended): (\S+) \(")
PUBLISHED = re.compile(r"Published v1 to (\S+/v1)\.")


async def prepare(client: ChatClient, product: str) -> None:
    """Talk one product up to the approved script, one turn at a time as a person would."""
    await client.connect()
    for text in (f"I need a 5 second reel for our new {product}, warm and calm.",
                 "busy young professionals", "go", "lock"):
        await client.say(text, timeout_s=300)


async def talk_all(url: str, pid: int) -> tuple[list[ChatClient], dict[str, float]]:
    """Run the eight conversations; sample the server's memory all along."""
    figures = {"start": rss_mb(pid), "peak": 0.0, "tree": 0.0}

    async def sample() -> None:
        while True:
            figures["peak"] = max(figures["peak"], rss_mb(pid))
            figures["tree"] = max(figures["tree"], tree_rss_mb(pid))
            await asyncio.sleep(0.25)

    watcher = asyncio.create_task(sample())
    clients = [ChatClient(url) for _ in PRODUCTS]
    try:
        await asyncio.gather(*(prepare(c, p) for c, p in zip(clients, PRODUCTS, strict=True)))
        # All approve together: eight productions ask for two render slots at once.
        await asyncio.gather(*(c.say("approve", timeout_s=900) for c in clients))
        await asyncio.gather(*(c.say("publish", timeout_s=300) for c in clients))
    finally:
        watcher.cancel()
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    return clients, figures


def media_key(url: str) -> str:
    return url.split("/")[3]


def check_own_media(url: str, clients: list[ChatClient]) -> list[str]:
    """Fetch each chat's published video by its own link; another chat's key gets nothing."""
    digests = []
    assert all(c.urls("video") for c in clients), [c.said()[-2:] for c in clients]
    keys = [media_key(c.urls("video")[0]) for c in clients]
    assert len(set(keys)) == len(clients), keys  # one media key per browser session
    for i, client in enumerate(clients):
        links = client.urls("video") + client.urls("image") + client.urls("file")
        assert all(media_key(link) == keys[i] for link in links), links
        video = next(link for link in client.urls("file") if link.endswith(".mp4"))
        body = httpx.get(f"{url}{video}", timeout=30).content
        assert body[4:8] == b"ftyp", body[:64]
        digests.append(hashlib.sha256(body).hexdigest())
        other = keys[(i + 1) % len(keys)]
        assert httpx.get(f"{url}{video.replace(keys[i], other, 1)}").status_code == 404
    return digests


def check_own_files(client: ChatClient, product: str) -> None:
    """The thread's words and published files name its product and no other one."""
    others = [p for p in PRODUCTS if p != product]
    assert not client.errors(), client.errors()
    words = "\n".join(client.said()).lower()
    assert product in words and not [p for p in others if p in words], words[:2000]
    folder = Path(next(m.group(1) for w in client.said() if (m := PUBLISHED.search(w))))
    assert client.thread_id in folder.parent.name, folder  # this thread's own folder
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["title"].lower() == product, manifest["title"]
    record = (folder / "production.json").read_text(encoding="utf-8").lower()
    srt = (folder / manifest["variants"][0]["captions"]).read_text(encoding="utf-8").lower()
    for text in (record, srt):
        assert not [p for p in others if p in text], text[:2000]
    assert product in record


def pool_events(log: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in POOL_LINE.finditer(log)]


def check_pool(events: list[tuple[str, str]], threads: set[str]) -> int:
    """Every production queued once and started in arrival order; return the most at once."""
    queued = [who for kind, who in events if kind == "queued"]
    started = [who for kind, who in events if kind == "started"]
    ended = [who for kind, who in events if kind == "ended"]
    assert sorted(queued) == sorted(threads), (queued, threads)
    assert started == queued, (queued, started)  # first come, first served
    assert sorted(ended) == sorted(threads)
    running = most = 0
    for kind, _ in events:
        running += {"started": 1, "ended": -1}.get(kind, 0)
        most = max(most, running)
    return most


def test_eight_web_chats_at_once_finish_without_cross_talk(tmp_path: Path) -> None:
    began = time.monotonic()
    with web_server(tmp_path, tmp_path / "data", PRODUCER_RENDER_SCALE=str(SCALE),
                    PRODUCER_RENDER_WORKERS=str(WORKERS)) as server:
        clients, figures = asyncio.run(talk_all(server.url, server.pid))
        wall = time.monotonic() - began
        for client, product in zip(clients, PRODUCTS, strict=True):
            check_own_files(client, product)
        digests = check_own_media(server.url, clients)
    assert len(set(digests)) == len(PRODUCTS)  # eight different videos, one per product
    events = pool_events(server.log_text())
    most = check_pool(events, {f"web:{c.thread_id}" for c in clients})
    print(f"\n8 web chats in {wall:.0f} s; server RSS {figures['start']:.0f} MB at start, "
          f"peak {figures['peak']:.0f} MB (with ffmpeg children {figures['tree']:.0f} MB); "
          f"at most {most} renders at once (limit {WORKERS})")
    assert most == WORKERS  # the limit held, and the queue was really used
    assert figures["peak"] <= MAX_RSS_MB
