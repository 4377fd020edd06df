"""Opt-in: every language task, a ``producer make`` and a revision against the live local model.

Run with the model served (``bash scripts/local-llm.sh``)::

    PRODUCER_TEST_LLM_BASE_URL=http://127.0.0.1:8765/v1 pytest -m llm -s tests/llm/test_live.py

Each task's latency, completion tokens (against its cap), source and binding are printed; the
assertions are what must hold for any model: every call ends within its bounds, no call goes
over its token cap, and every turn yields a valid form.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from agent.brain import calls
from agent.brain.critic import critic_notes
from agent.brain.fill import Filled, fill
from agent.brain.forms import AnchorWords, BriefUpdate, RevisionForm
from agent.brain.script import draft_with
from agent.brain.stream import stream_answer
from agent.brain.tasks import (
    Task,
    anchor_words_task,
    answer_task,
    brief_update_task,
    critic_task,
    revision_task,
    script_task,
)
from agent.cli.main import main
from tests.conftest import EXAMPLES
from tests.llm.conftest import LIVE_URL, NEEDS_LIVE, client
from tools.anchor.derive import derive_anchor
from tools.brief.load import load_brief

pytestmark = [
    pytest.mark.llm,
    NEEDS_LIVE,
]
MESSAGES = [
    "We're a small bike repair shop in Leeds. 20 second reel for commuters, we fix flats in 15 "
    "minutes while you wait. CTA: book a slot on our website. Tone: upbeat but trustworthy.",
    "Our dental clinic opens a second location in Didsbury next month, make something for families",
    "I run a dog grooming van in Bath, want a fun 15s tiktok",
]
SLACK_S = 5.0


def report(task: Task[Any], seconds: float, filled: Filled[Any], model: Any) -> None:
    line = {
        "task": task.name,
        "seconds": round(seconds, 1),
        "tokens": filled.tokens,
        "cap": task.max_tokens,
        "source": filled.source,
        "binding": calls.known_binding(model),
    }
    print("LIVE", json.dumps(line))
    assert seconds <= 2 * task.timeout_s + SLACK_S
    assert filled.tokens is None or filled.tokens <= 2 * task.max_tokens  # a repair is 2 calls


async def timed(task: Task[Any], run: Callable[[], Any], model: Any) -> Filled[Any]:
    started = time.perf_counter()
    filled: Filled[Any] = await run()
    report(task, time.perf_counter() - started, filled, model)
    return filled


@pytest.mark.parametrize("text", MESSAGES)
async def test_brief_updates(text: str) -> None:
    model, task = client(LIVE_URL or ""), brief_update_task()
    messages = [HumanMessage(content=f"Brief so far: {{}}\nMessage: {text}")]
    await timed(task, lambda: fill(model, task, messages, BriefUpdate), model)


async def test_anchor_words_revision_and_answer() -> None:
    model = client(LIVE_URL or "")
    look = [HumanMessage(content="Proposed look: bold, clean\nMessage: warmer and more premium")]
    await timed(
        anchor_words_task(), lambda: fill(model, anchor_words_task(), look, AnchorWords), model
    )
    change = [HumanMessage(content="Request: make it a bit warmer and slower")]
    await timed(revision_task(), lambda: fill(model, revision_task(), change, RevisionForm), model)
    ask = [HumanMessage(content="What do you need from me to make a video?")]
    await timed(
        answer_task(), lambda: stream_answer(model, answer_task(), ask, lambda _t: None), model
    )


def test_script_and_critic() -> None:
    model = client(LIVE_URL or "")
    brief = load_brief(EXAMPLES / "cold_brew.yaml")
    anchor = derive_anchor(brief)
    started = time.perf_counter()
    filled = draft_with(model, brief, anchor)
    task = script_task(len(filled.value.scenes))
    report(task, time.perf_counter() - started, filled, model)
    started = time.perf_counter()
    notes = critic_notes(model)("Script:\n1. (4 s) Got a flat?\n2. (6 s) Book a slot today.")
    print(
        "LIVE",
        json.dumps(
            {"task": "critic", "seconds": round(time.perf_counter() - started, 1), "notes": notes}
        ),
    )
    assert len(notes) <= 3 and critic_task().max_tokens == 160


@pytest.mark.slow
def test_make_and_revise_with_the_live_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRODUCER_LLM_PROVIDER", "openai")
    monkeypatch.setenv("PRODUCER_LLM_BASE_URL", LIVE_URL or "")
    monkeypatch.setenv("PRODUCER_LLM_MODEL", "local")
    monkeypatch.setenv("PRODUCER_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "out"
    started = time.perf_counter()
    code = main(["make", str(EXAMPLES / "cold_brew.yaml"), "--out", str(out), "--scale", "0.1667"])
    print("LIVE", json.dumps({"task": "make", "seconds": round(time.perf_counter() - started)}))
    assert code in (0, 1) and (out / "manifest.json").is_file()
    started = time.perf_counter()
    assert main(["revise", str(out), "make it a bit warmer"]) in (0, 1)
    print("LIVE", json.dumps({"task": "revise", "seconds": round(time.perf_counter() - started)}))
