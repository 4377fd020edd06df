"""Fit the brief's phrases into template sentences, for the built-in offline model's copy.

A phrase gets an article where a common noun needs one, lower case mid-sentence unless it is a
name, and tidy punctuation around it; a line that says a word twice from different places is
flagged so a better one can be chosen. The stable, brief-seeded choices that the rest of the
offline copy makes live here too, since the phrases are the first to need them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agent.offline.key_message import named_with_the
from tools.handoffs import Brief

# What makes a must-have an offer: "20% off", "free shipping"; not "30-hour battery", "grain free".
_OFFER_WORDS = re.compile(
    r"%|[$€£]|\bfree\s+\w|\boff\b|discount|deal|offer|sale\b|shipping|bundle|gift|coupon|code\b",
    re.I,
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_FIELD_PHRASE = {
    "key_clause": "key_message",
    "subject": "subject",
    "our_subject": "subject",
    "name": "subject",
    "thing": "subject",
    "audience": "audience",
    "audience_call": "audience",
    "key_message": "key_message",
    "cta": "cta",
    "details": "details",
    "offer": "offer",
}
_FIRST_PERSON = {"I", "I'm", "I've", "I'll", "I'd"}


@dataclass(frozen=True)
class _Rendered:
    text: str
    said: frozenset[str]
    literals: tuple[str, ...]  # the template's own words, per template joined
    phrases: tuple[str, ...]  # each inserted phrase

    def __add__(self, other: _Rendered) -> _Rendered:
        return _Rendered(
            f"{self.text} {other.text}",
            self.said | other.said,
            self.literals + other.literals,
            self.phrases + other.phrases,
        )


@dataclass(frozen=True)
class _Language:
    """How brief phrases are written into one language's sentences."""

    code: str
    fields: dict[str, str]
    proper: frozenset[str]  # capitalized words that are names: never lower-cased
    keep_case: bool
    stopwords: frozenset[str]
    from_brief: frozenset[str]  # the phrases that are the brief's own, not our fallbacks


def _language(brief: Brief, copy: dict[str, Any], seed: int, code: str) -> _Language:
    """Work out how the brief's phrases read in one language's sentences."""
    grammar = copy["grammar"]
    # Languages without templates get the English ones rather than nothing.
    base = _base(code) if _base(code) in copy["details_fallback"] else "en"
    offers = [m for m in brief.must_have if _OFFER_WORDS.search(m)]
    details = [_phrase(m) for m in brief.must_have if m not in offers[:1]]
    # The brief is written in its first language; only English phrases get English articles.
    english = _base(brief.languages[0]) == "en"
    subject, ours, name = (
        _cased(form, base, grammar)
        for form in _subject_forms(brief.subject, brief.use_case, base if english else "", grammar)
    )
    product = brief.use_case == "ecommerce"
    vague = _phrase(brief.audience).lower() in {a.lower() for a in grammar["vague_audiences"]}
    audience = "" if vague else _cased(_phrase(brief.audience), base, grammar)
    first = audience.split()[0].lower() if audience else ""
    fields = {
        "subject": subject,
        "our_subject": ours,
        "name": name,
        "thing": "" if name else ours,
        "audience": audience,
        "audience_call": "" if first in grammar["determiners"] else audience,
        "key_message": _cased(_phrase(brief.key_message), base, grammar),
        "key_clause": _cased(_phrase(brief.key_message), base, grammar)
        if is_clause(brief.key_message)
        else "",
        "cta": _phrase(brief.cta),
        # Generic praise only suits a product; elsewhere the beat keeps to its plain line.
        "details": _join(details, grammar["conjunction"].get(base, "and"))
        or (_pick(copy["details_fallback"][base], seed, "details") if product else ""),
        "offer": _phrase(offers[0])
        if offers
        else _pick(copy["offer_fallback"][base], seed, "offer"),
        "title": brief.title,
    }
    return _Language(
        code=base,
        fields=fields,
        proper=_proper_words(brief, name) | _always_capital(base, grammar),
        keep_case=base in grammar["keep_case"],
        stopwords=frozenset(grammar["stopwords"].get(base, [])),
        from_brief=frozenset(
            {"cta", "key_message", "subject"}
            | ({"audience"} if audience else set())
            | ({"details"} if details else set())
            | ({"offer"} if offers and not _said_in(offers[0], brief.cta) else set())
        ),
    )


_PRONOUNS = {"we", "you", "i", "it", "they", "he", "she", "there", "everyone", "nobody",
             "everybody", "this", "that", "these", "those", "who", "what"}
_VERBS = {"is", "are", "was", "were", "has", "have", "had", "can", "will", "won't", "don't",
          "doesn't", "does", "do", "did", "makes", "make", "turns", "turn", "keeps", "keep",
          "gives", "give", "takes", "take", "needs", "need", "works", "work", "matters", "means",
          "helps", "help", "saves", "save", "lets", "let", "grows", "grow", "starts", "start",
          "comes", "come", "goes", "go", "gets", "get", "feels", "feel", "tastes", "looks",
          "changes", "change", "should", "must", "could", "would", "may", "might", "fix", "fixes"}
_RELATIVE = {"that", "which", "who", "where", "whose"}


def is_clause(text: str) -> bool:
    """Say whether a key message is a clause ("we fix flats fast"), not a noun phrase.

    "Because {key_message}." needs a clause; "Saturday sale" or "featherlight foam that gives
    back" (a relative clause inside a noun phrase) would not read after "because".
    """
    words = [w.strip(",.;:!?\"'") for w in text.lower().split()]
    if not words:
        return False
    if words[0] in _PRONOUNS or words[0].endswith(("'re", "'s", "'ll", "'ve")):
        return True
    for word in words[1:]:
        if word in _RELATIVE:
            return False
        if word in _VERBS:
            return True
    return False


def _subject_forms(
    subject: str, use_case: str, language: str, grammar: dict[str, Any]
) -> tuple[str, str, str]:
    """Return the subject as a topic, as ours, and as a name ("" when it is a common noun).

    English common nouns get an article ("the running sneaker", "our running sneaker"); names,
    subjects that bring their own article, and mass or abstract topics ("photosynthesis") do
    not. Other languages keep the subject as given: their articles depend on gender.
    """
    subject = _phrase(subject)
    words = subject.split()
    if language != "en":
        return subject, subject, subject if words[0][:1].isupper() else ""
    if words[0].lower() in grammar["determiners"]:
        return subject, subject, ""
    last = words[-1].lower()
    mass = last in grammar["mass_nouns"] or last.endswith(tuple(grammar["mass_suffixes"]))
    own = grammar["possessive"][use_case]
    if words[0][:1].isupper() and len(words) > 1 and words[-1][:1].islower():
        # A place or brand before a common noun ("Leeds bike repair shop") is not a name:
        # "Meet our Leeds bike repair shop", never "Meet Leeds bike repair shop".
        return f"the {subject}", f"{own} {subject}", ""
    if named_with_the(subject):
        return f"the {subject}", f"the {subject}", ""  # "the Westside Jazz Festival"
    if words[0][:1].isupper() and not (len(words) == 1 and mass):
        return subject, subject, subject
    lower = subject[:1].lower() + subject[1:]
    plural = last.endswith("s") and not last.endswith(("ss", "us", "is")) and (
        last not in grammar["not_plural"]
    )
    if use_case == "education" and (mass or plural):
        return lower, lower, ""
    return f"the {lower}", f"{own} {lower}", ""


def _always_capital(language: str, grammar: dict[str, Any]) -> frozenset[str]:
    if language != "en":
        return frozenset()
    return frozenset(w[:1].upper() + w[1:] for w in grammar["capitalized"])


def _cased(phrase: str, language: str, grammar: dict[str, Any]) -> str:
    """Capitalize the words English always capitalizes ("saturday sale" -> "Saturday sale")."""
    if language != "en" or not phrase:
        return phrase
    always = {w.lower() for w in grammar["capitalized"]}

    def bare(word: str) -> str:
        return re.sub(r"['’]s$", "", word.lower().strip(",.;:!?"))

    return " ".join(w[:1].upper() + w[1:] if bare(w) in always else w for w in phrase.split())


def _proper_words(brief: Brief, name: str) -> frozenset[str]:
    """Collect the words the brief itself capitalizes mid-phrase: names that keep their capital."""
    proper = set(name.split())
    for text in (brief.subject, brief.audience, brief.key_message, brief.cta, brief.goal,
                 *brief.must_have):
        words = text.split()
        proper.update(w.strip(",.;:!?") for w in words[1:] if w[:1].isupper())
    return frozenset(proper)


def _render(template: str, lang: _Language) -> _Rendered | None:
    """Fill a template with cased brief phrases; None when it needs a phrase the brief lacks."""
    out: list[str] = []
    said: set[str] = set()
    phrases: list[str] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        out.append(template[pos : match.start()])
        key = match.group(1)
        value = lang.fields.get(key, "")
        if not value:
            return None
        starts = _at_sentence_start("".join(out))
        value = _capitalize(value) if starts else _mid_sentence(value, key, lang)
        out.append(value)
        phrases.append(value)
        if key in _FIELD_PHRASE:
            said.add(_FIELD_PHRASE[key])
        pos = match.end()
    out.append(template[pos:])
    text = _capitalize(_tidy("".join(out)))
    return _Rendered(text, frozenset(said), (_PLACEHOLDER.sub(" ", template),), tuple(phrases))


def _at_sentence_start(before: str) -> bool:
    before = before.rstrip()
    return not before or before[-1] in ".!?¿¡"


def _capitalize(text: str) -> str:
    """Upper-case the first letter, unless the first word is cased on purpose ("iPhone")."""
    lead = len(text) - len(text.lstrip("¿¡\"'“ "))
    word = text[lead:].split(" ", 1)[0]
    if not word[:1].islower() or any(c.isupper() for c in word[1:]):
        return text
    return text[:lead] + word[:1].upper() + text[lead + 1 :]


def _mid_sentence(value: str, key: str, lang: _Language) -> str:
    """Lower-case a phrase's first word inside a sentence, unless it is a name or the CTA."""
    if key == "cta" or lang.keep_case:
        return value
    word = value.split(" ", 1)[0]
    bare = word.strip(",.;:!?")
    if (
        word[:1].isupper()
        and word[1:] == word[1:].lower()
        and bare not in _FIRST_PERSON
        and bare not in lang.proper
    ):
        return word[:1].lower() + value[1:]
    return value


def _tidy(text: str) -> str:
    """Collapse spaces and the punctuation a phrase and its template can double up."""
    text = " ".join(text.split())
    text = re.sub(r"\s+([.,])", r"\1", text)
    text = re.sub(r"([!?…])[.]+", r"\1", text)
    text = re.sub(r"[.,;:]+([.!?])", r"\1", text)
    text = re.sub(r"\.{2,}", ".", text)
    return text


def _repeats(rendered: _Rendered, lang: _Language) -> bool:
    """Say whether a word comes twice from different places ("every detail ... thoughtful details").

    Repeats inside one phrase or one template are deliberate and stay ("step by step"), and so
    do repeats between two of the person's own phrases: "Meet our bike repair shop. We now do
    same-day repairs." says what they said, where dropping the key message would not.
    """
    if re.search(r"\b(\w+)\s+\1\b", rendered.text, re.IGNORECASE):
        return True
    seen: set[str] = set()
    for source in rendered.literals:
        stems = _stems(source, lang)
        if stems & seen:
            return True
        seen |= stems
    said: list[str] = []
    for phrase in rendered.phrases:
        stems = _stems(phrase, lang)
        low = phrase.lower()
        # One phrase inside another is the same words twice ("Meet our Black Friday sale. Our
        # Black Friday sale is not to be missed."), not two things the person said.
        if stems & seen or any(low in s or s in low for s in said if stems & _stems(s, lang)):
            return True
        said.append(low)
    return False


def _stems(text: str, lang: _Language) -> frozenset[str]:
    """Return rough stems of the words that would sound repeated: five letters or more."""
    words = _WORDS.findall(text.lower())
    return frozenset(_stem(w) for w in words if len(w) >= 5 and w not in lang.stopwords)


def _stem(word: str) -> str:
    word = word.removesuffix("'s").removesuffix("’s")
    return (word[:-1] if word.endswith("s") else word)[:6]


def _said_in(phrase: str, text: str) -> bool:
    return _phrase(phrase).lower() in text.lower()

def _phrase(text: str) -> str:
    # Templates add their own punctuation around a phrase.
    return " ".join(text.split()).rstrip(".;,")


def _join(items: Iterable[str], conjunction: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _base(language: str) -> str:
    return language.split("-")[0].lower()


# --------------------------------------------------------------------------- seeded choices


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def _pick(options: list[Any], seed: int, salt: str) -> Any:
    return options[(seed + _seed(salt)) % len(options)]


def _rotate(options: list[Any], seed: int, salt: str) -> list[Any]:
    if not options:
        return []
    k = (seed + _seed(salt)) % len(options)
    return options[k:] + options[:k]
