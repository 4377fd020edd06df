"""Read brief fields out of free phrasing, so the offline model understands people, not forms.

Every finder takes one message and returns what it found or nothing; ``extract`` runs them all
and returns arguments for the ``update_brief`` tool. The vocabulary lives in
``prompts/phrases.yaml``; the patterns here only say where in a sentence a field tends to sit.
The vocabulary lookups (``phrasing_match``) and the voice finders (``phrasing_voice``) live apart
and are re-exported, so ``agent.offline.phrasing.fields`` stays the one import for reading a message.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from agent.offline.phrasing.match import clause as clause
from agent.offline.phrasing.match import find_languages as find_languages
from agent.offline.phrasing.match import find_phrases as find_phrases
from agent.offline.phrasing.match import find_platforms as find_platforms
from agent.offline.phrasing.match import find_tones as find_tones
from agent.offline.phrasing.match import find_use_case as find_use_case
from agent.offline.phrasing.match import has_phrase as has_phrase
from agent.offline.phrasing.match import is_exactly as is_exactly
from agent.offline.phrasing.match import phrase_pattern as phrase_pattern
from agent.offline.phrasing.match import platform_spans as platform_spans
from agent.offline.phrasing.match import tone_phrase as tone_phrase
from agent.offline.phrasing.match import vocab as vocab
from agent.offline.phrasing.voice import find_voice as find_voice
from agent.offline.phrasing.voice import normal_voice as normal_voice
from agent.offline.phrasing.voice import voice_gender as voice_gender
from agent.offline.phrasing.voice import voice_phrase as voice_phrase

_NUMBER = r"\d+(?:\.\d+)?"
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


# --------------------------------------------------------------------------- duration


@cache
def _duration_pattern() -> re.Pattern[str]:
    words = sorted(vocab()["number_words"], key=len, reverse=True)
    number = "|".join([_NUMBER, *(re.escape(w) for w in words)])
    units = "|".join(sorted(_UNITS, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])({number})\s*-?\s*({units})(?![a-z])", re.I)


def find_duration(text: str) -> float | None:
    """Return a length in seconds ("about 15s", "half a minute", "1 min", "3 hours")."""
    table: dict[str, float] = vocab()["durations"]
    for phrase in find_phrases(text, list(table)):
        return float(table[phrase.group(0).lower()])
    match = _duration_pattern().search(text)
    if match is None:
        return None
    raw, unit = match.group(1).lower(), match.group(2).lower()
    value = float(raw) if raw[0].isdigit() else float(vocab()["number_words"][raw])
    if _UNITS[unit] >= 3600 and not _LENGTH_CONTEXT.search(text):
        return None  # "burns for 60 hours" is a fact about the product, not the video's length
    return value * _UNITS[unit]


def bare_number(text: str) -> float | None:
    """Return the number of a message that is little more than a number ("15", "20 please")."""
    match = re.fullmatch(rf"\D{{0,12}}?({_NUMBER})\D{{0,12}}", text.strip())
    return float(match.group(1)) if match else None


# --------------------------------------------------------------------------- audience


_AUDIENCE_LEAD = re.compile(
    r"\b(?:aimed at|targeting|target audience(?: is)?|audience(?: is|:)?|for|to reach|"
    r"speaking to|talking to|made for)\s+",
    re.I,
)
_AUDIENCE_CUT = re.compile(
    r"\s(?:on|in|with|using|ending|that should|please|at the end|via)\s.*$", re.I
)


def find_audience(text: str) -> str | None:
    """Return "busy parents" from "... for busy parents on insta"; needs a people word."""
    nouns = vocab()["audience_nouns"]
    for lead in _AUDIENCE_LEAD.finditer(text):
        phrase = _AUDIENCE_CUT.sub("", clause(text, lead.end(), 10))
        explicit = "audience" in lead.group(0).lower() or "aimed" in lead.group(0).lower()
        if phrase and (explicit or has_phrase(phrase, nouns)):
            return _strip_article(phrase)
    return None


def _strip_article(phrase: str) -> str:
    return re.sub(r"^(?:the|our|a|an)\s+", "", phrase.strip(), flags=re.I)


# --------------------------------------------------------------------------- CTA, message


def _after_marker(text: str, markers: list[str], max_words: int = 16) -> str | None:
    for match in find_phrases(text, markers):
        rest = text[match.end() :]
        rest = re.sub(r"^\s*(?:is|should be|will be|would be|=|:|-|of)?\s*", "", rest, flags=re.I)
        quoted = re.match(r"[\"'“‘]([^\"'”’]{2,120})[\"'”’]", rest)
        value = quoted.group(1) if quoted else clause(rest, 0, max_words)
        value = value.strip(" '\"")
        if value:
            return value
    return None


def find_cta(text: str) -> str | None:
    """Return the call to action: after "cta:"/"end with", or a known phrase ("order now")."""
    v = vocab()
    marked = _after_marker(text, v["cta_markers"])
    if marked:
        return _sentence_case(marked)
    for match in find_phrases(text, v["cta_phrases"]):
        tail = clause(text, match.end(), 6)
        tail = tail if re.match(r"^(?:at|on|via|in)\s", tail, re.I) else ""
        return _sentence_case(f"{match.group(0)} {tail}".strip())
    return None


def find_key_message(text: str) -> str | None:
    """Return what follows "key message:" / "the message is" / "say that"."""
    found = _after_marker(text, vocab()["key_message_markers"], max_words=25)
    return _sentence_case(found) if found else None


def find_title(text: str) -> str | None:
    """Return a title the person named ("called 'Slow Pour'")."""
    found = _after_marker(text, vocab()["title_markers"], max_words=8)
    return found.strip().title() if found and found[0].isalpha() else None


def find_must_haves(text: str) -> list[str]:
    """Return things the video must carry ("must show the logo")."""
    found = _after_marker(text, vocab()["must_have_markers"], max_words=10)
    return [found] if found else []


def _sentence_case(text: str) -> str:
    text = " ".join(text.split()).rstrip(".")
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- subject, title


def _words_of(phrases: list[str]) -> set[str]:
    return {p.lower() for p in phrases}


def _subject_from(phrase: str) -> tuple[str, str]:
    """Trim a noun phrase to its subject; return (subject, owner) e.g. ("croissant", "bakery")."""
    v = vocab()
    words = phrase.split()
    owner = ""
    stop = _words_of(v["subject_cut_words"]) | _words_of(v["video_nouns"]) | _words_of(v["tones"])
    fillers = _words_of(v["subject_fillers"])
    possessives = _words_of(v["possessives"])
    kept: list[str] = []
    for i, word in enumerate(words):
        low = word.lower().strip("'")
        if not kept and (low in possessives or low in fillers or low in ("how", "why", "what")):
            continue
        if not kept and re.fullmatch(r"[\w-]+'s", low) and i + 1 < len(words):
            owner = low[:-2]
            continue
        if low in stop or re.match(r"^\d", low):
            break
        kept.append(word)
    if kept and kept[-1].lower() in ("works", "work", "happens"):
        kept.pop()
    return " ".join(kept[:5]), owner


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = ["," for _ in range(b - a)]
    return "".join(chars)


def find_subject(text: str) -> tuple[str, str] | None:
    """Return (subject, owner) from "for our bakery's new croissant" or "a cold brew reel"."""
    v = vocab()
    masked = _mask(text, platform_spans(text))
    nouns = v["audience_nouns"]
    markers = v["subject_markers"]
    # "selling handmade candles" says more than "for our online store": strong markers first
    for group in (markers["strong"], markers["weak"]):
        for match in find_phrases(masked, group):
            subject, owner = _subject_from(clause(masked, match.end(), 9))
            if subject and not has_phrase(subject, nouns) and find_duration(subject) is None:
                return subject, owner
    # "make a cold brew reel": the words before a video noun, back to an article
    for match in find_phrases(text, v["video_nouns"]):
        before = re.split(r"[.!?;,:]", masked[: match.start()])[-1].split()[-5:]
        while before and (before[0].lower() not in _words_of(v["possessives"])):
            before = before[1:]
        subject, owner = _subject_from(" ".join(before[1:]))
        if subject and find_duration(subject) is None and not has_phrase(subject, nouns):
            return subject, owner
    return None


def _persona(text: str, found: tuple[str, str] | None) -> tuple[str, str] | None:
    """Prefer "fitness coach" over "personal brand" in "my personal brand as a fitness coach"."""
    if found is None or not re.fullmatch(r"(?:personal )?brand|myself|me", found[0], re.I):
        return found
    role = re.search(r"\bas an? ([a-z][\w-]*(?: [a-z][\w-]*)?)", text, re.I)
    if role is None:
        return found
    subject, _owner = _subject_from(role.group(1))
    return (subject, found[1]) if subject else found


def subject_answer(text: str) -> tuple[str, str]:
    """Return the subject of a message that answers "what is the video about?"."""
    cleaned = re.sub(r"^(?:it'?s|it is|its|about|for)\s+", "", text.strip(), flags=re.I)
    found = find_subject(text)
    if found:
        return found
    subject, owner = _subject_from(clause(cleaned, 0, 8))
    return (subject or clause(cleaned, 0, 5)), owner


def title_for(subject: str, owner: str = "") -> str:
    """Return a working title from the subject and its owner ("Bakery Croissant")."""
    base = f"{owner} {subject}" if owner and owner.lower() not in subject.lower() else subject
    return " ".join(w[:1].upper() + w[1:] for w in base.split())


# --------------------------------------------------------------------------- label: value


_LABELLED = re.compile(r"^\s*([A-Za-z][A-Za-z _-]{0,24}?)\s*[:=]\s*(\S.*?)\s*$")


def _label_table() -> dict[str, str]:
    return {
        label.lower(): field
        for field, labels in vocab()["field_labels"].items()
        for label in labels
    }


def _items(value: str) -> list[str]:
    parts = re.split(r"\s*(?:,|/|&|\+|;|\band\b)\s*", value)
    return [p.strip(" .") for p in parts if p.strip(" .")]


def _labelled_value(field: str, value: str) -> dict[str, Any]:
    """Read one labelled value into update_brief arguments (nothing when it cannot be read)."""
    value = value.strip().strip("\"'“”").rstrip(".").strip()
    if not value:
        return {}
    if field == "duration_s":
        seconds = find_duration(value) or bare_number(value)
        return {"duration_s": seconds} if seconds is not None else {}
    if field in ("platforms", "languages", "style_words"):
        return {field: _items(value)}
    if field == "must_have":
        return {"must_have": [value]}
    if field == "tone":
        tones = find_tones(value)
        return {"tone": value, **({"style_words": tones} if tones else {})}
    if field in ("key_message", "cta"):
        return {field: _sentence_case(value)}
    if field == "subject":
        return {"subject": value, "title": title_for(value)}
    if field == "voice":
        return {"voice": normal_voice(value)}
    return {field: value}


def find_labelled(text: str) -> tuple[dict[str, Any], str]:
    """Return the fields of "label: value" lines and the text of the other lines.

    "audience: busy parents" fills the audience whatever was asked last: the person (or the web
    chat's settings panel) named the field, so nothing has to be guessed.
    """
    table = _label_table()
    found: dict[str, Any] = {}
    rest: list[str] = []
    for line in text.splitlines():
        match = _LABELLED.match(line)
        label = " ".join(match.group(1).lower().split()) if match else ""
        if match is None or label not in table:
            rest.append(line)
            continue
        found.update(_labelled_value(table[label], match.group(2)))
    return found, "\n".join(rest).strip()


# --------------------------------------------------------------------------- everything


def extract(text: str) -> dict[str, Any]:
    """Return the ``update_brief`` arguments a message states outright (possibly none)."""
    out: dict[str, Any] = {}
    cta = find_cta(text)
    rest = text
    if cta:
        out["cta"] = cta
        rest = re.sub(re.escape(cta), " ", rest, flags=re.I)
    duration = find_duration(rest)
    if duration is not None:
        out["duration_s"] = duration
    platforms, unknown = find_platforms(rest)
    if platforms or unknown:
        out["platforms"] = platforms + unknown
    tones = find_tones(rest)
    if tones:
        out["tone"] = tone_phrase(tones)
        out["style_words"] = tones
    audience = find_audience(rest)
    if audience:
        out["audience"] = audience
    message = find_key_message(rest)
    if message:
        out["key_message"] = message
    subject = _persona(rest, find_subject(rest))
    if subject:
        out["subject"] = subject[0]
        out["title"] = title_for(*subject)
    title = find_title(rest)
    if title:
        out["title"] = title
    use_case = find_use_case(rest)
    if use_case:
        out["use_case"] = use_case
    languages = find_languages(rest)
    if languages:
        out["languages"] = languages
    must = find_must_haves(rest)
    if must:
        out["must_have"] = must
    return out
