"""Say each failed check in a marketer's words, filled from the production's real values.

The words live in prompts/verdicts.yaml, one entry per check name: what is wrong and what will
be done about it. They are filled from the check (scene, cut, measured value, phrase) and the
production (subject, CTA), so "picture shows subject" on scene 3 becomes "Scene 3 doesn't show
the croissant — I'll redraw it with the croissant in frame." The measurement stays in the JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from prompts import load_data
from tools.handoffs import QACheck

_QUOTED = re.compile(r"“([^”]+)”")
_DETERMINERS = frozenset({"a", "an", "the", "our", "your", "my", "their", "this", "these"})


@dataclass(frozen=True)
class Words:
    """The production's values a verdict may name."""

    subject: str = "the subject"
    cta: str = ""


def verdict_words() -> dict[str, dict[str, str]]:
    """Return the words per check name: {"says": ..., "fix": ...}."""
    data: dict[str, Any] = load_data("verdicts")
    return {str(k): {"says": str(v["says"]), "fix": str(v["fix"])} for k, v in data.items()}


def the(subject: str) -> str:
    """Return a subject as it reads mid-sentence: "cold brew coffee" -> "the cold brew coffee"."""
    text = " ".join(subject.split())
    first = text.split(" ", 1)[0].lower() if text else ""
    return text if not text or first in _DETERMINERS else f"the {text}"


def _scene(c: QACheck) -> str:
    if c.scene is None:
        return "the video"
    return "the poster frame" if c.scene < 0 else f"scene {c.scene + 1}"


def _cut(variant: str) -> str:
    if not variant:
        return "the video"
    names = variant.split("+")
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    kind = "frames" if ":" in variant else "cuts" if len(names) > 1 else "cut"
    return f"the {joined} {kind}"


def _phrase(c: QACheck) -> str:
    for text in (c.threshold, c.detail, str(c.value)):
        found = _QUOTED.search(text)
        if found:
            return f"“{found.group(1)}”"
    return f"“{c.detail or c.value}”"


def _places(c: QACheck) -> str:
    found = re.search(r"missing from ([^;]+)", c.detail)
    if not found:
        return "some versions"
    parts = [p.strip() for p in found.group(1).split(",") if p.strip()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _value(c: QACheck) -> str:
    return f"{c.value:g}" if isinstance(c.value, float) else str(c.value)


def say(c: QACheck, words: Words, variants: list[str] | None = None) -> str:
    """Return one failed check as a sentence: what is wrong — what will be done about it.

    ``variants`` names every cut the same failure was found on (default: the check's own).
    """
    entry = verdict_words().get(c.name)
    if entry is None:  # a check without words still reads as a sentence
        entry = {"says": f"{c.name.replace('_', ' ')} is off in {{cut}}", "fix": c.fix}
    cut = _cut("+".join(variants) if variants else c.variant or "")
    scene = _scene(c)
    values = {
        "scene": scene, "Scene": scene[:1].upper() + scene[1:],
        "cut": cut, "Cut": cut[:1].upper() + cut[1:],
        "subject": the(words.subject), "cta": f"“{words.cta}”",
        "phrase": _phrase(c), "places": _places(c), "value": _value(c),
    }
    says = entry["says"].format(**values).rstrip(". ")
    fix = entry["fix"].format(**values).rstrip(". ")
    return f"{says} — {fix}."
