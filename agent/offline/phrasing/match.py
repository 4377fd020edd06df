"""Match vocabulary phrases in a message, and read the fields that are nothing more than that.

Phrases match case-insensitively as whole words, longest first, so "yt shorts" wins over "yt";
the vocabulary itself lives in ``prompts/phrases.yaml``. Platforms, tones, the use case and the
languages are plain lookups in it; fields that depend on where they sit in a sentence are read
in ``agent.offline.phrasing.fields``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from prompts import load_data
from tools.handoffs import PLATFORMS, UseCase

# A full stop after a title ("Dr. Okafor") or inside a word ("example.com") ends nothing.
_PUNCT = re.compile(
    r"(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bSt)(?<!\bMrs)(?<!\bProf)(?<!\bvs)\.(?!\w)"
    r"|[!?;,:\n\"“”()]|\s[-–—]\s"
)


def vocab() -> dict[str, Any]:
    """Return the phrase vocabulary (loaded once per process)."""
    data: dict[str, Any] = load_data("phrases")
    return data


@cache
def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Compile phrases into one word-bounded pattern that prefers the longest phrase."""
    ordered = sorted({p.lower() for p in phrases}, key=len, reverse=True)
    body = "|".join(re.escape(p) for p in ordered)
    return re.compile(rf"(?<![\w'-])(?:{body})(?![\w'-])", re.I)


def find_phrases(text: str, phrases: list[str]) -> list[re.Match[str]]:
    """Return every non-overlapping match of the phrases in the text, left to right."""
    return list(phrase_pattern(tuple(phrases)).finditer(text))


def has_phrase(text: str, phrases: list[str]) -> bool:
    """Return whether any of the phrases occurs in the text as whole words."""
    return phrase_pattern(tuple(phrases)).search(text) is not None


def is_exactly(text: str, phrases: list[str]) -> bool:
    """Return whether the message is one of the phrases and nothing more (punctuation aside)."""
    core = re.sub(r"[^\w\s'-]", " ", text.lower())
    core = " ".join(w for w in core.split() if w not in ("please", "now", "then", "thanks"))
    return core in {p.lower() for p in phrases}


def clause_end(text: str, start: int) -> int:
    """Return where the clause that runs from ``start`` ends (its punctuation, or the end)."""
    stop = _PUNCT.search(text, start)
    return stop.start() if stop else len(text)


def clause(text: str, start: int, max_words: int = 12) -> str:
    """Return the words from ``start`` up to the next punctuation, at most ``max_words``."""
    rest = text[start:]
    stop = _PUNCT.search(rest)
    piece = rest[: stop.start()] if stop else rest
    return " ".join(piece.split()[:max_words])


# --------------------------------------------------------------------------- platforms


def find_platforms(text: str) -> tuple[list[str], list[str]]:
    """Return the platforms named (our names, in order) and the unsupported ones named.

    "my YouTube channel" says where the person is, not where this video runs, when the message
    names a platform for the video as well ("... a 60s short"); "a short" means YouTube Shorts.
    """
    v = vocab()
    if has_phrase(text, v["all_platforms"]):
        return list(PLATFORMS), []
    by_phrase = {p.lower(): name for name, ps in v["platforms"].items() for p in ps}
    # "tiktok instead of reels", "not instagram": a platform turned down is not asked for.
    matches = [m for m in find_phrases(text, list(by_phrase))
               if not _DECLINED.search(text[max(0, m.start() - 14) : m.start()])]
    wanted = [m for m in matches if not _PRESENCE.match(text, m.end())]
    short = _SHORT_NOUN.search(text)
    if short and not any(by_phrase[m.group(0).lower()] == "shorts" for m in wanted):
        wanted = [m for m in wanted if by_phrase[m.group(0).lower()] != "youtube"]
        found = ["shorts", *(by_phrase[m.group(0).lower()] for m in wanted)]
    else:
        found = [by_phrase[m.group(0).lower()] for m in (wanted or matches)]
    unknown = [m.group(0).lower() for m in find_phrases(text, v["unknown_platforms"])]
    return list(dict.fromkeys(found)), list(dict.fromkeys(unknown))


_DECLINED = re.compile(
    r"\b(?:instead of|rather than|not|no|without|except|but not|not on|drop|skip)\s+(?:the\s+)?$",
    re.I,
)
_PRESENCE = re.compile(
    r"\s+(?:channel|account|page|profile|handle|followers|community|presence)\b", re.I
)
# "a short", "a 60s short", "one quick short": the noun, never "short video" or "keep it short".
_SHORT_NOUN = re.compile(
    r"\b(?:a|an|one|another|this|the)\s+(?:[\w·-]+\s+){0,2}?short\b(?!\s*(?:video|clip|reel|"
    r"film|ad|promo|explainer|tutorial|teaser|vid|piece|spot|intro|one|version|cut|and|or|"
    r"time|while|list|story|form|notice|of|on time|[-·\w]*s\b))",
    re.I,
)


def platform_spans(text: str) -> list[tuple[int, int]]:
    """Return where platform names sit, so other finders can skip them."""
    v = vocab()
    names = [p for ps in v["platforms"].values() for p in ps] + v["unknown_platforms"]
    return [m.span() for m in find_phrases(text, names)]


# --------------------------------------------------------------------------- tone


def find_tones(text: str) -> list[str]:
    """Return the tone and style words used, in order, without repeats."""
    words = [m.group(0).lower() for m in find_phrases(text, vocab()["tones"])]
    return list(dict.fromkeys(words))


def tone_phrase(words: list[str]) -> str:
    """Join tone words the way a person says them: "warm and cinematic"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# --------------------------------------------------------------------------- use case, languages


def find_use_case(text: str) -> UseCase | None:
    """Return the use case the words point at, or None when nothing does (a campaign).

    A creator speaking of their channel or role wins over a lesson they teach on it, and a
    lesson over a product; "I'm a freelance illustrator" is a personal brand, "I run a bakery" not.
    """
    table = vocab()["use_cases"]
    if has_phrase(text, table["personal_ip"]) or _MY_CHANNEL.search(text) or _is_persona(text):
        return "personal_ip"
    if _EXPLAINS.search(text) or has_phrase(text, table["education"]):
        return "education"
    if has_phrase(text, table["ecommerce"]) or re.search(r"\d\s*%\s*off\b", text, re.I):
        return "ecommerce"
    return "ecommerce" if _SELLS_ONLINE.search(text) else None


# "I sell vintage vinyl records online": a shop on the web, however many words between.
_SELLS_ONLINE = re.compile(r"\b(?:i|we)\s+sell\b[^.!?;]{1,60}?\bonline\b", re.I)


# "how X works", "why bees matter", "a video on why ...": the words of a lesson.
_EXPLAINS = re.compile(
    r"\bhow\b.+\bworks?\b|\b(?:why|how)\b.+\b(?:matters?|happens?|works?)\b|"
    r"\b(?:on|about)\s+(?:why|how|what)\b",
    re.I,
)
_MY_CHANNEL = re.compile(
    r"\bmy\s+(?:[\w-]+\s+){0,2}(?:channel|podcast|page|account|followers|subscribers|"
    r"community|newsletter|blog|vlog)\b",
    re.I,
)


def _is_persona(text: str) -> bool:
    """Return whether the person introduces themselves by a role ("I'm a life coach")."""
    roles = "|".join(re.escape(r) for r in vocab()["person_roles"])
    lead = r"\b(?:i'?m|i am|as)\s+(?:a|an)\s+(?:[\w-]+\s+){0,2}?"
    return re.search(rf"{lead}(?:{roles})s?\b", text, re.I) is not None


def find_languages(text: str) -> list[str]:
    """Return language codes in the order named; captions in another language keep English first.

    A language counts where it is one ("in spanish", "english captions", "French and German"),
    not as part of a name ("the French Revolution", "French press").
    """
    table: dict[str, str] = vocab()["languages"]
    codes = [table[m.group(0).lower()] for m in language_matches(text)]
    codes = list(dict.fromkeys(codes))
    if codes and "en" not in codes and has_phrase(text, vocab()["caption_words"]):
        codes.insert(0, "en")
    return codes


_LANGUAGE_BEFORE = re.compile(
    r"(?:\b(?:in|into|and|or|also|plus|both|with|to|speaking)|[,/&+(])\s*$", re.I
)
_LANGUAGE_AFTER = re.compile(
    r"^\s*(?:captions?|subtitles?|subs|subtitled|voice|voice-?over|narration|narrated|version|"
    r"audio|and|or|too|as well|translation|please|only|speakers?|[,/&+).!?]|$)",
    re.I,
)


def language_matches(text: str) -> list[re.Match[str]]:
    """Return where languages are named as languages, left to right."""
    table: dict[str, str] = vocab()["languages"]
    out: list[re.Match[str]] = []
    for match in find_phrases(text, list(table)):
        before, after = text[: match.start()], text[match.end() :]
        if _LANGUAGE_BEFORE.search(before) or _LANGUAGE_AFTER.match(after) or not before.strip():
            out.append(match)
    return out
