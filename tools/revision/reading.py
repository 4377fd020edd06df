"""The revision rules' reading state and vocabulary: the request as it is read, and the words.

``rules`` reads a request phrase by phrase through these; they live apart so the readers stay
short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from prompts import load_data
from tools.handoffs import RevisionOp, RevisionPlan


@dataclass
class Request:
    """The request being read: its remaining text and the operations found so far."""

    text: str
    original: str
    scene_count: int
    ops: list[RevisionOp] = field(default_factory=list)
    question: RevisionPlan | None = None

    def cut(self, match: re.Match[str]) -> None:
        """Blank out a matched span so no later rule reads the same words again."""
        self.blank(*match.span())

    def blank(self, a: int, b: int) -> None:
        """Blank out ``text[a:b]``: the words a rule read, up to where another direction starts."""
        self.text = self.text[:a] + " " * (b - a) + self.text[b:]


@cache
def vocabulary() -> dict[str, Any]:
    """Return the planner's vocabulary (loaded once per process)."""
    return dict(load_data("revision_rules"))


def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def number(word: str | None, scene_count: int) -> int | None:
    if not word:
        return None
    word = word.lower()
    if word.isdigit():
        return int(word)
    if word in ("last", "final"):
        return scene_count
    value = vocabulary()["numbers"].get(word)
    return int(value) if value is not None else None


def intensity(clause: str) -> float:
    lowered = f" {clause.lower()} "
    for level in vocabulary()["intensity"]:
        if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in level["words"]):
            return float(level["amount"])
    return 1.0


def clauses(text: str) -> list[str]:
    parts = re.split(vocabulary()["clause_split"], text)
    return [p for p in (q.strip() for q in parts) if p]
