"""Say production progress in words, the same way in the terminal, the web chat and Slack.

Above both front ends on purpose: the CLI prints a line per stage event and the chat session
words a step per event, and neither should import the other to agree on the words. Labels come
from the stage table; the chat may rename a stage in its own copy (``publish`` is a preview).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from agent.production.events import (
    ProductionEvent,
    QARetry,
    StageFinished,
    StageProgress,
    StageReused,
    StageStarted,
)
from tools.handoffs.stages import label

Labels = Callable[[str], str]


def qa_retry_words(target: str, label_of: Labels = label) -> str:
    """Say which stage QA sends back for a fix."""
    return f"QA sends {label_of(target)} back for a fix"


def step_words(ev: ProductionEvent, label_of: Labels = label) -> str:
    """Return the words of a chat step: the stage's label, what QA sends back, or the progress."""
    if isinstance(ev, QARetry):
        return qa_retry_words(ev.target, label_of)
    text = label_of(ev.stage)
    if isinstance(ev, StageProgress) and ev.message:
        return f"{text}: {ev.message}"
    return text


def _qa_verdict(ev: StageFinished) -> str:
    if ev.stage != "qa":
        return ""
    return " — passed" if ev.passed else f" — failed: {', '.join(ev.failed)}"


class ProgressLines:
    """Turn one run's stage events into the terminal's progress lines, timing each stage."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    def line(self, ev: ProductionEvent) -> str:
        """Return the line to print for an event."""
        name = label(ev.stage)
        if isinstance(ev, StageStarted):
            self._started[ev.stage] = time.perf_counter()
            return f"  ▸ {name} …"
        if isinstance(ev, StageReused):
            return f"  ✓ {name}: reused (inputs unchanged)"
        if isinstance(ev, StageFinished):
            now = time.perf_counter()
            secs = now - self._started.get(ev.stage, now)
            return f"  ✓ {name} ({secs:.1f} s){_qa_verdict(ev)}"
        if isinstance(ev, QARetry):
            return f"  ↺ {qa_retry_words(ev.target)}"
        return f"    {name}: {ev.message}"
