"""Keep only the brief fields a message supports: small models fill keys nobody mentioned.

A 1.5B model asked for a brief update adds a voice, a goal or must-haves out of thin air. Its
text values are kept when most of their words are in the person's message (or the question it
answers); platforms, languages, length and use case when the message names them. What is left
is what the person said, however the model phrased it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from agent.brain.forms import BriefUpdate
from prompts import load_data

SUPPORT = 0.6
_WORD = re.compile(r"[a-z0-9][a-z0-9'’-]*")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "our",
        "my",
        "your",
        "their",
        "its",
        "with",
        "by",
        "from",
        "is",
        "are",
        "be",
        "this",
        "that",
        "it",
        "we",
        "you",
        "they",
        "video",
        "short",
        "clip",
    ]
)
_TEXT_FIELDS = ("subject", "title", "goal", "audience", "tone", "key_message", "cta", "voice")
_LIST_FIELDS = ("style_words", "must_have")


@cache
def _table() -> dict[str, Any]:
    return dict(load_data("brain")["ground"])


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


def _stem(word: str) -> str:
    return word[:5]


def supported(value: str, said: str) -> bool:
    """Say whether most words of ``value`` occur (loosely, by stem) in what was said."""
    words = _words(value)
    if not words:
        return False
    stems = {_stem(w) for w in _words(said)}
    hits = sum(1 for w in words if _stem(w) in stems)
    return hits >= 1 and hits / len(words) >= SUPPORT


def _named(said: str, names: list[str]) -> bool:
    low = f" {said.lower()} "
    return any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", low) for n in names)


def _duration_said(seconds: float, said: str) -> bool:
    low = said.lower()
    if re.search(rf"(?<![\d.]){int(seconds)}(?![\d])", low):
        return True
    return any(int(v) == int(seconds) and _named(low, [k]) for k, v in _table()["numbers"].items())


def ground(update: BriefUpdate, said: str) -> BriefUpdate:
    """Return ``update`` without the values ``said`` (message plus question) does not support.

    When the message tries to instruct the model, values echoing the instruction go too.
    """
    t = _table()
    echo = (
        [str(w) for w in t["instruction_words"]] if _named(said, t["instruction_phrases"]) else []
    )

    def keep(value: str) -> bool:
        return supported(value, said) and not (echo and _named(value, echo))

    kept: dict[str, Any] = {}
    for key in _TEXT_FIELDS:
        value = getattr(update, key)
        if value is not None and keep(value):
            kept[key] = value
    for key in _LIST_FIELDS:
        items = [v for v in getattr(update, key) or [] if keep(v)]
        if items:
            kept[key] = items
    platforms = [p for p in update.platforms or [] if _named(said, t["platforms"].get(p, [p]))]
    if platforms:
        kept["platforms"] = platforms
    languages = [c for c in update.languages or [] if _named(said, [c, *t["languages"].get(c, [])])]
    if languages:
        kept["languages"] = languages
    if update.duration_s is not None and _duration_said(update.duration_s, said):
        kept["duration_s"] = update.duration_s
    if update.use_case is not None and _named(said, t["use_cases"].get(update.use_case, [])):
        kept["use_case"] = update.use_case
    return BriefUpdate.model_validate(kept)
