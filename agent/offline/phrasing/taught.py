"""Read what a school or teacher offers from "we teach kids to swim": "swimming lessons".

A person who teaches names the learners and the skill, rarely the lessons themselves; the skill
said as lessons is what the video is about ("we teach adults to code" -> "coding lessons").
"""

from __future__ import annotations

import re

from agent.offline.phrasing.nounphrase import MASK
from agent.offline.phrasing.people import is_people

_TAUGHT = re.compile(
    r"\b(?:we|i)\s+(?:teach\s+(?P<who>[\w'’ ·-]{2,40}?)\s+(?:how\s+)?to|"
    r"help\s+(?P<learners>[\w'’ ·-]{2,40}?)\s+learn(?:\s+how)?(?:\s+to)?)\s+"
    r"(?P<skill>[a-z]{2,15})\b",
    re.I,
)
_NOT_SKILLS = {"be", "get", "make", "do", "have", "feel", "become", "find", "love", "enjoy"}


def gerund(verb: str) -> str:
    """Return the -ing form of a verb: swim -> swimming, code -> coding, ski -> skiing."""
    v = verb.lower()
    if v.endswith("ie"):
        return v[:-2] + "ying"
    if v.endswith("e") and not v.endswith(("ee", "ye", "oe")):
        return v[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", v):
        return v + v[-1] + "ing"
    return v + "ing"


def taught_skill(text: str) -> tuple[str, tuple[int, int]] | None:
    """Return "<skill> lessons" and where the skill was said, or None."""
    found = _TAUGHT.search(text)
    if found is None or found.group("skill").lower() in _NOT_SKILLS:
        return None
    who = found.group("who") or found.group("learners")
    if who.strip(MASK + " ") and not is_people(who):  # (hidden: the audience was read there)
        return None
    return f"{gerund(found.group('skill'))} lessons", found.span("skill")
