"""Read a name a person gave: after "called", or after the common noun it names.

"a shop called Spoke & Chain", "our indie game Starfall Drift", "SaaS tool Trackly": the name is
the working title, said as the person wrote it.
"""

from __future__ import annotations

import re

_NAME_JOINERS = {"&", "and", "of", "the", "n", "'n'", "de", "la", "le", "du", "on", "+"}
_NAME_ENDS = re.compile(
    r"\s+(?:about|for|in|at|to|with|that|which|who|where|but|is|are|was|helps?|makes?|"
    r"sells?|on|from|by|near)\b.*$", re.I)


def name_of(value: str) -> str:
    """Return the name at the start of what follows "called": its capitalised words ("Spoke &
    Chain", "The Daily Grind"), or, typed all in lower case, the words before a preposition or a
    verb ("spoke and chain" of "spoke and chain in leeds"); a quoted name is taken whole."""
    words = value.strip(" '\"").split()
    if words and words[0][:1].isupper():
        name: list[str] = []
        for n, word in enumerate(words):
            joins = word.lower() in _NAME_JOINERS and n + 1 < len(words) and (
                words[n + 1][:1].isupper() or words[n + 1][:1].isdigit())
            if not (word[:1].isupper() or word[:1].isdigit() or (name and joins)):
                break
            name.append(word)
        return " ".join(name).strip(" ,.;:!?")
    return _NAME_ENDS.sub("", " ".join(words[:5])).strip(" ,.;:!?")


def trailing_name(subject: str) -> str:
    """Return the name after a common noun ("Starfall Drift" of "indie game Starfall Drift")."""
    words = subject.split()
    run: list[str] = []
    for word in reversed(words):
        if not (word[:1].isupper() or word[:1].isdigit() or (run and word == "&")):
            break
        run.insert(0, word)
    before = words[len(words) - len(run) - 1].lower() if len(run) < len(words) else ""
    if before in ("on", "about", "for", "of", "in", "with", "to", "from"):
        return ""  # "webinar on AI": a topic, not the webinar's name
    # A name follows a common noun said in lower case ("indie game Starfall Drift", "SaaS tool
    # Trackly"), never a run of capitals alone ("Black Friday Sale").
    common = any(w[:1].islower() for w in words[: len(words) - len(run)])
    return " ".join(run) if run and len(run) < len(words) and common else ""
