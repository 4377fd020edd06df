"""The terminal and the chat say a stage event in the same words, from the stage table's labels.

The chat session turns each production event into a step (status, words, overall progress);
the CLI turns it into a progress line. Both read the labels from the stage table, and the chat
renames only what its copy renames (its publish stage writes a take to review: "Preview").
"""

from __future__ import annotations

import re

from agent.chat.session import to_event
from agent.present import ProgressLines
from agent.production.events import (
    ProductionEvent,
    QARetry,
    StageFinished,
    StageProgress,
    StageReused,
    StageStarted,
)

RUN: list[ProductionEvent] = [
    StageReused(stage="anchor", version=1),
    StageStarted(stage="keyvisual"),
    StageProgress(stage="keyvisual", message="frame 2 of 4"),
    StageFinished(stage="keyvisual", seconds=0.5),
    StageStarted(stage="qa"),
    StageFinished(stage="qa", passed=False, failed=["loudness"]),
    QARetry(target="music", stages=["music"], fixes=["lower the music"]),
    StageStarted(stage="publish"),
    StageFinished(stage="publish", out_dir="out"),
]


def test_the_chat_says_each_event_as_a_step_with_the_production_share_done() -> None:
    done: set[str] = set()
    steps = [to_event(ev.model_dump(mode="json", exclude_none=True), done) for ev in RUN]
    said = [(s.stage, s.status, s.text, s.progress) for s in steps if s is not None]
    assert said == [
        ("anchor", "reused", "Style anchor", round(1 / 9, 3)),
        ("keyvisual", "start", "Key visuals", round(1 / 9, 3)),
        ("keyvisual", "progress", "Key visuals: frame 2 of 4", round(1 / 9, 3)),
        ("keyvisual", "done", "Key visuals", round(2 / 9, 3)),
        ("qa", "start", "QA", round(2 / 9, 3)),
        ("qa", "done", "QA", round(3 / 9, 3)),
        ("qa", "progress", "QA sends Music + mix back for a fix", round(3 / 9, 3)),
        ("publish", "start", "Preview", round(3 / 9, 3)),
        ("publish", "done", "Preview", round(4 / 9, 3)),
    ]
    assert to_event({"event": "unknown", "stage": "qa"}, done) is None


def test_the_terminal_prints_a_line_per_event_in_the_same_words() -> None:
    lines = ProgressLines()
    printed = [lines.line(ev) for ev in RUN]
    timed = [re.sub(r"\(\d+\.\d s\)", "(T)", p) for p in printed]
    assert timed == [
        "  ✓ Style anchor: reused (inputs unchanged)",
        "  ▸ Key visuals …",
        "    Key visuals: frame 2 of 4",
        "  ✓ Key visuals (T)",
        "  ▸ QA …",
        "  ✓ QA (T) — failed: loudness",
        "  ↺ QA sends Music + mix back for a fix",
        "  ▸ Publish …",
        "  ✓ Publish (T)",
    ]
    assert lines.line(StageFinished(stage="qa", passed=True)).endswith(" — passed")
