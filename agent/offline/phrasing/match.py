"""Match vocabulary phrases in a message, and read the fields that are nothing more than that.

Phrases match case-insensitively as whole words, longest first, so "yt shorts" wins over "yt";
the vocabulary itself lives in ``prompts/phrases.yaml``. Platforms, tones, the use case and the
languages are plain lookups in it; fields that depend on where they sit in a sentence are read
in ``agent.offline.phrasing.fields``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from prompts import load_data
from tools.handoffs import PLATFORMS, UseCase

_PUNCT = re.compile(r"[.!?;,:\n\"“”()]|\s[-–—]\s")


def vocab() -> dict[str, Any]:
    """Return the phrase vocabulary (loaded once per process)."""
    data: dict[str, Any] = load_data("phrases")
    return data


@cache
def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Compile phrases into one word-bounded pattern that prefers the longest phrase."""
    ordered = sorted({p.lower() for p in phrases}, key=len, reverse=True)
    body = "|".join(re.escape(p) for p in ordered)
    return re.compile(rf"(?<![\w'-])(?:{body})(?![\w'-])", re.I)


def find_phrases(text: str, phrases: list[str]) -> list[re.Match[str]]:
    """Return every non-overlapping match of the phrases in the text, left to right."""
    return list(phrase_pattern(tuple(phrases)).finditer(text))


def has_phrase(text: str, phrases: list[str]) -> bool:
    """Return whether any of the phrases occurs in the text as whole words."""
    return phrase_pattern(tuple(phrases)).search(text) is not None


def is_exactly(text: str, phrases: list[str]) -> bool:
    """Return whether the message is one of the phrases and nothing more (punctuation aside)."""
    core = re.sub(r"[^\w\s'-]", " ", text.lower())
    core = " ".join(w for w in core.split() if w not in ("please", "now", "then", "thanks"))
    return core in {p.lower() for p in phrases}


def clause(text: str, start: int, max_words: int = 12) -> str:
    """Return the words from ``start`` up to the next punctuation, at most ``max_words``."""
    rest = text[start:]
    stop = _PUNCT.search(rest)
    piece = rest[: stop.start()] if stop else rest
    return " ".join(piece.split()[:max_words])


# --------------------------------------------------------------------------- platforms


def find_platforms(text: str) -> tuple[list[str], list[str]]:
    """Return the platforms named (our names, in order) and the unsupported ones named."""
    v = vocab()
    if has_phrase(text, v["all_platforms"]):
        return list(PLATFORMS), []
    by_phrase = {p.lower(): name for name, ps in v["platforms"].items() for p in ps}
    found = [by_phrase[m.group(0).lower()] for m in find_phrases(text, list(by_phrase))]
    unknown = [m.group(0).lower() for m in find_phrases(text, v["unknown_platforms"])]
    return list(dict.fromkeys(found)), list(dict.fromkeys(unknown))


def platform_spans(text: str) -> list[tuple[int, int]]:
    """Return where platform names sit, so other finders can skip them."""
    v = vocab()
    names = [p for ps in v["platforms"].values() for p in ps] + v["unknown_platforms"]
    return [m.span() for m in find_phrases(text, names)]


# --------------------------------------------------------------------------- tone


def find_tones(text: str) -> list[str]:
    """Return the tone and style words used, in order, without repeats."""
    words = [m.group(0).lower() for m in find_phrases(text, vocab()["tones"])]
    return list(dict.fromkeys(words))


def tone_phrase(words: list[str]) -> str:
    """Join tone words the way a person says them: "warm and cinematic"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# --------------------------------------------------------------------------- use case, languages


def find_use_case(text: str) -> UseCase | None:
    """Return the use case the words point at, or None when nothing does (a campaign)."""
    table = vocab()["use_cases"]
    if re.search(r"\bhow\b.+\bworks?\b", text, re.I):
        return "education"
    order: tuple[UseCase, ...] = ("personal_ip", "education", "ecommerce")
    for name in order:
        if has_phrase(text, table[name]):
            return name
    return None


def find_languages(text: str) -> list[str]:
    """Return language codes in the order named; captions in another language keep English first."""
    table: dict[str, str] = vocab()["languages"]
    codes = [table[m.group(0).lower()] for m in find_phrases(text, list(table))]
    codes = list(dict.fromkeys(codes))
    if codes and "en" not in codes and has_phrase(text, vocab()["caption_words"]):
        codes.insert(0, "en")
    return codes
