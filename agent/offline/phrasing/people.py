"""Find who a video is for: "for teenagers", "for 10 year olds", "aimed at new parents".

A phrase counts as people when it names them: a word from the vocabulary ("parents",
"commuters"), an age ("10 year olds", "kids aged 6 to 9", "women over 40") or a head noun that
names what people do ("house hunters", "honeymooners"), but never a thing ("our new sneakers").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from agent.offline.phrasing.match import clause_end, has_phrase, phrase_pattern, vocab
from agent.offline.phrasing.nounphrase import MASK

_EXPLICIT = re.compile(
    r"\b(?:aimed at|targeting|target audience(?: is)?|audience is|to reach|speaking to|"
    r"talking to|made for|designed for|meant for|catering to|"
    r"target(?: market| group| customers?)? (?:is|are))\s+"
    # A label said without its colon, first thing in a clause: ", audience homeowners in Bonn".
    r"|(?:^|(?<=[,;.!?] )|(?<=[,;.!?]))(?:target |main )?audience\s+(?:(?:is|are|=|-)\s+)?(?=\w)",
    re.I,
)
# Verbs of a purpose whose object is the people a video should win ("to get tourists to book",
# "to attract donors"): "to" before them is no audience lead; the verb lead reads the people.
_PURPOSE = r"get|attract|bring in|draw in|win over|pull in|invite"
# "looking for clients", "asking for feedback": what someone seeks is not who watches.
_LEAD = re.compile(
    r"(?<!looking )(?<!searching )(?<!hoping )(?<!asking )(?<!waiting )(?<!applying )"
    rf"\b(?:for|to)\s+(?!(?:{_PURPOSE})\b)",
    re.I,
)
# Verbs whose object is people ("teach kids ...", "helping women over 40 change careers",
# "to attract donors", "inviting wine lovers to ..."): the people end where the verb's own
# object starts.
_VERB_LEAD = re.compile(
    r"\b(?:serving|helping|help|teach|teaching|teaches|show|showing|attracting|inviting|"
    r"bringing in)\s+",
    re.I,
)
# Whom the video is meant to win ("to attract corporate sponsors"): read before a passing "for
# girls aged 10-14", which may describe what the business does rather than who watches.
_PURPOSE_LEAD = re.compile(rf"\bto (?:{_PURPOSE})\s+", re.I)
_ARE_AUDIENCE = re.compile(
    r"(?:^|[,.;:!?]\s*|\band\s+)([\w][\w\s'-]{1,40}?)\s+(?:are|is)\s+(?:the|our|my)\s+"
    r"(?:target\s+|main\s+|biggest\s+|core\s+)?(?:audience|buyers|customers|clients|market|"
    r"demographic|users)\b",
    re.I,
)
_CUT = re.compile(
    r"\s(?:on (?:insta|instagram|tiktok|youtube|yt|reels?|the feed|our|my|your|how|why|what|"
    r"the\s+\w+\s+\w+)|in(?! their| her| his| our| my)|"
    r"with|using|ending|that should|please|"
    r"at the end|via|about|so|because|explaining|showing)(?:\s.*)?$",
    re.I,
)
# What ends a relative clause about the people ("who cook | so the video should ..."): fewer
# words than ``_CUT``, since "who care about ingredients" says who they are.
_RELATIVE_CUT = re.compile(
    r"\s(?:so|because|please|ending|that should|at the end|via|using|explaining|showing|"
    r"on (?:insta|instagram|tiktok|youtube|yt|reels?))(?:\s.*)?$",
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
        r"\s+(?:who|that|looking|with|of|in|from|over|under|on|for|at|about|to|like)\b", low
    )[0].split()
    head = _without_tail(head)
    if not head:
        return False
    last = head[-1].strip(",.")
    if last in _words("not_people"):
        return False
    if _ends_in_people(head):
        return True
    possessed = low.split()[0] in ("our", "my", "the", "a", "an")
    return not possessed and len(last) > 4 and _AGENT.search(last) is not None


# Words after people that say where or how they are, not who: "food lovers abroad".
_PEOPLE_TAIL = {"abroad", "overseas", "nearby", "locally", "online", "worldwide", "everywhere",
                "here", "too", "alike", "today"}


def _without_tail(head: list[str]) -> list[str]:
    """Drop what follows the people of a phrase: "food lovers abroad", "people trying to eat
    healthier" (a word in -ing after a people word starts what they do)."""
    for n, word in enumerate(head[1:], start=1):
        if word.endswith("ing") and len(word) > 4 and _ends_in_people(head[:n]):
            return head[:n]
    while len(head) > 1 and head[-1].strip(",.!?") in _PEOPLE_TAIL:
        head = head[:-1]
    return head


def _ends_in_people(head: list[str]) -> bool:
    """Say whether a phrase's head ends in a people word ("busy dog owners", "kids 7-12"), not
    merely holds one ("helps students budget" is a verb and its object)."""
    while head and re.fullmatch(r"[\d+\-–/]+", head[-1].strip(",.")):
        head = head[:-1]
    said = " ".join(head)
    return any(m.end() == len(said.rstrip(",.!?"))
               for m in phrase_pattern(tuple(vocab()["audience_nouns"])).finditer(said))


def find_audience(text: str) -> Audience | None:
    """Return who the message says the video is for, or None."""
    found = _ARE_AUDIENCE.search(text)
    if found and is_people(found.group(1)):
        name = _strip(found.group(1))
        return Audience(name, (found.start(1), found.end()))
    tiers = ((_EXPLICIT, True), (_PURPOSE_LEAD, False), (_LEAD, False), (_VERB_LEAD, False))
    for pattern, explicit in tiers:
        verb = pattern in (_VERB_LEAD, _PURPOSE_LEAD)
        for lead in pattern.finditer(text):
            if text[lead.end() : lead.end() + 1] == MASK:
                continue  # "for insta": the lead's words were read as something else
            phrase, end = _phrase(text, lead.end(), trim_verb=verb)
            if phrase and (explicit or is_people(phrase)):
                start = lead.end() if verb else lead.start()
                return Audience(_strip(phrase), (start, end))
    return _bare_clause(text)


def _bare_clause(text: str) -> Audience | None:
    """Return a clause that is nothing but people (", eco-conscious shoppers,") as the audience."""
    for match in re.finditer(r"(?:^|(?<=[,;:]))\s*([^,;:.!?\n" + MASK + r"]{3,60})", text):
        phrase = match.group(1).strip()
        words = phrase.split()
        owned = re.match(r"(?i)(?:our|my|the|a|an)\b", phrase)
        plain = 1 <= len(words) <= 10 and not owned and not re.search(r"\d", phrase)
        if plain and is_people(phrase):  # "office workers looking for a quick dinner"
            return Audience(strip_hedge(phrase), (match.start(1), match.start(1) + len(phrase)))
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
    said = " ".join(cut)
    at = _describing(said)
    head = said[:at] if at is not None else said
    phrase = _CUT.sub("", head)
    if at is not None and phrase == head:  # "dog owners who care about ingredients"
        tail = said[at:]
        with_ = _WITH.match(tail)  # "with toddlers | about our cafe": what they have ends there
        phrase += (f" with {_CUT.sub('', ' ' + tail[with_.end():]).strip()}" if with_
                   else _RELATIVE_CUT.sub("", tail))
    if trim_verb:
        phrase = _up_to_people(phrase)
    phrase = re.sub(r"(?:\s+(?:on|in|at|for|with|via|and|to))+\s*$", "", phrase.strip(" ,.;:!?"))
    end = text.find(phrase, start) + len(phrase) if phrase else start
    return phrase, end


_WITH = re.compile(r"\s+with\s+", re.I)
_DETERMINERS = {"a", "an", "the", "some", "their", "his", "her", "our", "my", "your", "its"}
_NOT_HAD = {"vibe", "vibes", "tone", "feel", "feeling", "music", "voice", "voiceover", "captions",
            "subtitles", "energy", "style", "look", "text", "colours", "colors", "palette", "cta"}


def _describing(said: str) -> int | None:
    """Return where a clause saying who the people are starts, or None.

    "who care about ingredients" always; "with new year's resolutions" after people, unless
    what follows is about the video ("kids with a fun vibe"), which ``_CUT`` ends at "with".
    """
    relative = re.search(r"\s(?:who|whose)\s", said)
    if relative is not None:
        return relative.start()
    found = _WITH.search(said)
    if found is None or not is_people(said[: found.start()]):
        return None
    what = {w.strip(",.!?").lower() for w in said[found.end() :].split()[:3]}
    if not what - _DETERMINERS:  # "students with a ..." cut short by a length read there
        return None
    return None if what & (_NOT_HAD | _words("tones")) else found.start()


def _up_to_people(phrase: str) -> str:
    """Keep "women over 40" of "women over 40 change careers": up to the last people word."""
    words = phrase.split()
    last = -1
    for n, word in enumerate(words):
        pair = " ".join(words[max(0, n - 1) : n + 1])
        # A pair counts for "year olds", never for "moms get" (the people ended at "moms").
        paired = n > 0 and not is_people(words[n - 1]) and is_people(pair)
        if word.isdigit() or is_people(word) or paired:
            last = n
        elif word.lower() not in _CONNECTORS and (
                last >= 0 or not word[:1].islower() or word.lower() in _THEIR_VERBS):
            break  # the verb's own object starts: "women over 40 | change careers"
    return " ".join(words[: last + 1])


# Verbs that say what the helped do ("help small shops | get more customers"): no people
# word comes after one of them.
_THEIR_VERBS = {"get", "make", "grow", "find", "learn", "build", "save", "sell", "reach", "become",
                "be", "have", "do", "feel", "stay", "keep", "start", "win", "earn", "land"}
_CONNECTORS = {"over", "under", "aged", "age", "to", "and", "of", "from", "young", "new", "busy",
               "local", "small", "first-time", "older", "little", "all", "between"}


# Words that soften an answer without saying anything of who: "mostly office workers",
# "anyone really"; before the answer, or after it.
_HEDGES = (r"mostly|mainly|primarily|largely|usually|generally|typically|probably|basically|"
           r"honestly|maybe|perhaps|just|really|i guess|i think|i suppose|i'd say|i would say|"
           r"definitely|especially")
_HEDGE = re.compile(rf"^(?:(?:{_HEDGES})[,\s]+)+", re.I)
_TRAILING_HEDGE = re.compile(rf"(?:[,\s]+(?:{_HEDGES}))+[\s.!]*$", re.I)


def strip_hedge(phrase: str) -> str:
    """Drop the hedge around an answer: "mostly office workers" -> "office workers",
    "anyone really" -> "anyone"."""
    said = _TRAILING_HEDGE.sub("", _HEDGE.sub("", phrase.strip()))
    return said or phrase.strip()


def _strip(phrase: str) -> str:
    return re.sub(r"^(?:the|our|my|a|an|all)\s+", "", strip_hedge(phrase), flags=re.I)
