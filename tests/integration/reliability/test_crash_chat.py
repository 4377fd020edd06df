"""Crash safety of a web chat production: the process dies mid-render, the thread carries on.

A session driver process talks a product to "approve", which starts the production; it is
killed with SIGKILL while the voice renders. A new process opens the same thread and sends the
next message: the production finishes from where it was cut off (nothing finished before the
kill is started again), and the publish the person asked for happens.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TURNS = ["I need a 5 second reel for our new green tea, warm and calm.",
         "busy young professionals", "go", "lock", "approve"]


def driver(data: Path, thread: str, *turns: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.reliability.chatdriver", str(data), thread,
         *turns],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True,
    )


def test_a_chat_killed_mid_production_carries_on_in_a_new_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = driver(data, "film", *TURNS)
    assert first.stdout is not None
    before: list[dict[str, Any]] = []
    for line in first.stdout:
        ev = json.loads(line)
        before.append(ev)
        if ev["kind"] == "step" and ev.get("stage") == "voice" and ev.get("status") == "start":
            time.sleep(random.Random(13).uniform(0.0, 1.0))
            os.killpg(first.pid, signal.SIGKILL)
            break
    first.wait()
    assert any(ev.get("stage") == "voice" for ev in before), before
    finished = {ev.get("stage") for ev in before
                if ev["kind"] == "step" and ev.get("status") in ("done", "reused")}

    again = driver(data, "film", "publish")
    out, _ = again.communicate(timeout=600)
    after = [json.loads(line) for line in out.splitlines()]
    assert after[-1]["kind"] == "end", after[-3:]
    assert not [ev for ev in after if ev["kind"] == "error"], after
    started = {ev.get("stage") for ev in after
               if ev["kind"] == "step" and ev.get("status") == "start"}
    assert not started & finished, (started, finished)
    # The production's own checkpoint carries on from the stage the kill cut short.
    assert "voice" in started or "voice" in finished, started
    assert any(ev["kind"] == "video" for ev in after), after
    files = dict(next(ev for ev in after if ev["kind"] == "files")["files"])
    manifest = json.loads(Path(files["manifest"]).read_text(encoding="utf-8"))
    assert manifest["variants"][0]["platform"] == "reels"
