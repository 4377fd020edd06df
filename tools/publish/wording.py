"""Write each platform's title, description and hashtags within that platform's limits.

The description is the key message and the call to action as punctuated sentences, then the
hashtags; a platform with a short limit (X's 280 characters for the whole post) drops hashtags
first, then shortens the key message, and keeps the call to action whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.handoffs import Brief, Platform


@dataclass(frozen=True)
class TextLimits:
    """How long a platform lets a title and a description be, and how many hashtags help."""

    title: int
    description: int  # characters, hashtags included
    hashtags: int


PLATFORM_TEXT: dict[Platform, TextLimits] = {
    "reels": TextLimits(80, 2200, 5),
    "tiktok": TextLimits(80, 2200, 5),
    "shorts": TextLimits(100, 5000, 3),  # YouTube shows the first three over the title
    "instagram_feed": TextLimits(80, 2200, 5),
    "youtube": TextLimits(100, 5000, 3),
    "instagram_portrait": TextLimits(80, 2200, 5),
    "facebook": TextLimits(100, 2000, 3),
    "linkedin": TextLimits(200, 3000, 3),
    "x": TextLimits(70, 280, 2),  # the whole post, hashtags included
    "pinterest": TextLimits(100, 500, 5),
}
_STOP = {"the", "a", "an", "and", "or", "for", "our", "your", "with", "of", "to", "in", "on", "new"}
_USE_CASE_TAG = {
    "campaign": "#newlaunch",
    "ecommerce": "#shopnow",
    "education": "#learnontiktok",
    "personal_ip": "#creator",
}
_ENDS = re.compile(r"[.!?…][\"'”’)\]]*$")
ELLIPSIS = "…"


def hashtags(brief: Brief, limit: int = 5) -> list[str]:
    """Derive hashtags from the subject, title and use case, most specific first."""
    tags: list[str] = []
    subject = re.findall(r"[A-Za-z0-9]+", brief.subject)
    joined = "".join(w.capitalize() for w in subject[:3])
    if joined:
        tags.append("#" + joined)
    # The joined subject tag already carries its words; the title adds the rest.
    said = {w.lower() for w in subject[:3]} if len(subject) > 1 else set()
    for w in [*subject, *re.findall(r"[A-Za-z0-9]+", brief.title)]:
        if w.lower() not in _STOP and len(w) > 2 and w.lower() not in said:
            tag = "#" + w.lower()
            if tag.lower() not in {t.lower() for t in tags}:
                tags.append(tag)
    tags.append(_USE_CASE_TAG[brief.use_case])
    return tags[:limit]


def sentence(text: str) -> str:
    """Return ``text`` as one sentence: capitalised, trailing commas gone, ending in a stop."""
    s = " ".join(text.split()).rstrip(",;:-–— ")
    if not s:
        return ""
    s = s[0].upper() + s[1:]
    return s if _ENDS.search(s) else s + "."


def clip_words(text: str, limit: int) -> str:
    """Shorten ``text`` to ``limit`` characters at a word boundary, ending in an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    if " " in cut.strip():
        cut = cut[: cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,;:-–—.") + ELLIPSIS


def title_for(brief: Brief, platform: Platform) -> str:
    """Return the brief's title within the platform's title limit."""
    return clip_words(" ".join(brief.title.split()), PLATFORM_TEXT[platform].title)


def description_for(key_message: str, cta: str, tags: list[str], platform: Platform
                    ) -> tuple[str, list[str]]:
    """Return the key message and call to action as sentences, then hashtags, within limits.

    Also returns the hashtags that made it in: a short limit drops the last ones first.
    """
    limit = PLATFORM_TEXT[platform].description
    call = clip_words(sentence(cta), limit)
    message = sentence(key_message)
    if message.lower().rstrip(".!?…") == call.lower().rstrip(".!?…"):
        message = ""  # the key message is the call to action: say it once
    kept = tags[: PLATFORM_TEXT[platform].hashtags]
    body = " ".join(t for t in (message, call) if t)
    while kept and len(" ".join([body, *kept])) > limit:
        kept = kept[:-1]
    if len(body) <= limit:
        return " ".join([body, *kept]), kept
    room = limit - len(call) - 1
    return (f"{clip_words(message, room)} {call}" if room >= 12 else call), []


def platform_text(brief: Brief, cta: str, platform: Platform) -> tuple[str, str, list[str]]:
    """Return a platform's title, description and hashtags; ``cta`` is the one the cut shows."""
    tags = hashtags(brief, PLATFORM_TEXT[platform].hashtags)
    description, kept = description_for(brief.key_message, cta, tags, platform)
    return title_for(brief, platform), description, kept
