"""Find what a video is about in free phrasing, with whose it is and where they are.

People describe a business before they ask for a video ("We're a small bike repair shop in
Leeds ..."), name a product they launch, or a topic they explain. The readers below are tried
from the most to the least specific; the first noun phrase that is neither people, a place nor
the video itself is the subject. The owner ("our bakery's croissant") and the place ("in Leeds",
"the town of Harrogate") are kept apart, for the title only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from agent.offline.phrasing.match import clause_end, find_phrases, has_phrase, vocab
from agent.offline.phrasing.nounphrase import MASK, Phrase, Token, joined, tokens, trim
from agent.offline.phrasing.taught import taught_skill

_SELF = re.compile(r"^(?:(?:my|our)\s+)?(?:personal\s+)?(?:brand|myself|me|self)$", re.I)
_ROLE = re.compile(r"\bas\s+(?:a|an)\s+", re.I)
_I_AM = re.compile(r"\b(?:i'm|i’m|i am|im)\s+(?:a|an)\s+", re.I)
_AREA = r"(?:(?:downtown|central|uptown|north|south|east|west|old|greater|inner)\s+)?"
_PLACE = re.compile(
    r"[\s,]*(?:(?:at|on|by|near) the [\w-]+\s+)?"
    rf"(?:(?:in|based in)\s+{_AREA}([A-Za-z][\w'’-]*(?:\s+[A-Z][\w'’-]*){{0,2}})|"
    rf"(?:from|on the|out of)\s+{_AREA}([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){{0,2}}))"
)
_NAMED_PLACE = re.compile(
    rf"\b(?:in|based in|from|on the|out of)\s+{_AREA}([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){{0,2}})"
)


@dataclass(frozen=True)
class Subject:
    """What the video is about, where that was said, and whose and where it is."""

    name: str
    span: tuple[int, int]
    owner: str = ""
    location: str = ""
    event: str = ""
    topic: bool = False


@cache
def _words(key: str) -> frozenset[str]:
    return frozenset(str(w).lower() for w in vocab()[key])


def _after(
    text: str, start: int, *, topics: bool = False, descriptive: bool = True,
    product: bool = False,
) -> Phrase | None:
    words = tokens(text, start, clause_end(text, start))
    if not words:
        return None
    return trim(text, words, topics=topics, descriptive=descriptive, product=product)


def _valid(text: str, phrase: Phrase | None) -> bool:
    """Return whether a phrase can be a subject: not people, a place, a length or the channel."""
    if phrase is None:
        return False
    name = text[phrase.start : phrase.end]
    words = name.lower().split()
    counted = words[0].isdigit() or words[0] in _words("number_words")
    if not words or all(w.isdigit() for w in words) or (counted and len(words) <= 2):
        return False  # "5 years", "eighteen hours": a count, not a subject
    head = words[-1].strip("'’")
    if phrase.topic:
        return True
    if head in _words("audience_nouns") or head in _words("not_subjects"):
        return False
    if len(words) == 1 and head in _words("vague_subjects"):
        return bool(beside_name(text[phrase.end :]))  # "our app, Penny, ..." names it
    if has_phrase(name, vocab()["place_leads"]) or re.search(r"\d\s*(?:s|sec|min)\b", name):
        return False
    return not all(w in _words("tones") | _words("subject_fillers") for w in words)


_BESIDE = re.compile(
    r",\s*((?:The\s+)?[A-Z][\w'’&-]*(?:\s+(?:&|and|of|the|[A-Z][\w'’&-]*)){0,3})"
    r"(?=\s*(?:[!.,;?]|$))"
)
_NOT_NAMES = frozenset({"thanks", "thank", "please", "cheers", "thx", "pls", "ty", "hi", "hello"})


def beside_name(after: str) -> str:
    """Return a name set beside the subject ("our first album, Paper Moons!"), or ""."""
    found = _BESIDE.match(after)
    if found is None or found.group(1).split()[0].lower() in _NOT_NAMES:
        return ""
    return found.group(1)


def _first_person(text: str, start: int) -> bool:
    before = text[:start].split()
    return bool(before) and before[-1].lower().strip(",") in ("i", "we", "i'll", "we'll", "i'd")


def _marked(text: str) -> Iterator[Phrase | None]:
    """Words after "promoting", "launching", "explaining"; "a video about", "explainer on"."""
    markers = vocab()["subject_markers"]["strong"]
    for match in find_phrases(text, markers):
        if not _first_person(text, match.start()):
            off = _PARTICLE.match(text, match.end())  # "showing off our new sourdough"
            yield _after(text, off.end() if off else match.end(), topics=True)
    video = _words("video_nouns")
    words = tokens(text, 0)
    about = ("about", "on", "regarding", "covering", "re")
    for n, word in enumerate(words[:-1]):
        nxt = words[n + 1]
        if word.low in video and nxt.low in about:
            yield _after(text, nxt.end, topics=True)
        elif word.low in video and nxt.low in ("for", "on") and n + 2 < len(words):
            # "a video for Pinterest about mugs": the platform between was read (and hidden)
            then = words[n + 2]
            if then.low in about and MASK in text[nxt.end : then.start] and not text[
                    nxt.end : then.start].strip(MASK + " "):
                yield _after(text, then.end, topics=True)


# What a business just opened, released or launched is the news: "our hotel just opened a
# rooftop bar", "my band released our first album", "I'm opening a climbing gym".
_RELEASED = re.compile(
    r"\b(?:released|launched|opened|dropped|unveiled|debuted|started|opening|releasing|"
    r"dropping|unveiling|debuting|starting)\s+(?=(?:a|an|our|my|its|their|the|his|her)\s)",
    re.I,
)
_PARTICLE = re.compile(r"\s*off\b\s*", re.I)


def _released(text: str) -> Iterator[Phrase | None]:
    """Words after "opened a", "released our", "starting a": what is new is what to show."""
    for match in _RELEASED.finditer(text):
        yield _after(text, match.end())


def _identity(text: str) -> Iterator[Phrase | None]:
    """Words after "we're a", "I run a", "we make": the business or craft a person speaks for."""
    products = {p.lower() for p in vocab()["identity_products"]}
    articles = {"a", "an", "the", "our", "my"}
    for match in find_phrases(text, vocab()["identity_leads"]):
        following = tokens(text, match.end(), clause_end(text, match.end()))
        if not following:
            continue
        lead = " ".join(match.group(0).lower().split())
        first = following[0]
        if lead in products:  # "we sell ergonomic office chairs": a product, not a business
            yield _after(text, match.end(), product=True)
        elif first.low in articles or first.text[:1].isupper():
            found = _after(text, match.end())
            if found is None or not _works_at(text, found):
                yield found


_WORKS_AT = re.compile(r"\s+(?:at|for|of|with)\s+\S", re.I)


def _works_at(text: str, found: Phrase) -> bool:
    """Say whether "I'm the marketing lead at Brightside Dental" names a job, not the subject."""
    head = text[found.start : found.end].lower().split()[-1]
    return head in _words("job_roles") and _WORKS_AT.match(text, found.end) is not None


def _possessive(text: str) -> Iterator[Phrase | None]:
    """Words after "our" or "my": "our dental clinic opens ..." -> "dental clinic"."""
    for match in re.finditer(r"\b(?:our|my)\b", text, re.I):
        yield _after(text, match.start())


def _sentence_start(text: str) -> Iterator[Phrase | None]:
    """A business named first thing in a sentence: "language school in Madrid wants ..."."""
    for match in re.finditer(r"(?:^|[.!?\n]\s*)(?=\w)", text):
        phrase = _after(text, match.end())
        if phrase is not None and phrase.end > phrase.start:
            words = text[phrase.start : phrase.end].lower().split()
            if len(words) >= 2 and words[-1] in _words("business_nouns"):
                yield phrase


def _before_video_noun(text: str) -> Iterator[Phrase | None]:
    """Words between an article and a video word: "a cozy christmas market promo"."""
    words = tokens(text, 0)
    video, articles = _words("video_nouns"), _words("possessives")
    for n, word in enumerate(words):
        if word.low not in video or n == 0:
            continue
        k = n - 1
        while k > 0 and n - k < 6 and words[k].low not in articles:
            if not joined(text, words[k], words[k + 1]):
                break
            k -= 1
        if words[k].low in articles and k < n - 1 and joined(text, words[k], words[k + 1]):
            yield trim(text, words[k + 1 : n], descriptive=False)


def _after_colon(text: str) -> Iterator[Phrase | None]:
    """What follows a colon that is no field label: "history lesson: why the Roman Empire fell"."""
    for match in re.finditer(r":\s*", text):
        yield _after(text, match.end(), topics=True)


def _weak(text: str, passing: bool = True) -> Iterator[Phrase | None]:
    """Words after "about", "for", "of", "on": "a video for the Riverside Farmers Market".

    Not ``passing``: after "about" and "regarding" only, which say what a video is about.
    """
    for match in find_phrases(text, vocab()["subject_markers"]["weak"]):
        marker = match.group(0).lower()
        if passing or marker in ("about", "regarding"):
            topics = marker in ("about", "on", "regarding")
            yield _after(text, match.end(), topics=topics)


def _stated(text: str) -> Iterator[Phrase | None]:
    return _weak(text, passing=False)


_READERS: tuple[Callable[[str], Iterator[Phrase | None]], ...] = (
    _marked,
    _released,
    _identity,
    _possessive,
    _sentence_start,
    _before_video_noun,
    _after_colon,
    _weak,
)


def _readers(passing: bool) -> tuple[Callable[[str], Iterator[Phrase | None]], ...]:
    """Return the readers to try. Not ``passing``: none that takes a subject from a passing
    "for ...", "of ..." or a colon, fine in a first message and too loose to replace a subject
    the brief already has ("office workers looking for a quick dinner" answers who)."""
    if passing:
        return _READERS
    return tuple(_stated if r is _weak else r for r in _READERS if r is not _after_colon)


def find_subject(text: str, passing: bool = True) -> Subject | None:
    """Return the subject of a message, or None when it names none.

    ``passing`` False reads only a subject the message states (a product launched, "our …",
    "about …"): what a later message of the interview may change the subject with.
    """
    taught = taught_skill(text)
    if taught is not None:  # "we teach kids to swim": the lessons are what is offered
        name, span = taught
        return Subject(name=name, span=span, location=find_location(text, span[1]))
    for n, reader in enumerate(_readers(passing)):
        for phrase in reader(text):
            phrase = _persona(text, phrase)
            if phrase is None or not _valid(text, phrase):
                continue
            owner = phrase.owner or (_business(text, phrase) if n <= 1 else "")
            return Subject(
                name=text[phrase.start : phrase.end],
                span=(phrase.start, phrase.end),
                owner=owner,
                location=find_location(text, phrase.end),
                event=phrase.event,
                topic=phrase.topic,
            )
    return None


def _business(text: str, found: Phrase) -> str:
    """Return the business a launched product belongs to ("our kombucha brewery is launching")."""
    if found.topic:
        return ""
    for reader in (_identity, _possessive):
        for phrase in reader(text):
            if _valid(text, phrase) and phrase is not None and phrase.end <= found.start:
                name = text[phrase.start : phrase.end]
                if name.lower().split()[-1] in _words("business_nouns"):
                    return name
    return ""


def _persona(text: str, phrase: Phrase | None) -> Phrase | None:
    """Prefer "fitness coach" over "personal brand" in "my personal brand as a fitness coach"."""
    if phrase is None or not _SELF.match(text[phrase.start : phrase.end]):
        return phrase
    role = _ROLE.search(text, phrase.end)
    if role is not None and role.start() - phrase.end <= 12:
        return _after(text, role.end()) or phrase
    # "I'm a freelance UX designer … introducing myself": the person is the role they said.
    said = _I_AM.search(text)
    return (_after(text, said.end()) or phrase) if said is not None else phrase


def find_location(text: str, after: int = 0) -> str:
    """Return the place a business is in: "in Leeds", "the town of Harrogate" ("" if none)."""
    place_leads = vocab()["place_leads"]
    for match in find_phrases(text, place_leads):
        words = tokens(text, match.end(), clause_end(text, match.end()))[:3]
        if words:
            return _place_name(text, words)
    direct = _PLACE.match(text, after)
    place = direct.group(1) or direct.group(2) if direct else ""
    if place and place.lower().split()[0] not in _words("not_places"):
        return _capitalized(place)
    for match in _NAMED_PLACE.finditer(text):
        if match.group(1).lower().split()[0] not in _words("not_places"):
            return match.group(1)
    return ""


def _place_name(text: str, words: list[Token]) -> str:
    kept = [words[0]]
    for word in words[1:]:
        if not joined(text, kept[-1], word) or not word.text[:1].isupper():
            break
        kept.append(word)
    return _capitalized(text[kept[0].start : kept[-1].end])


def _capitalized(name: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in name.split())


def subject_answer(text: str) -> tuple[str, str]:
    """Return the subject of a message that answers "what is the video about?"."""
    found = find_subject(text)
    if found:
        return found.name, found.owner
    cleaned = re.sub(r"^(?:it'?s|it is|its|about|for)\s+", "", text.strip(), flags=re.I)
    phrase = _after(cleaned, 0, topics=True)
    if phrase is not None:
        return cleaned[phrase.start : phrase.end], phrase.owner
    return " ".join(cleaned.split()[:5]).strip(" .!?"), ""


def title_for(subject: str, owner: str = "", location: str = "") -> str:
    """Return a working title from the subject, its owner and place ("Leeds Bike Repair Shop")."""
    parts = [subject]
    if owner and owner.lower() not in subject.lower():
        parts.insert(0, owner)
    if location and location.lower() not in " ".join(parts).lower():
        parts.insert(0, location)
    words = " ".join(parts).split()
    return " ".join(w if n and w in _SMALL_WORDS else w[:1].upper() + w[1:]
                    for n, w in enumerate(words))


# Words a title keeps in lower case after its first word: "Webinar on AI".
_SMALL_WORDS = frozenset({"on", "of", "for", "and", "the", "a", "an", "in", "to", "with", "at",
                          "by", "or"})
