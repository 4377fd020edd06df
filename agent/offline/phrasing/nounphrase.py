"""Trim the words after a marker to the noun phrase a person meant as the video's subject.

"our dental clinic opens a second location" -> "dental clinic"; "my vintage vinyl record store's
Saturday sale" -> "vintage vinyl record store" with the event "Saturday sale"; "our bakery's new
croissant" -> "croissant" owned by "bakery"; "how a heat pump works" -> "heat pump"; "why we have
seasons" stays a topic. The words come with their places, so the caller can hide what was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from agent.offline.phrasing.match import vocab

MASK = "·"  # what finders leave where they read something: a boundary, never a word
_TOKEN = re.compile(r"[^\W_][\w'’\-&]*")
_ABBREVIATIONS = ("dr", "mr", "mrs", "ms", "st", "prof")
MAX_WORDS = 6
MAX_TOPIC_WORDS = 9


@dataclass(frozen=True)
class Token:
    """A word and where it sits in the message."""

    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower().strip("'’")


@dataclass(frozen=True)
class Phrase:
    """A noun phrase read from a message: the words kept, and what came with them."""

    start: int
    end: int
    owner: str = ""
    event: str = ""
    topic: bool = False


@cache
def _words(key: str) -> frozenset[str]:
    return frozenset(str(w).lower() for w in vocab()[key])


def tokens(text: str, start: int, stop: int | None = None) -> list[Token]:
    """Return the words of ``text[start:stop]`` with their places, up to a sentence break."""
    stop = len(text) if stop is None else stop
    out: list[Token] = []
    for match in _TOKEN.finditer(text, start, stop):
        out.append(Token(match.group(0), match.start(), match.end()))
    return out


def joined(text: str, a: Token, b: Token) -> bool:
    """Return whether two neighbouring words belong to one phrase (no mark or stop between)."""
    between = text[a.end : b.start]
    if not between.strip():
        return "\n" not in between
    return between.strip() == "." and a.low in _ABBREVIATIONS


def is_possessive(word: str) -> bool:
    """Return whether a word is a possessive ("bakery's", "store’s")."""
    return bool(re.fullmatch(r"[\w&-]+['’]s", word, re.I))


def _skip_front(words: list[Token], i: int, keep_descriptive: bool) -> int:
    """Skip articles, fillers and mood words off a phrase's front ("a cozy christmas market")."""
    skip = _words("possessives") | _words("subject_fillers")
    moods = _words("tones") - _words("descriptive_tones")
    while i < len(words):
        low = words[i].low
        if low in skip or low in moods or (not keep_descriptive and low in _words("tones")):
            i += 1
            continue
        break
    return i


def _stops(low: str) -> bool:
    return low in _words("subject_cut_words") or low in _words("subject_stop_verbs")


def _event_after(text: str, words: list[Token], i: int) -> int | None:
    """Return the index of the last event word in the 1-3 words from ``i``, if they name one."""
    events = _words("event_words")
    last: int | None = None
    for j in range(i, min(i + 4, len(words))):
        if j > i and not joined(text, words[j - 1], words[j]):
            break
        if words[j].low in events:
            last = j
        elif words[j].low in _words("subject_cut_words"):
            break
    return last


def trim(
    text: str, words: list[Token], *, descriptive: bool = True, topics: bool = False,
    product: bool = False,
) -> Phrase | None:
    """Return the noun phrase at the front of ``words``, or None when there is none.

    ``topics`` lets a lesson's topic through whole ("why we have seasons"); only words after
    "about", "explaining" and the like can be one. A ``product`` ("we sell ergonomic office
    chairs") does not end at a business word: "chairs" there is no verb of "office".
    """
    i = _skip_front(words, 0, descriptive)
    if i >= len(words):
        return None
    topic = read_topic(text, words[i:]) if topics else None
    if topic is not None:
        return topic
    kept: list[Token] = []
    owner = ""
    business = _words("business_nouns")

    def owned(rest: list[Token], by: str) -> Phrase | None:
        """The noun phrase of ``rest``, owned by ``by`` ("bakery" of "bakery's new croissant")."""
        found = trim(text, rest, descriptive=descriptive, topics=topics, product=product)
        return Phrase(found.start, found.end, by, found.event) if found else None

    for j in range(i, len(words)):
        word = words[j]
        if kept and not joined(text, kept[-1], word):
            break
        if is_possessive(word.text) and not _holiday(words, j):
            base = re.sub(r"['’]s$", "", word.text)
            last_event = _event_after(text, words, j + 1)
            if last_event is not None:
                return _phrase(kept, word, base, text, words[j + 1 : last_event + 1], owner)
            owner = " ".join([*(k.text for k in kept), base])
            return owned(words[_skip_front(words, j + 1, descriptive) :], owner)
        if (_stops(word.low) and not _in_name(kept, word)) or word.low in _words("video_nouns"):
            break
        if kept and kept[-1].low in business and word.low in _NEWS_WORDS and j + 1 < len(words):
            # "our bakery new croissant": the apostrophe left out, the bakery owns what is new
            by = " ".join(k.text for k in kept)
            found = owned(words[_skip_front(words, j, descriptive) :], by)
            if found is not None:  # (else "a bakery new to town" is the bakery)
                return found
        kept.append(word)
        if len(kept) >= MAX_WORDS:
            break
        if (word.low in business and not product and j + 1 < len(words)
                and _verb_like(words[j + 1])):
            break  # "our dental clinic | specialises in ...": a business ends before its verb
    kept = _drop_tail(kept)
    if not kept:
        return None
    kept = _with_topic(text, words, _with_relative(text, words, kept))
    return Phrase(kept[0].start, kept[-1].end, owner)


def _with_topic(text: str, words: list[Token], kept: list[Token]) -> list[Token]:
    """Keep "on AI" after a head that has a topic ("a webinar on AI", "a workshop about clay")."""
    after = _after_head(text, words, kept, "topic_heads", ("on", "about"))
    topic: list[Token] = []
    for word in after[1:5]:
        if not joined(text, (topic or after)[-1], word) or _stops(word.low):
            break
        topic.append(word)
    return [*kept, after[0], *topic] if topic else kept


def _after_head(
    text: str, words: list[Token], kept: list[Token], heads: str, leads: tuple[str, ...]
) -> list[Token]:
    """Return the words after ``kept`` when its head is one of ``heads`` and a lead word
    ("that", "on") follows it in the same phrase; else nothing."""
    if kept[-1].low not in _words(heads):
        return []
    after = [w for w in words if w.start >= kept[-1].end]
    if not after or after[0].low not in leads or not joined(text, kept[-1], after[0]):
        return []
    return after


_NEWS_WORDS = frozenset({"new", "latest", "upcoming", "newest"})
_CALENDAR = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                       "sunday", "january", "february", "march", "april", "june", "july",
                       "august", "september", "october", "november", "december"})


def _in_name(kept: list[Token], word: Token) -> bool:
    """Return whether a day, a month or a small word is part of a capitalised name ("Black
    Friday sale", "Locked In", "Out of Office"): capitalised after a capitalised word."""
    return (word.text[:1].isupper() and bool(kept) and kept[-1].text[:1].isupper()
            and (word.low in _CALENDAR or len(word.low) <= 4))


def _holiday(words: list[Token], j: int) -> bool:
    """Return whether a possessive names a day ("Mother's Day", "Valentine's Day")."""
    nxt = words[j + 1] if j + 1 < len(words) else None
    return (nxt is not None and words[j].text[:1].isupper() and nxt.low in ("day", "eve")
            and nxt.text[:1].isupper())


def _verb_like(word: Token) -> bool:
    """Return whether a word after a business noun reads as its verb ("opens", "specialised")."""
    low = word.low
    if is_possessive(word.text) or low in _words("business_nouns") or word.text[:1].isupper():
        return False
    return low.endswith(("s", "ed")) and not low.endswith(("ss", "us", "is"))


def _phrase(
    kept: list[Token], word: Token, base: str, text: str, event: list[Token], owner: str
) -> Phrase:
    start = kept[0].start if kept else word.start
    end = word.start + len(base)
    said = text[event[0].start : event[-1].end] if event else ""
    return Phrase(start, end, owner, said)


def _drop_tail(kept: list[Token]) -> list[Token]:
    tail = _words("possessives") | _words("subject_fillers") | {"works", "happens", "&", "online"}
    while kept and (kept[-1].low in tail or kept[-1].low in _words("tones") - _words(
        "descriptive_tones"
    )):
        kept = kept[:-1]
    return kept


def _with_relative(text: str, words: list[Token], kept: list[Token]) -> list[Token]:
    """Keep "that splits rent between flatmates" after a generic head ("an app ...")."""
    after = _after_head(text, words, kept, "generic_heads", ("that", "which"))
    if not after:
        return kept
    clause = [after[0]]
    for word in after[1:6]:
        if not joined(text, clause[-1], word) or word.low in ("for", "on", "in", "with", "and"):
            break
        clause.append(word)
    return [*kept, *clause] if len(clause) >= 3 else kept


def read_topic(text: str, words: list[Token]) -> Phrase | None:
    """Read a topic: "how X works" -> X, "what X is" -> X, "how to repot a plant", "fixing Y"."""
    if not words:
        return None
    first = words[0].low
    gerund = (
        first.endswith("ing")
        and len(first) > 4
        and first not in _words("business_nouns") | _words("not_gerunds")
    )
    if first not in _words("topic_starts") and not gerund:
        return None
    span = [words[0]]
    for k, word in enumerate(words[1:MAX_TOPIC_WORDS], start=1):
        if not joined(text, span[-1], word):
            break
        if word.low in ("on", "in", "via", "using") or (
                word.low == "for" and not _topic_goes_on(text, words, k)):
            break
        span.append(word)
    if first in ("how", "what") and len(span) >= 3:
        inner = _how_it_works(text, span)
        if inner is not None:
            return inner
    if len(span) < 2 or (first == "how" and span[1].low != "to" and len(span) < 3):
        return None
    return Phrase(span[0].start, span[-1].end, topic=True)


def _topic_goes_on(text: str, words: list[Token], k: int) -> bool:
    """Say whether "for" at ``k`` is inside the topic ("why sleep matters for memory"), not a
    lead to people or an owner ("... for kids", "... for our page")."""
    nxt = words[k + 1] if k + 1 < len(words) else None
    if nxt is None or not joined(text, words[k], nxt):
        return False
    return nxt.low not in _words("possessives") and nxt.low not in _words("audience_nouns")


def _how_it_works(text: str, span: list[Token]) -> Phrase | None:
    """Return X of "how X works" or "what X is", the thing a lesson explains."""
    ends = {"works", "work", "happens", "happen", "is", "are", "means", "mean", "does", "do"}
    for k in range(2, len(span)):
        if span[k].low in ends:
            inner = [w for w in span[1:k] if w.low not in ("a", "an", "the")]
            if inner and k - 1 <= 5:
                return Phrase(inner[0].start, inner[-1].end)
    return None
