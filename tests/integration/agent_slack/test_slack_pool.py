"""Slack productions share the web chat's bounded render pool: never more at once than the limit.

The real Slack app (slack-bolt behind uvicorn, the loopback Web API stand-in) runs with
``render_workers=2``; three direct-message threads are talked up to an approved script and then
approve at the same moment. The pool's own log lines (``producer.render``, the lines the web
chat's server log shows) prove that the three renders queued in arrival order, that two ran
at once and never three, and each thread still got its own cut.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agent.settings import Settings
from tests.integration.agent_slack.slack_standin import Call, SlackStandIn
from tests.integration.agent_slack.test_slack import SlackApp, _button, _in_thread, serve_slack

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SCALE = 0.1
WORKERS = 2
PRODUCTS = ["green tea", "oat latte", "lemon soda"]
POOL_LINE = re.compile(r"render (queued|started|ended): (\S+) \(")


@contextmanager
def slack_app(data: Path) -> Iterator[SlackApp]:
    """Serve the Slack app on loopback with a render pool of ``WORKERS``."""
    settings = Settings(data_dir=data, render_scale=SCALE, render_workers=WORKERS)
    with serve_slack(settings, SCALE) as app:
        yield app


def prepare(slack: SlackApp, ch: str, product: str) -> str:
    """Talk one product up to the approved script in its own DM thread; return the thread ts."""
    top = slack.say(ch, f"I need a 5 second reel for our new {product}, warm and calm.", "1.0")
    slack.api.wait("chat.postMessage", _in_thread(ch, top))
    slack.say(ch, "go", "2.0", thread_ts=top)
    _button(slack.api, ch, top, r"^lock")
    slack.say(ch, "lock", "3.0", thread_ts=top)
    _button(slack.api, ch, top, r"^approve")
    return top


def cut_in(api: SlackStandIn, ch: str, top: str) -> Callable[[Call], bool]:
    """Match the upload of a cut (an MP4) into one thread."""
    return lambda c: (c.args.get("channel_id"), c.args.get("thread_ts")) == (ch, top) and any(
        n.endswith(".mp4") for n in api.filenames(c)
    )


def test_concurrent_slack_productions_never_exceed_the_render_limit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="producer.render")
    channels = [f"D0POOL{i}" for i in range(len(PRODUCTS))]
    with slack_app(tmp_path / "data") as slack:
        tops = [prepare(slack, ch, p) for ch, p in zip(channels, PRODUCTS, strict=True)]
        for ch, top in zip(channels, tops, strict=True):  # all three at once
            slack.say(ch, "approve", "4.0", thread_ts=top)
        api = slack.api
        for ch, top in zip(channels, tops, strict=True):
            api.wait("files.completeUploadExternal", cut_in(api, ch, top), timeout=600)
        warnings = api.find("chat.postMessage", lambda c: ":warning:" in str(c.args.get("text")))
        assert not warnings, [c.args["text"] for c in warnings]
        # Each thread's words name its own product only: no cross-talk between the threads.
        for ch, top, product in zip(channels, tops, PRODUCTS, strict=True):
            said = json.dumps([c.args for c in api.find("chat.postMessage", _in_thread(ch, top))])
            others = [p for p in PRODUCTS if p != product]
            assert product in said.lower() and not [p for p in others if p in said.lower()]
    events = [m.groups() for r in caplog.records if (m := POOL_LINE.search(r.getMessage()))]
    threads = [f"slack:{ch}:{top}" for ch, top in zip(channels, tops, strict=True)]
    queued = [who for kind, who in events if kind == "queued"]
    assert sorted(queued) == sorted(threads), events
    assert [who for kind, who in events if kind == "started"] == queued  # arrival order
    running = most = 0
    for kind, _ in events:
        running += {"started": 1, "ended": -1}.get(kind, 0)
        most = max(most, running)
    print(f"\n{len(threads)} Slack productions: at most {most} rendering at once (limit {WORKERS})")
    assert most == WORKERS
