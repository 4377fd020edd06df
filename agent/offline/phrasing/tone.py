"""Find how a video should feel: "warm and cinematic", "upbeat but trustworthy", "chill vibe".

A short clause made of tone words ("bright and fizzy", "earthy tones", "something slick") is the
tone as the person worded it; otherwise the tone words said anywhere are joined. Words after
"not" ("not preachy") are what the video should not be, so they are left out.
"""

from __future__ import annotations

import re
from functools import cache

from agent.offline.phrasing.match import find_phrases, find_tones, tone_phrase, vocab
from agent.offline.phrasing.nounphrase import MASK

_CLAUSES = re.compile(r"[,.;:!?\n()]|\s[-–—]\s|" + MASK + "+")
_JOINERS = {"and", "but", "yet", "&", "or", "with", "plus"}


@cache
def _fillers() -> tuple[re.Pattern[str], re.Pattern[str]]:
    f = vocab()["tone_fillers"]
    lead = "|".join(re.escape(w) for w in sorted(f["lead"], key=len, reverse=True))
    tail = "|".join(re.escape(w) for w in sorted(f["tail"], key=len, reverse=True))
    return (
        re.compile(rf"^(?:(?:{lead})\s+)+", re.I),
        re.compile(rf"(?:\s+(?:{tail}))+$", re.I),
    )


@cache
def _known() -> frozenset[str]:
    return frozenset(w.lower() for w in vocab()["tones"])


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - 12) : start].lower().split()
    return bool(before) and before[-1] in {w.lower() for w in vocab()["tone_negations"]}


def _clause_tone(clause: str) -> str | None:
    """Return a clause that is nothing but a tone ("bright and fizzy"), cleaned, or None."""
    lead, tail = _fillers()
    words = tail.sub("", lead.sub("", clause.strip())).strip()
    parts = words.lower().split()
    if not parts or len(parts) > 4 or parts[0] in _JOINERS:
        return None
    tones = [p for p in parts if p in _known()]
    unknown = [p for p in parts if p not in _known() and p not in _JOINERS]
    if not tones or len(unknown) > 1 or any(not u.isalpha() for u in unknown):
        return None
    if unknown and len(parts) < 3:
        return None  # "friendly narrator": one tone word beside a noun is not a tone phrase
    if any(p in {w.lower() for w in vocab()["tone_negations"]} for p in parts):
        return None
    return " ".join(parts)


def find_tone(text: str) -> tuple[str, list[str]] | None:
    """Return the tone as said and its known tone words, or None when no tone is named."""
    phrases: list[str] = []
    pos = 0
    for piece in [*_CLAUSES.split(text), ""]:
        start = text.find(piece, pos) if piece else pos
        pos = start + len(piece)
        found = _clause_tone(piece) if piece.strip() and not _negated(text, start) else None
        if found:
            phrases.append(found)
    if phrases:
        words = list(dict.fromkeys(w for p in phrases for w in find_tones(p)))
        return (phrases[0] if len(phrases) == 1 else tone_phrase(phrases)), words
    words = [
        m.group(0).lower()
        for m in find_phrases(text, vocab()["tones"])
        if not _negated(text, m.start())
    ]
    words = list(dict.fromkeys(words))
    return (tone_phrase(words), words) if words else None
