"""Read the narration voice out of free phrasing, store it plainly and say it back.

Only a gender next to a voice word counts as a voice choice, so an audience ("for women who
run") or a tone ("warm") is never mistaken for one.
"""

from __future__ import annotations

import re
from functools import cache

from agent.offline.phrasing.match import phrase_pattern, vocab


def voice_gender(text: str) -> str | None:
    """Return the gender a voice description names ("a calm woman" -> female), if any."""
    best: tuple[int, str] | None = None
    for gender, words in vocab()["voice"]["genders"].items():
        hit = phrase_pattern(tuple(words)).search(text)
        if hit and (best is None or hit.start() < best[0]):
            best = (hit.start(), str(gender))
    return best[1] if best else None


@cache
def _voice_patterns() -> tuple[re.Pattern[str], ...]:
    v = vocab()["voice"]
    genders = sorted({w for ws in v["genders"].values() for w in ws}, key=len, reverse=True)
    markers = sorted(v["markers"], key=len, reverse=True)
    g = "|".join(re.escape(w) for w in genders)
    m = "|".join(re.escape(w) for w in markers)
    lead = r"(?:(?:use|with|have|want|get|and)\s+)?(?:(?:a|an|the)\s+)?"
    gap = r"(?:[\w-]+\s+){0,2}?"  # "a female voice", "a calm female narrator"
    return (
        re.compile(rf"(?<![\w'-]){lead}(?:{g})\s+{gap}(?:{m})(?![\w'-])", re.I),
        re.compile(
            rf"(?<![\w'-])(?:{m})\s*[:=]?\s+(?:(?:should be|is|to be|as|by|from|of)\s+)?"
            rf"(?:(?:a|an|the)\s+)?(?:{g})(?![\w'-])",
            re.I,
        ),
    )


def find_voice(text: str) -> tuple[str, tuple[int, int]] | None:
    """Return the narration voice a message asks for ("female") and where it sits.

    Only a gender next to a voice word counts ("use a female voice", "a woman narrating"), so
    "for women who run" stays an audience and "warm" stays the tone.
    """
    for pattern in _voice_patterns():
        hit = pattern.search(text)
        if hit:
            gender = voice_gender(hit.group(0))
            if gender:
                return gender, hit.span()
    return None


def normal_voice(value: str) -> str:
    """Return a voice choice as stored: the bare gender when that is all it says ("a woman")."""
    v = vocab()["voice"]
    gender = voice_gender(value)
    words = [*v["markers"], *(w for ws in v["genders"].values() for w in ws), "a", "an", "the"]
    leftover = phrase_pattern(tuple(words)).sub(" ", value)
    if gender and not re.sub(r"[\W_]+", "", leftover):
        return gender
    return " ".join(value.split())


def voice_phrase(voice: str) -> str:
    """Say a voice choice back in words: "female" -> "a female voice"."""
    said = " ".join(voice.split()).rstrip(".")
    if not re.search(r"\b(?:voice|narrator|narration)\b", said, re.I):
        said = f"{said} voice"
    article = "an" if re.match(r"[aeiou]", said, re.I) else "a"
    return f"{article} {said}"
