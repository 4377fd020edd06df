"""Screen a model's free answer before a person reads it: no markup, no claims of actions.

Only the graph reports what happened. A model's text may answer a question, but tool-call
markup (``<tools>…``, ``<tool_call>…``, fenced JSON, bare JSON objects, ``<think>`` blocks) is cut
out, and a sentence that claims the video was made, published or changed is dropped unless the
conversation's state says it is true (a cut exists, the cut is published). While an answer
streams, ``AnswerScreen`` lets text through as it comes but holds a sentence that could turn into
such a claim (it names the video or speaks as "I") until the sentence is complete and judged, so
what was streamed is always the start of what the person keeps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BLOCKS = re.compile(
    r"<think>.*?(?:</think>|$)"
    r"|<(tools|tool_call|tool_calls|function|functions|function_call|tool)\b[^>]*>.*?(?:</\1\s*>|$)"
    r"|```.*?(?:```|$)"
    r"|\[TOOL_CALLS\].*$"
    r"|<\|[^|>]*\|>",
    re.S | re.I,
)
_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”')\]]*\s+|\n+")
_CLAUSES = re.compile(r"\s*(?:[,;:—–]|\band\b|\bbut\b|\bso\b)\s*", re.I)
_MADE = (
    r"made|created|produced|rendered|generated|finished|completed|done|ready|written|"
    r"rewritten|wrote|rewrote|cut|edited|built"
)
_PUBLISHED = r"published|posted|uploaded|exported|delivered|shipped|live|sent|released|shared"
_CHANGED = (
    r"changed|updated|modified|applied|adjusted|replaced|added|removed|set|saved|locked|"
    r"approved|fixed|switched|re-?recorded|re-?rendered"
)
_VERB = re.compile(rf"\b(?:{_MADE}|{_PUBLISHED}|{_CHANGED})\b", re.I)
_CLAIM = re.compile(
    r"\b(?:i|we)(?:'ve|'m| have| am| just| already)*\s+(?:{v})\b"
    r"|\b(?:has|have|had|is|are|was|were|been|'s|now|got|all)\b(?:\s+\w+){{0,3}}\s+(?:{v})\b"
    r"|\bhere(?:'s| is| are)\b.{{0,30}}\b(?:video|cut|reel|clip|film|link|file|files|version)\b"
    r"|^\W*(?:{v})\b".format(v=f"{_MADE}|{_PUBLISHED}|{_CHANGED}"),
    re.I,
)
_HEDGE = re.compile(
    r"\b(?:will|'ll|can|could|would|should|once|after|when|whenever|if|until|before|then|"
    r"not|never|n't|yet|able to|want|like to|going to|how|what|which)\b",
    re.I,
)
_WATCH = re.compile(
    r"\b(?:i|i'm|i've|we|we've|video|cut|reel|clip|film|script|style|anchor|brief|cta|call to "
    r"action|take|version|file|files|it|it's|everything|all)\b|" + _VERB.pattern,
    re.I,
)
HELD_WORDS = 4
"""The first words of every sentence wait: a short "All done!" must not stream half-way."""


@dataclass(frozen=True)
class Facts:
    """What the graph has really done, so a true sentence about it may stand."""

    made: bool = False
    published: bool = False


def strip_markup(text: str) -> str:
    """Remove tool-call markup, code fences, bare JSON objects and tags from model text."""
    text = _BLOCKS.sub(" ", text)
    text = _strip_json(text)
    text = _TAG.sub(" ", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _strip_json(text: str) -> str:
    """Remove balanced ``{…}`` objects that look like JSON (a tool call written as text)."""
    out, depth, start = [], 0, -1
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                block = text[start : i + 1]
                if '"' not in block and ":" not in block:
                    out.append(block)
                continue
        if depth == 0 and ch != "}":
            out.append(ch)
    if depth and '"' not in text[start:]:
        out.append(text[start:])
    return "".join(out)


def is_claim(sentence: str, facts: Facts) -> bool:
    """Return whether a sentence claims an action the graph has not performed."""
    for clause in _CLAUSES.split(sentence):
        if not clause or _HEDGE.search(clause) or not _CLAIM.search(clause):
            continue
        verbs = {v.lower() for v in _VERB.findall(clause)}
        made = verbs <= set(_MADE.split("|")) and facts.made
        published = verbs <= set(_PUBLISHED.split("|")) | set(_MADE.split("|"))
        if made or (published and facts.published):
            continue
        return True
    return False


def sentences(text: str) -> list[str]:
    """Split text into sentences, each with the whitespace that followed it."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        out.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        out.append(text[start:])
    return out


def screen(text: str, facts: Facts) -> str:
    """Return a model's answer without markup and without sentences claiming false actions."""
    kept = [s for s in sentences(strip_markup(text)) if s.strip() and not is_claim(s, facts)]
    return "".join(kept).strip()


class AnswerScreen:
    """Screen an answer while it streams: ``feed`` returns what may be shown now."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._raw = ""
        self._shown = ""

    @property
    def shown(self) -> str:
        """Return everything let through so far."""
        return self._shown

    def feed(self, piece: str) -> str:
        """Take the next piece of the answer; return the text that is safe to show now."""
        self._raw += piece
        return self._release(final=False)

    def finish(self) -> str:
        """End the answer; return the rest that is safe to show."""
        return self._release(final=True)

    def text(self) -> str:
        """Return the whole screened answer."""
        return screen(self._raw, self.facts)

    def _release(self, *, final: bool) -> str:
        # Unclosed markup is cut to the end by strip_markup, so an open tool call never shows.
        raw = self._raw
        parts = sentences(strip_markup(raw) + (" " if raw[-1:].isspace() else ""))
        safe = ""
        for i, part in enumerate(parts):
            complete = final or i < len(parts) - 1 or bool(_SENTENCE_END.search(part))
            if complete:
                safe += "" if is_claim(part, self.facts) or not part.strip() else part
                continue
            words = part.split()
            if len(words) > HELD_WORDS and not _WATCH.search(part):
                safe += part[: part.rstrip().rfind(" ") + 1] if " " in part.strip() else ""
        if final:
            safe = safe.rstrip()
        if not safe.startswith(self._shown):
            return ""  # a held sentence was judged: nothing more streams, the final text rules
        out, self._shown = safe[len(self._shown) :], safe
        return out
