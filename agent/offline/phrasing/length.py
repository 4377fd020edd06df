"""Read the video's length out of free phrasing: "20 s", "a 20-second reel", "half a minute".

A message can hold other amounts of time ("we fix flats in 15 minutes", "burns for 60 hours"), so
every mention is weighed by where it sits: next to a video word or after "make it", it is the
length; after "in" or "within", or outside what a video can last, it is a fact about the subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from agent.offline.phrasing.match import find_phrases, vocab

NUMBER = r"\d+(?:\.\d+)?"
_UNITS = {
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
}
_LENGTH_CONTEXT = re.compile(
    r"\b(?:make it|long|length|lasts?|runtime|video|reel|clip|ad|film|should be|needs to be)\b",
    re.I,
)
_LENGTH_BEFORE = re.compile(
    r"(?:\b(?:make it|keep it|about|around|roughly|max|maximum|under|only|just|exactly|like|"
    r"approx|approximately|length|duration|runtime|lasting|a|an|one|of)\s*[:=]?\s*$)|^\s*$",
    re.I,
)
_FACT_BEFORE = re.compile(
    r"\b(?:within|after|every|per|takes?|took|for|since|over|wait|waiting|ready in|done in|"
    r"up to|lasts? up to)\s*$",
    re.I,
)
# "in 40 seconds" is how people say a length; "in 15 minutes" is how fast something happens.
_IN_BEFORE = re.compile(r"\b(?:in|in just|in only|in under)\s*$", re.I)
_VIDEO_AFTER = re.compile(
    r"^\s*(?:long\b|video|reel|clip|ad|tiktok|short|promo|spot|film|vid|explainer|teaser|"
    r"youtube|insta|ig|yt|version|cut|each)",
    re.I,
)


@dataclass(frozen=True)
class Length:
    """A length in seconds and where in the message it was said."""

    seconds: float
    span: tuple[int, int]


@cache
def _duration_pattern() -> re.Pattern[str]:
    words = sorted(vocab()["number_words"], key=len, reverse=True)
    number = "|".join([NUMBER, *(re.escape(w) for w in words)])
    units = "|".join(sorted(_UNITS, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])({number})\s*-?\s*({units})(?![a-z])", re.I)


def _mentions(text: str) -> list[Length]:
    table: dict[str, float] = vocab()["durations"]
    found = [
        Length(float(table[m.group(0).lower()]), m.span()) for m in find_phrases(text, list(table))
    ]
    taken = [f.span for f in found]
    for match in _duration_pattern().finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        raw, unit = match.group(1).lower(), match.group(2).lower()
        value = float(raw) if raw[0].isdigit() else float(vocab()["number_words"][raw])
        found.append(Length(value * _UNITS[unit], match.span()))
    return sorted(found, key=lambda f: f.span)


def _weight(text: str, length: Length) -> tuple[float, bool]:
    """Return how surely a mention is the video's length, and whether it reads as a fact."""
    before = text[max(0, length.span[0] - 24) : length.span[0]]
    after = text[length.span[1] : length.span[1] + 16]
    score = 0.0
    video = _VIDEO_AFTER.match(after) is not None
    if video:
        score += 2.0
    if _LENGTH_BEFORE.search(before):
        score += 1.0
    fact = bool(_FACT_BEFORE.search(before) or (_IN_BEFORE.search(before) and length.seconds >= 60))
    fact = fact and not video
    if fact:
        score -= 2.0
    if not 3.0 <= length.seconds <= 600.0:
        score -= 3.0
    return score, fact


def find_length(text: str) -> Length | None:
    """Return the video's length as said in the message, and where ("a 20-second reel")."""
    weighed = [(_weight(text, m), m) for m in _mentions(text)]
    if not weighed:
        return None
    (_score, fact), best = max(weighed, key=lambda w: w[0][0])
    if fact:
        return None  # "we fix flats in 15 minutes": how fast something is, not the video's length
    if best.seconds >= 3600 and not _LENGTH_CONTEXT.search(text):
        return None  # "burns for 60 hours" is a fact about the product, not the video's length
    return best


def find_duration(text: str) -> float | None:
    """Return a length in seconds ("about 15s", "half a minute", "1 min", "3 hours")."""
    found = find_length(text)
    return found.seconds if found else None


def bare_number(text: str) -> float | None:
    """Return the number of a message that is little more than a number ("15", "20 please").

    A time of day, a share or a date is no length: "order by 2pm" answers nothing about it.
    """
    match = re.fullmatch(rf"\D{{0,12}}?({NUMBER})\D{{0,12}}", text.strip())
    if match is None or _NOT_A_LENGTH.match(text.strip()[match.end(1):]):
        return None
    return float(match.group(1))


_NOT_A_LENGTH = re.compile(r"\s*(?:a\.?m\b|p\.?m\b|%|:|st\b|nd\b|rd\b|th\b|o'?clock)", re.I)
