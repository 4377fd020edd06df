"""Opt-in: a whole ``producer chat`` conversation with the live local model publishes a video.

The CLI runs as a person runs it, with the conversation piped on stdin, pointed at the served
model (``bash scripts/local-llm.sh``)::

    PRODUCER_TEST_LLM_BASE_URL=http://127.0.0.1:8765/v1 pytest -m llm -s tests/llm/test_live_chat.py

The same lines work whether the model reads the whole brief from the opening (then "go" locks
the proposed style and "lock", said to the script, asks what to change) or the built-in model
stands in and asks for the key message (then "go" takes the defaults and "lock" the style).
Task timeouts are stretched (``PRODUCER_TEST_LLM_TIMEOUT_SCALE``, default 8): a shared test
machine is slow, and what is proven here is that the model's answers carry a conversation to a
video; latency is ``bench/brain.py``'s. Renders are tiny (scale 0.1).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, ffprobe
from tests.llm.conftest import LIVE_OPENING, LIVE_URL, NEEDS_LIVE

pytestmark = [
    pytest.mark.llm,
    pytest.mark.slow,
    NEEDS_LIVE,
]
OPENING = LIVE_OPENING
TURNS = [OPENING, "go", "lock", "approve", "publish"]
SCALE = "0.1"
MARKUP = ("<tool", "</function", "```", '{"', "tool_call")


def live_env(data: Path) -> dict[str, str]:
    """Return an environment pointing Producer at the live model, with nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRODUCER_", "SLACK_"))}
    env.update(
        PRODUCER_LLM_PROVIDER="openai",
        PRODUCER_LLM_BASE_URL=LIVE_URL or "",
        PRODUCER_LLM_MODEL=os.environ.get("PRODUCER_TEST_LLM_MODEL", "local"),
        PRODUCER_LLM_TIMEOUT_SCALE=os.environ.get("PRODUCER_TEST_LLM_TIMEOUT_SCALE", "8"),
        PRODUCER_DATA_DIR=str(data),
        PYTHONUNBUFFERED="1",
    )
    return env


def test_a_piped_conversation_with_the_live_model_publishes_a_video(tmp_path: Path) -> None:
    data = tmp_path / "data"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli.main", "chat", "--scale", SCALE, "--thread", "live"],
        input="".join(f"{line}\n" for line in TURNS),
        cwd=REPO,
        env=live_env(data),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    seconds = time.perf_counter() - started
    out, err = done.stdout, done.stderr
    (tmp_path / "chat.txt").write_text(out + "\n--- stderr\n" + err)
    fallbacks = re.findall(r"brain: (\w+) fell back to the built-in model \((\w+)", err)
    line = {"task": "producer chat", "seconds": round(seconds), "fallbacks": fallbacks}
    print("LIVE", json.dumps(line))
    assert done.returncode == 0, out[-3000:] + err[-3000:]
    # The model read the opening: the key message the built-in rules miss is in the brief.
    brief = re.search(r"^That's the brief: (.*)$", out, re.M)
    assert brief, out[-3000:]
    assert "15 minutes" in brief.group(1) and "Book a slot on our website" in brief.group(1)
    published = re.search(r"^  reels video\s+(\S+)$", out, re.M)
    assert published, out[-3000:]
    info = ffprobe(Path(published.group(1)))
    stream = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (stream["width"], stream["height"]) == (108, 192)
    assert abs(float(info["format"]["duration"]) - 20) <= 1.0
    # Nothing the model wrote reaches the person raw, and no line claims what was not done.
    assert not [m for m in MARKUP if m in out], out
    assert out.count("Published v1") == 1 and "pace faster" not in out
