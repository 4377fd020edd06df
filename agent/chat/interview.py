"""Keep the brief draft of a conversation: merge what was said, ask for what is missing.

The graph, not the model, decides what to ask next: ``missing`` names the most important field
still open, and ``to_brief`` fills the rest with sensible defaults once the person says go.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import ValidationError

from agent.actions import UpdateBrief
from agent.offline.key_message import default_cta, default_key_message
from agent.offline.phrasing.fields import (
    find_platforms,
    normal_voice,
    title_for,
    tone_phrase,
    vocab,
    voice_phrase,
)
from prompts import load_data
from tools.brief.load import BRIEF_FIELDS
from tools.handoffs import MAX_DURATION_S, MIN_DURATION_S, PLATFORMS, USE_CASES, Brief, StyleHint

ASK_ORDER = ("subject", "platforms", "duration_s", "audience", "key_message", "cta")
MAX_FIELD_CHARS = 300
_LANG_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


@cache
def copy() -> dict[str, Any]:
    """Return the chat copy (prompts/chat_copy.yaml)."""
    data: dict[str, Any] = load_data("chat_copy")
    return data


def merge(
    draft: dict[str, Any], update: UpdateBrief
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Merge valid fields into a copy of the draft; return it, the changed fields and problems."""
    out = dict(draft)
    changed: list[str] = []
    problems: list[str] = []
    texts = copy()["problems"]

    def put(key: str, value: Any) -> None:
        if value not in (None, "", []) and out.get(key) != value:
            out[key] = value
            changed.append(key)

    for key in ("subject", "title", "goal", "audience", "tone", "key_message", "cta"):
        value = getattr(update, key)
        if isinstance(value, str):
            put(key, " ".join(value.split())[:MAX_FIELD_CHARS])
    if update.use_case is not None:
        case = update.use_case.strip().lower().replace("-", "_").replace(" ", "_")
        if case in USE_CASES:
            put("use_case", case)
        else:
            problems.append(texts["use_case"].format(value=update.use_case))
    if update.duration_s is not None:
        if MIN_DURATION_S <= update.duration_s <= MAX_DURATION_S:
            put("duration_s", float(update.duration_s))
        else:
            problems.append(texts["duration"].format(value=_length(update.duration_s)))
    if update.platforms is not None:
        known, unknown = _platforms(update.platforms)
        put("platforms", known)
        if unknown:
            problems.append(texts["platforms"].format(names=", ".join(unknown)))
    if update.languages is not None:
        codes, bad = _languages(update.languages)
        put("languages", codes)
        if bad:
            problems.append(texts["languages"].format(names=", ".join(bad)))
    if update.style_words:
        words = list(dict.fromkeys([*out.get("style_words", []), *update.style_words]))
        put("style_words", [w.lower() for w in words][:6])
        if update.tone is None and "tone" not in draft:
            put("tone", tone_phrase(out["style_words"]))
    if update.voice:
        put("voice", normal_voice(update.voice)[:MAX_FIELD_CHARS])
    if update.must_have:
        put("must_have", list(dict.fromkeys([*out.get("must_have", []), *update.must_have])))
    if "subject" in changed and "title" not in changed and not draft.get("title_given"):
        put("title", title_for(out["subject"]))
    if update.title:
        out["title_given"] = True
    return out, changed, problems


def _length(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} hours"
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"


def _platforms(names: list[str]) -> tuple[list[str], list[str]]:
    known: list[str] = []
    unknown: list[str] = []
    for name in names:
        found, bad = find_platforms(name.replace("_", " "))
        if name in PLATFORMS:
            found = [name]
        known += found
        unknown += bad if bad or found else [name.strip()]
    return list(dict.fromkeys(known)), list(dict.fromkeys(u for u in unknown if u))


def _languages(names: list[str]) -> tuple[list[str], list[str]]:
    table: dict[str, str] = vocab()["languages"]
    codes: list[str] = []
    bad: list[str] = []
    for name in names:
        key = name.strip().lower()
        if key in table:
            codes.append(table[key])
        elif _LANG_CODE.match(name.strip()):
            codes.append(name.strip())
        else:
            bad.append(name)
    return list(dict.fromkeys(codes)), bad


def draft_of(brief: Brief, draft: dict[str, Any]) -> dict[str, Any]:
    """Return the draft with the brief's current fields, so later answers start from them."""
    out = dict(draft)
    for key in BRIEF_FIELDS:
        out[key] = getattr(brief, key)
    return out


def missing(draft: dict[str, Any]) -> list[str]:
    """Return the asked-for fields still open, most important first."""
    return [f for f in ASK_ORDER if draft.get(f) in (None, "", [])]


def fill_defaults(draft: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Return the draft with every open field defaulted, and which fields were."""
    d = copy()["defaults"]
    out = dict(draft)
    filled: list[str] = []
    for key in ASK_ORDER:
        if out.get(key) in (None, "", []):
            if key == "key_message":  # worded for the subject's kind: not "shop is worth trying"
                out[key] = default_key_message(
                    str(out.get("subject", d["subject"])), out.get("use_case", "campaign")
                )
                filled.append(key)
                continue
            value = d[key]
            if key == "cta":  # a shop is booked and a festival attended, not "tried"
                value = default_cta(str(out.get("subject", "")), out.get("use_case", "campaign"))
                value = value or d[key]
            if isinstance(value, dict):
                value = value[out.get("use_case", "campaign")]
            if isinstance(value, str):
                value = value.format(subject=out.get("subject", d["subject"]))
                value = _capital(value) if key in ("key_message", "cta") else value
            out[key] = value
            filled.append(key)
    out.setdefault("title", title_for(out["subject"]))
    return out, filled


def to_brief(draft: dict[str, Any]) -> Brief | None:
    """Return the brief once every asked field is set (defaults fill the rest), else None."""
    if missing(draft):
        return None
    d = copy()["defaults"]
    use_case = draft.get("use_case", "campaign")
    style = None
    if draft.get("style_words") or draft.get("style_palette"):
        style = StyleHint(
            words=draft.get("style_words", []), palette=draft.get("style_palette", [])
        )
    data = {
        "title": draft.get("title") or title_for(draft["subject"]),
        "use_case": use_case,
        "goal": draft.get("goal") or _capital(d["goal"][use_case].format(subject=draft["subject"])),
        "audience": draft["audience"],
        "platforms": draft["platforms"],
        "duration_s": draft["duration_s"],
        "tone": draft.get("tone") or d["tone"],
        "key_message": draft["key_message"],
        "cta": draft["cta"],
        "subject": draft["subject"],
        "languages": draft.get("languages") or ["en"],
        "must_have": draft.get("must_have", []),
        "style": style,
    }
    try:
        return Brief.model_validate(data)
    except ValidationError:
        return None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def question(field: str) -> str:
    """Return the question for a field, with the offer to go on defaults."""
    c = copy()
    return f"{c['questions'][field]} {c['offer_defaults']}"


def understood(draft: dict[str, Any], changed: list[str]) -> str:
    """Say in one line what was understood from the last message."""
    c = copy()
    if not changed:
        return str(c["understood"]["nothing"])
    parts: list[str] = []
    if {"duration_s", "platforms", "subject"} & set(changed):
        length = f"{draft['duration_s']:g} s " if draft.get("duration_s") else ""
        names = c["platform_words"]
        where = " / ".join(names.get(p, p) for p in draft.get("platforms", [])) or "video"
        what = for_subject(str(draft["subject"])) if draft.get("subject") else ""
        article = "an" if re.match(r"(8|11|18|80)\b|[aeiouAEIOU]", f"{length}{where}") else "a"
        parts.append(f"{article} {length}{where}{what}")
    if "tone" in changed:
        parts.append(str(draft["tone"]))
    for key in ("audience", "key_message", "cta", "languages", "use_case", "title", "goal"):
        if key in changed and key != "title":
            value = draft[key]
            shown = ", ".join(value) if isinstance(value, list) else value
            parts.append(f"{c['field_names'][key]}: {shown}")
    if "voice" in changed:
        parts.append(voice_phrase(str(draft["voice"])))
    if "must_have" in changed:
        parts.append("must-haves: " + ", ".join(draft["must_have"]))
    return (
        f"{c['understood']['start']} {'; '.join(parts)}."
        if parts
        else str(c["understood"]["nothing"])
    )


def for_subject(subject: str) -> str:
    """Return how a reel relates to its subject in words: "for your ramen shop" (a business),
    "about cold brew" (a thing or a topic), "for Penny" (a name)."""
    if subject[:1].isupper() or re.match(r"(?i)(?:the|our|my|your|a|an)\s", subject):
        return f" for {subject}"
    head = re.split(r"\s(?:on|about|for|of)\s", subject.lower())[0].split()[-1]
    v = vocab()
    owned = {str(w).lower() for k in ("business_nouns", "topic_heads", "event_words") for w in v[k]}
    return f" for your {subject}" if head in owned else f" about {subject}"


def summary(brief: Brief) -> str:
    """Return the brief in one line."""
    names = copy()["platform_names"]
    where = [str(names.get(p, p)) for p in brief.platforms]
    places = where[0] if len(where) == 1 else f"{', '.join(where[:-1])} and {where[-1]}"
    return (
        f"“{brief.title}”, {brief.duration_s:g} s for {places}; "
        f"for {brief.audience}; {brief.tone}; message: {brief.key_message}; CTA: {brief.cta}."
    )
