"""Read brief fields out of free phrasing, so the offline model understands people, not forms.

``extract`` reads one message the way a producer would: labelled segments first ("CTA: ...
Tone: ..."), then the call to action, key message and must-haves, then the length, platforms,
voice, audience and subject, and last the tone and use case from what is left. Every finder hides
the words it read, so no field's words (and no label) end up inside another field's value. The
vocabulary lives in ``prompts/phrases.yaml``; the finders live in this package's small modules and
are re-exported here, so ``agent.offline.phrasing.fields`` stays the one import for a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from agent.offline.phrasing.labels import find_labelled as find_labelled
from agent.offline.phrasing.labels import read_segments, sentence_case, split_items
from agent.offline.phrasing.length import bare_number as bare_number
from agent.offline.phrasing.length import find_duration as find_duration
from agent.offline.phrasing.length import find_length
from agent.offline.phrasing.match import clause as clause
from agent.offline.phrasing.match import find_languages as find_languages
from agent.offline.phrasing.match import find_phrases as find_phrases
from agent.offline.phrasing.match import find_platforms as find_platforms
from agent.offline.phrasing.match import find_tones as find_tones
from agent.offline.phrasing.match import find_use_case as find_use_case
from agent.offline.phrasing.match import has_phrase as has_phrase
from agent.offline.phrasing.match import is_exactly as is_exactly
from agent.offline.phrasing.match import language_matches
from agent.offline.phrasing.match import phrase_pattern as phrase_pattern
from agent.offline.phrasing.match import platform_spans as platform_spans
from agent.offline.phrasing.match import tone_phrase as tone_phrase
from agent.offline.phrasing.match import vocab as vocab
from agent.offline.phrasing.names import name_of, trailing_name
from agent.offline.phrasing.nounphrase import MASK
from agent.offline.phrasing.people import find_audience
from agent.offline.phrasing.subject import beside_name, find_subject
from agent.offline.phrasing.subject import subject_answer as subject_answer
from agent.offline.phrasing.subject import title_for as title_for
from agent.offline.phrasing.tone import find_tone
from agent.offline.phrasing.voice import find_voice as find_voice
from agent.offline.phrasing.voice import normal_voice as normal_voice
from agent.offline.phrasing.voice import voice_gender as voice_gender
from agent.offline.phrasing.voice import voice_phrase as voice_phrase

_SENTENCES = re.compile(
    r"(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bSt)[.!?]+(?=\s|$)|\n|;|\s[-–—]\s|\.{2,}"
)
_MARKER_GAP = re.compile(r"\s*(?:is|should be|will be|would be|=|:|-|of|with|on|that)?\s*", re.I)
_LEAD_WORDS = re.compile(r"^(?:and|then|so|please|just|pls|plz|oh and|also)\s+", re.I)


@dataclass
class Reading:
    """A message being read: its words with what was read hidden, and the fields so far."""

    text: str
    fields: dict[str, Any] = field(default_factory=dict)
    passing: bool = True  # read a subject from a passing "for ..." too (see ``find_subject``)

    def hide(self, a: int, b: int, hard: bool = True) -> None:
        """Hide ``text[a:b]``: a hard mark ends a sentence, a soft one only ends a phrase."""
        fill = "." if hard else MASK
        self.text = self.text[:a] + fill * (b - a) + self.text[b:]


# --------------------------------------------------------------------------- CTA, message, musts


def _marked_value(text: str, markers: list[str], max_words: int) -> tuple[str, int, int] | None:
    """Return the words after a marker ("end with 'try it risk free'") and where they sit."""
    for match in find_phrases(text, markers):
        rest = text[match.end() :]
        lead = _MARKER_GAP.match(rest)
        at = match.end() + (lead.end() if lead else 0)
        quoted = re.match(r"[\"'“‘]([^\"'”’]{2,120})[\"'”’]", text[at:])
        if quoted:
            return quoted.group(1).strip(), match.start(), at + quoted.end()
        value = clause(text, at, max_words).strip(" '\"")
        if value and MASK not in value:
            return value, match.start(), text.find(value, at) + len(value)
    return None


def _imperative(text: str) -> tuple[str, int, int] | None:
    """Return a sentence that tells viewers what to do ("Book a free trial day.")."""
    v = vocab()
    pattern = _cta_verbs()
    pieces = _pieces(text)
    last_clause = _last_clause(text)
    for start, end in [*pieces[1:], *pieces[:1], *([last_clause] if last_clause else [])]:
        piece = text[start:end]
        lead = _LEAD_WORDS.match(piece)
        offset = lead.end() if lead else 0
        verb = pattern.match(piece, offset)
        if verb is None or MASK in piece or "." * 3 in piece:
            continue
        words = piece[verb.end() :].lower().split()
        blocked = v["cta_not_after"].get(verb.group(0).lower(), [])
        nxt = " ".join(words[:3])
        if any(nxt == b or nxt.startswith(b + " ") for b in blocked) or len(words) > 12:
            continue
        if has_phrase(piece, _request_nouns()):  # "make a reel ..." asks for the video
            continue
        said = piece[offset:].strip(" !.,")
        return said, start + offset, end
    return None


# Video words that are also things a viewer is asked to book or follow ("Book a free trial
# lesson", "Follow our story"): in an imperative they make no request.
_OFFERED = frozenset({"lesson", "tutorial", "story", "stories", "film"})


@cache
def _request_nouns() -> list[str]:
    return [w for w in vocab()["video_nouns"] if w not in _OFFERED]


@cache
def _cta_verbs() -> re.Pattern[str]:
    verbs = sorted(vocab()["cta_verbs"], key=len, reverse=True)
    return re.compile(rf"(?:{'|'.join(re.escape(w) for w in verbs)})(?![\w'-])", re.I)


def _pieces(text: str) -> list[tuple[int, int]]:
    """Return where the message's sentences (and semicolon or dash parts) sit."""
    out: list[tuple[int, int]] = []
    pos = 0
    for stop in [*_SENTENCES.finditer(text), None]:
        end = stop.start() if stop else len(text)
        if text[pos:end].strip():
            a = pos + len(text[pos:end]) - len(text[pos:end].lstrip())
            out.append((a, end))
        pos = stop.end() if stop else len(text)
    return out


def _last_clause(text: str) -> tuple[int, int] | None:
    """Return where the message's last comma clause sits (", get your tickets now")."""
    cut = max(text.rfind(","), text.rfind(":"))
    if cut < 0:
        return None
    start = cut + 1 + (len(text[cut + 1 :]) - len(text[cut + 1 :].lstrip()))
    end = len(text.rstrip(" .!"))
    return (start, end) if end > start else None


def _read_cta(r: Reading) -> None:
    v = vocab()
    found = _marked_value(r.text, v["cta_markers"], 16) or _imperative(r.text)
    if found is None:
        for match in find_phrases(r.text, v["cta_phrases"]):
            tail = clause(r.text, match.end(), 6)
            tail = tail if re.match(r"^(?:at|on|via|in|for)\s", tail, re.I) else ""
            said = f"{match.group(0)} {tail}".strip()
            found = (said, match.start(), match.start() + len(said))
            break
    if found is not None:
        r.fields["cta"] = sentence_case(found[0])
        r.hide(found[1], found[2])


# "announcing we hired a new CTO": the news is the key message, said as the person said it.
_NEWS = re.compile(
    r"\b(?:announc(?:e|es|ing)|shar(?:e|ing) (?:the news )?that|tell(?:ing)? (?:everyone|people) "
    r"that)\s+(?:that\s+)?(?P<text>(?:we|we've|we're|we’ve|we’re)\b[^.!?·]{6,100})", re.I)


def _read_marked(r: Reading) -> None:
    v = vocab()
    news = _NEWS.search(r.text)
    if news is not None and "key_message" not in r.fields:
        r.fields["key_message"] = sentence_case(news.group("text").strip(" ,"))
        r.hide(news.start(), news.end())
    message = _marked_value(r.text, v["key_message_markers"], 25)
    if message:
        r.fields["key_message"] = sentence_case(re.sub(r"^that\s+", "", message[0], flags=re.I))
        r.hide(message[1], message[2])
    title = _marked_value(r.text, v["title_markers"], 8)
    name = ""
    if title is not None:
        quoted = r.text[title[2] - 1 : title[2]] in "\"'”’"
        name = title[0] if quoted else name_of(title[0])
    if title is not None and name[:1].isalnum():
        r.fields["title"] = name if name != name.lower() else name.title()
        # Only the marker and the name: "called Morning Ritual | about our cold brew" goes on.
        r.hide(title[1], title[2] - len(title[0]) + len(name))
    must = _marked_value(r.text, v["must_have_markers"], 10)
    if must:
        said = re.sub(r"^(?:the words?|(?:a|an)\s+(?:scene|shot|part|section|moment)\s+"
                      r"(?:about|of|on|showing|with))\s+", "", must[0], flags=re.I)
        r.fields["must_have"] = split_items(said)
        r.hide(must[1], must[2])


_CLAIM = re.compile(
    r"^(?:(?P<we>we|we've|we're)\s+|(?P<our>our|my)\s+[\w'’ -]{2,40}?\s+"
    r"(?P<verb>is|are|has|have|[a-z]{3,}[^s\W]s)\s+)(?P<rest>\w.*)$",
    re.I,
)
# First words that make a "we ..." sentence a request or an introduction, not a claim.
_ABOUT_AUDIENCE = re.compile(
    r"^(?:our|my)\s+(?:target\s+|main\s+|core\s+|biggest\s+)?(?:audience|customers|buyers|"
    r"clients|market|followers|demographic|users|viewers)\b",
    re.I,
)
_NOT_CLAIM = re.compile(
    r"^(?:we|we're|we've|our|my)\s+(?:'re|are|were|need|needs|want|wants|would|'d|'ll|will|"
    r"run|own|have|has|make|sell|brew|bake|roast|build|design|offer|started|manage|work|"
    r"a|an|the|just need|also need|looking|launching|hope|hoping|like|love to|can|could)\b",
    re.I,
)


# An offer said as a sentence of its own: "40% off all sneakers this weekend only."
_OFFER = re.compile(
    r"^(?:(?:up to|save|get|enjoy|take)\s+)?(?:\d{1,3}\s?%|[$£€]\s?\d+(?:\.\d\d)?)\s+off\b|"
    r"^(?:buy one,? get one|bogo|half price|half-price|free (?:shipping|delivery)|"
    r"two for one|2 for 1)\b",
    re.I,
)


# What a named thing does, said in a relative clause: "our app Ledgerly, which automates …".
_DOES = re.compile(
    r"\b(?:our|my)\s+(?P<thing>[a-z][\w'’-]*(?:\s+[a-z][\w'’-]*){0,3}\s+[A-Z][\w&'’-]*"
    r"(?:\s+[A-Z][\w&'’-]*){0,3}),?\s+(?:which|that|who)\s+(?P<does>[a-z]{3,}s\b[^.,;!?·]{3,80})"
)


# What the thing is, said of it: "it's vet approved and smells like coconut" (not "it's for …",
# "it's a …", "it's called …", which ask or introduce).
_IT_CLAIM = re.compile(
    r"^(?:it's|it’s|it is|they're|they’re|they are)\s+(?!for\b|a\b|an\b|the\b|called\b|"
    r"about\b|going\b|gonna\b|just\b|my\b|our\b|to\b|not\b)\w", re.I)


def _names_business(words: str) -> bool:
    """Say whether "our …" names the business itself ("our bakery", "our dental clinic")."""
    last = words.lower().split()[-1:] or [""]
    return last[0] in {str(w).lower() for w in vocab()["business_nouns"]}


def _read_claim(r: Reading) -> None:
    """Read a statement about the business as its key message ("We fix flats in 15 minutes"),
    an offer said on its own ("40% off all sneakers this weekend only") or what a named thing
    does ("our app Ledgerly, which automates invoicing" -> "Ledgerly automates invoicing")."""
    if "key_message" in r.fields:
        return
    does = _DOES.search(r.text)
    if does is not None and (name := trailing_name(does.group("thing"))):
        r.fields["key_message"] = f"{name} {does.group('does').strip(' ,')}"
        return
    v = vocab()
    for start, end in _pieces(r.text):
        for part in re.split(r"[,;]\s|\s[-–—]\s", r.text[start:end]):
            piece = part.strip(" ,!")
            if _OFFER.match(piece) and MASK not in piece and 3 <= len(piece.split()) <= 16:
                r.fields["key_message"] = sentence_case(piece)
                return
    for start, end in _pieces(r.text):
        for part in re.split(r",\s", r.text[start:end]):  # "it's vet approved and …"
            said = part.strip(" ,!")
            if _IT_CLAIM.match(said) and MASK not in said and 4 <= len(said.split()) <= 16 and (
                    not has_phrase(said, v["video_nouns"])):
                r.fields["key_message"] = sentence_case(said)
                return
    for start, end in _pieces(r.text):
        piece = re.split(r",\s", r.text[start:end])[0].strip(" ,!")
        # "that we deliver the same day": the answer to "what should they remember?"
        piece = re.sub(r"^(?:(?:and|also|just|mainly|mostly)\s+)?that\s+(?=we\b|we'|our\b)",
                       "", piece, flags=re.I)
        if MASK in piece or "..." in piece or len(piece.split()) < 4 or len(piece.split()) > 20:
            continue
        if _ABOUT_AUDIENCE.match(piece):  # "Our audience is mostly women": who, not what
            continue
        match = _CLAIM.match(piece)
        we = match and (match.group("we") or match.group("verb"))
        if not match or not we or (_NOT_CLAIM.match(piece) and match.group("we")):
            continue
        if has_phrase(piece, v["video_nouns"]) or re.search(r"\b(?:need|want)s?\b", piece, re.I):
            continue
        said = piece
        # "Our bakery is opening on Sundays" is the business speaking: "We're opening …"; "our
        # bread is baked at 4am" is about a thing and stays as it was said.
        business = match.group("our") and _names_business(piece[: match.start("verb")])
        if business and match.group("verb").lower() in ("is", "are"):
            said = f"We're {match.group('rest')}"
        elif business and match.group("verb").lower() in ("has", "have"):
            said = f"We have {match.group('rest')}"
        r.fields["key_message"] = sentence_case(said)
        return


# --------------------------------------------------------------------------- inline fields


def _read_inline(r: Reading) -> None:
    """Read the length, platforms, languages and voice, hiding each softly."""
    voice = find_voice(r.text)
    if voice is not None:
        r.fields["voice"] = voice[0]
        r.hide(*voice[1], hard=False)
    length = find_length(r.text)
    if length is not None:
        r.fields["duration_s"] = length.seconds
        r.hide(*length.span, hard=False)
    platforms, unknown = find_platforms(r.text)
    if platforms or unknown:
        r.fields["platforms"] = platforms + unknown
        video = {w.lower() for w in vocab()["video_nouns"]}
        for a, b in platform_spans(r.text):
            if r.text[a:b].lower() not in video:  # "a cold brew reel" still ends at its noun
                r.hide(a, b, hard=False)
    languages = find_languages(r.text)
    if languages:
        r.fields["languages"] = languages
        for match in language_matches(r.text):
            r.hide(*match.span(), hard=False)


def _read_people_and_subject(r: Reading) -> None:
    audience = find_audience(r.text)
    if audience is not None:
        r.fields["audience"] = audience.name
        r.hide(*audience.span, hard=False)
    subject = find_subject(r.text, passing=r.passing)
    if subject is None:
        return
    r.fields["subject"] = subject.name
    # A name the person gave ("a shop called Spoke & Chain", "our app Ledgerly") is the title;
    # else one is made.
    quoted = re.match(r"\s*[\"'“‘]([^\"'”’]{2,60})[\"'”’]", r.text[subject.span[1]:])
    named = quoted.group(1).strip() if quoted else (
        trailing_name(subject.name) or beside_name(r.text[subject.span[1]:]))
    r.fields.setdefault("title", named or title_for(subject.name, subject.owner, subject.location))
    if subject.event:
        r.fields["goal"] = f"Promote the {subject.event}"
    end = subject.span[1] + (len(subject.event) + 4 if subject.event else 0)
    r.hide(subject.span[0], min(end, len(r.text)), hard=False)


def _read_tone(r: Reading) -> None:
    found = find_tone(r.text)
    if found is not None:
        r.fields["tone"], words = found
        if words:
            r.fields["style_words"] = words


_READERS = (
    _read_cta, _read_marked, _read_claim, _read_inline, _read_people_and_subject, _read_tone
)


def extract(text: str, has_subject: bool = False) -> dict[str, Any]:
    """Return the ``update_brief`` arguments a message states outright (possibly none).

    ``has_subject``: the brief already has one, so only a subject the message states replaces
    it, never one read from a passing "for a quick dinner".
    """
    labelled, spans = read_segments(text)
    r = Reading(text, passing=not has_subject)
    for a, b in spans:
        r.hide(a, b)
    for reader in _READERS:
        if reader is _read_cta and "cta" in labelled:
            continue
        reader(r)
    use_case = find_use_case(text)
    if use_case:
        r.fields["use_case"] = use_case
    out = {**r.fields, **labelled}
    if "must_have" in r.fields and "must_have" in labelled:
        out["must_have"] = list(dict.fromkeys([*labelled["must_have"], *r.fields["must_have"]]))
    if "subject" in labelled and "title" not in labelled:
        out["title"] = title_for(labelled["subject"])
    return out
