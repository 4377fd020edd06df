"""Read "label: value" segments, on their own lines or one after another in a sentence.

"Call to action: book a slot on our website. Tone: upbeat but trustworthy." names two fields, so
each value ends where the next label starts or where its sentence ends; no label and no other
field's words end up inside a value. The web chat's settings panel sends such lines too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from agent.offline.phrasing.length import bare_number, find_duration
from agent.offline.phrasing.match import find_tones, find_use_case, vocab
from agent.offline.phrasing.subject import title_for
from agent.offline.phrasing.voice import normal_voice

# A value runs to the end of its sentence: a full stop, ! or ? before a space (not "Dr." or
# "example.com"), a semicolon, or a line break.
_SENTENCE_END = re.compile(
    r"(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bSt)(?<!\bMrs)(?<!\bProf)(?<!\be\.g)(?<!\bi\.e)"
    r"[.!?]+(?=\s|$)|;|\n|\s\|\s"
)
_QUOTES = "\"'“”‘’"


@dataclass(frozen=True)
class Segment:
    """One labelled value: the field it fills, its raw words and where label and value sit."""

    field: str
    value: str
    span: tuple[int, int]


@cache
def _label_table() -> dict[str, str]:
    return {
        label.lower(): field
        for field, labels in vocab()["field_labels"].items()
        for label in labels
    }


@cache
def _label_pattern() -> re.Pattern[str]:
    labels = sorted(_label_table(), key=len, reverse=True)
    body = "|".join(re.escape(label).replace(r"\ ", r"\s+") for label in labels)
    # A label starts the text, a line or a clause, and a colon follows it ("=" only at a line's
    # start, the settings panel's form); "the vibe: cozy" counts, "10:30" does not.
    # A dash marks a label only where "=" does, or between bars: "Subject - candles | Length - 15s".
    return re.compile(
        rf"(?:^|(?<=[\n.;!?,(|])|(?<=\s))\s*(?P<label>{body})\s*(?P<mark>[:=]|[-–—](?=\s))\s*",
        re.I,
    )


def segments(text: str) -> list[Segment]:
    """Return the labelled segments of a message, in order."""
    table = _label_table()
    found = [
        m
        for m in _label_pattern().finditer(text)
        if _starts_clause(text, m.start("label"))
        and (m.group("mark") == ":" or _line_start(text, m.start("label")))
    ]
    out: list[Segment] = []
    for n, match in enumerate(found):
        stop = found[n + 1].start("label") if n + 1 < len(found) else len(text)
        end = _SENTENCE_END.search(text, match.end(), stop)
        value_end = end.start() if end else stop
        if end and end.start() == match.end():  # "CTA: ." says nothing
            continue
        label = " ".join(match.group("label").lower().split())
        span_end = end.end() if end else stop
        out.append(
            Segment(table[label], text[match.end() : value_end].strip(), (match.start(), span_end))
        )
    return out


def _line_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t")
    return not before or before.endswith(("\n", "|"))


def _starts_clause(text: str, start: int) -> bool:
    """Return whether a label sits where a clause starts, not mid-phrase ("a call to: ...")."""
    before = text[:start].rstrip(" \t")
    if not before or before[-1] in "\n.;!?,(-–—:|":
        return True
    # "... for insta, key message: start early" or "20s reel Tone: calm": a capital or a lone
    # label after plain words still starts a clause when the words before end a phrase.
    return text[start].isupper() or before.split()[-1].lower() in {"and", "also", "plus", "then"}


def read_segments(text: str) -> tuple[dict[str, Any], list[tuple[int, int]]]:
    """Return the update_brief arguments the labelled segments give, and where they sit."""
    fields: dict[str, Any] = {}
    spans: list[tuple[int, int]] = []
    for seg in segments(text):
        read = labelled_value(seg.field, seg.value)
        if read:
            for key, value in read.items():
                if key == "must_have" and key in fields:
                    fields[key] = [*fields[key], *value]
                else:
                    fields[key] = value
            spans.append(seg.span)
    return fields, spans


def find_labelled(text: str) -> tuple[dict[str, Any], str]:
    """Return the fields of labelled segments and the message's other words.

    "audience: busy parents" fills the audience whatever was asked last: the person (or the web
    chat's settings panel) named the field, so nothing has to be guessed.
    """
    fields, spans = read_segments(text)
    rest = text
    for a, b in sorted(spans, reverse=True):
        rest = rest[:a] + " " + rest[b:]
    return fields, " ".join(rest.split()) if "\n" not in text else _lines(rest)


def _lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def clean_value(value: str) -> str:
    """Strip quotes, a leading "that" and closing punctuation a value is written with."""
    value = " ".join(value.split()).strip(_QUOTES + " ")
    value = re.sub(r"^(?:that|is|be|should be|will be|=|-|–)\s+", "", value, flags=re.I)
    return value.rstrip(".;,").strip(_QUOTES + " ")


def sentence_case(text: str) -> str:
    """Return a phrase with its first letter upper-cased and closing punctuation removed."""
    text = " ".join(text.split()).rstrip(".;,")
    return text[:1].upper() + text[1:]


def split_items(value: str, max_words: int = 5) -> list[str]:
    """Split "numerator and denominator" or "a, b & c" into items; one long phrase stays whole."""
    parts = [p.strip(" .") for p in re.split(r"\s*(?:,|/|&|\+|;|\band\b)\s*", value)]
    parts = [re.sub(r"^(?:the words?|words?|both|also)\s+", "", p, flags=re.I) for p in parts]
    parts = [p for p in parts if p]
    if len(parts) > 1 and all(len(p.split()) <= max_words for p in parts):
        return parts
    return [value.strip(" .")] if value.strip(" .") else []


def labelled_value(field: str, raw: str) -> dict[str, Any]:
    """Read one labelled value into update_brief arguments (nothing when it cannot be read)."""
    value = clean_value(raw)
    if not value:
        return {}
    if field == "duration_s":
        seconds = find_duration(value) or bare_number(value)
        return {"duration_s": seconds} if seconds is not None else {}
    if field in ("platforms", "languages", "style_words"):
        return {field: split_items(value, max_words=3)}
    if field == "must_have":
        return {"must_have": split_items(value)}
    if field == "tone":
        tones = find_tones(value)
        return {"tone": value, **({"style_words": tones} if tones else {})}
    if field in ("key_message", "cta", "goal"):
        return {field: sentence_case(value)}
    if field == "audience":
        return {"audience": re.sub(r"^(?:for|to|at)\s+", "", value, flags=re.I)}
    if field == "use_case":
        case = value.lower().replace("-", "_").replace(" ", "_")
        named = case if case in ("campaign", "ecommerce", "education", "personal_ip") else None
        return {"use_case": named or find_use_case(value) or value}
    if field == "subject":
        return {"subject": value, "title": title_for(value)}
    if field == "voice":
        return {"voice": normal_voice(value)}
    return {field: value}
