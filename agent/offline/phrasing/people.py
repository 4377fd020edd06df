"""Find who a video is for: "for teenagers", "for 10 year olds", "aimed at new parents".

A phrase counts as people when it names them: a word from the vocabulary ("parents",
"commuters"), an age ("10 year olds", "kids aged 6 to 9", "women over 40") or a head noun that
names what people do ("house hunters", "honeymooners"), but never a thing ("our new sneakers").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from agent.offline.phrasing.match import clause_end, has_phrase, vocab
from agent.offline.phrasing.nounphrase import MASK

_EXPLICIT = re.compile(
    r"\b(?:aimed at|targeting|target audience(?: is)?|audience is|to reach|speaking to|"
    r"talking to|made for|designed for|meant for|catering to)\s+",
    re.I,
)
_LEAD = re.compile(r"\b(?:for|to)\s+", re.I)
# Verbs whose object is people ("teach kids ...", "helping women over 40 change careers"): the
# people end where the verb's own object starts.
_VERB_LEAD = re.compile(r"\b(?:serving|helping|help|teach|teaching|teaches|show|showing)\s+", re.I)
_ARE_AUDIENCE = re.compile(
    r"(?:^|[,.;:!?]\s*|\band\s+)([\w][\w\s'-]{1,40}?)\s+(?:are|is)\s+(?:the|our|my)\s+"
    r"(?:target\s+|main\s+)?audience\b",
    re.I,
)
_CUT = re.compile(
    r"\s(?:on (?:insta|instagram|tiktok|youtube|yt|reels?|the feed|our|my|your|how|why|what|"
    r"the\s+\w+\s+\w+)|in(?! their| her| his| our| my)|"
    r"with|using|ending|that should|please|"
    r"at the end|via|about|so|because|explaining|showing)(?:\s.*)?$",
    re.I,
)
_AGE = re.compile(
    r"\b\d+\s*(?:-|to|–)?\s*\d*\s*(?:year|yr)s?[- ]?olds?\b|\baged?\s+\d+|\b(?:over|under)\s+\d+\b|"
    r"\bin (?:their|her|his) \d+s\b",
    re.I,
)
_AGENT = re.compile(r"(?:ers|ors|ists|ians|ees|folk|folks)$", re.I)
_WH = {"why", "how", "what", "when", "where", "which"}


@dataclass(frozen=True)
class Audience:
    """Who a video is for, and where in the message that was said."""

    name: str
    span: tuple[int, int]


@cache
def _words(key: str) -> frozenset[str]:
    return frozenset(str(w).lower() for w in vocab()[key])


def is_people(phrase: str) -> bool:
    """Return whether a phrase names people rather than a thing or a place."""
    low = phrase.lower().strip()
    if not low or (re.match(r"^(?:our|my|the)\s+(?:new\s+)?\w+$", low) and not has_phrase(
        low, vocab()["audience_nouns"]
    )):
        return False
    if _AGE.search(low):
        return True
    head = re.split(
        r"\s+(?:who|that|looking|with|of|in|from|over|under|on|for|at|about|to)\b", low
    )[0].split()
    if not head:
        return False
    last = head[-1].strip(",.")
    if last in _words("not_people"):
        return False
    if has_phrase(" ".join(head), vocab()["audience_nouns"]):
        return True
    possessed = low.split()[0] in ("our", "my", "the", "a", "an")
    return not possessed and len(last) > 4 and _AGENT.search(last) is not None


def find_audience(text: str) -> Audience | None:
    """Return who the message says the video is for, or None."""
    found = _ARE_AUDIENCE.search(text)
    if found and is_people(found.group(1)):
        name = _strip(found.group(1))
        return Audience(name, (found.start(1), found.end()))
    for pattern, explicit in ((_EXPLICIT, True), (_LEAD, False), (_VERB_LEAD, False)):
        for lead in pattern.finditer(text):
            if text[lead.end() : lead.end() + 1] == MASK:
                continue  # "for insta": the lead's words were read as something else
            phrase, end = _phrase(text, lead.end(), trim_verb=pattern is _VERB_LEAD)
            if phrase and (explicit or is_people(phrase)):
                start = lead.end() if pattern is _VERB_LEAD else lead.start()
                return Audience(_strip(phrase), (start, end))
    return _bare_clause(text)


def _bare_clause(text: str) -> Audience | None:
    """Return a clause that is nothing but people (", eco-conscious shoppers,") as the audience."""
    for match in re.finditer(r"(?:^|(?<=[,;:]))\s*([^,;:.!?\n" + MASK + r"]{3,60})", text):
        phrase = match.group(1).strip()
        words = phrase.split()
        owned = re.match(r"(?i)(?:our|my|the|a|an)\b", phrase)
        plain = 1 <= len(words) <= 5 and not owned and not re.search(r"\d", phrase)
        if plain and is_people(phrase):
            return Audience(phrase, (match.start(1), match.start(1) + len(phrase)))
    return None


def _phrase(text: str, start: int, *, trim_verb: bool) -> tuple[str, int]:
    """Return the people phrase from ``start`` and where it ends."""
    stop = clause_end(text, start)
    raw = text[start:stop].split(MASK)[0]
    words = raw.split()[:10]
    cut = list(words)
    for n, word in enumerate(words):
        if word.lower() in _WH:
            cut = words[:n]
            break
    phrase = _CUT.sub("", " ".join(cut))
    if trim_verb:
        phrase = _up_to_people(phrase)
    phrase = re.sub(r"(?:\s+(?:on|in|at|for|with|via|and|to))+\s*$", "", phrase.strip(" ,.;:!?"))
    end = text.find(phrase, start) + len(phrase) if phrase else start
    return phrase, end


def _up_to_people(phrase: str) -> str:
    """Keep "women over 40" of "women over 40 change careers": up to the last people word."""
    words = phrase.split()
    last = -1
    for n, word in enumerate(words):
        pair = " ".join(words[max(0, n - 1) : n + 1])
        if word.isdigit() or is_people(word) or (n > 0 and is_people(pair)):
            last = n
        elif word.lower() not in _CONNECTORS and (last >= 0 or not word[:1].islower()):
            break  # the verb's own object starts: "women over 40 | change careers"
    return " ".join(words[: last + 1])


_CONNECTORS = {"over", "under", "aged", "age", "to", "and", "of", "from", "young", "new", "busy",
               "local", "small", "first-time", "older", "little", "all", "between"}


def _strip(phrase: str) -> str:
    return re.sub(r"^(?:the|our|my|a|an|all)\s+", "", phrase.strip(), flags=re.I)
