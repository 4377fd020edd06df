"""Write a scene script from a brief and anchor with templates, for the built-in offline model.

The copy is templated (``prompts/offline_copy.yaml``) but specific to the brief: its subject,
audience, key message and CTA are inserted as given, the beats follow the use case, narration is
sized to the voice's pace, and a stable hash of the brief picks among variants so different
briefs read differently while the same brief always reads the same.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from prompts import load_data
from tools.handoffs import Brief, StyleAnchor
from tools.script import SceneDraft, ScriptDraft, fit_durations, scene_count

PACE = 0.75  # share of the voice's words per second a scene's narration should use
REQUIRED = ("cta", "key_message", "subject", "audience")  # brief phrases the voice must say
_OFFER_WORDS = re.compile(r"\d|%|free|off\b|discount|deal|offer|sale|ship|bundle|gift", re.I)


@dataclass(frozen=True)
class _Line:
    """One scene's copy before durations are fitted."""

    beat: str
    narration: str
    words: int


def draft_script(brief: Brief, anchor: StyleAnchor) -> ScriptDraft:
    """Return a deterministic, brief-specific script draft (durations sum to the brief's)."""
    copy = load_data("offline_copy")
    seed = _seed(brief.model_dump_json())
    beats = _beats(copy["structures"][brief.use_case], scene_count(brief.duration_s))
    fields = _fields(brief, anchor, copy, seed)
    language = brief.languages[0]
    target = PACE * anchor.voice.words_per_second * brief.duration_s / len(beats)

    lines = [
        _narrate(copy["beats"][beat], beat, language, fields, target, seed)
        for beat in beats
    ]
    for key in REQUIRED:
        lines = _ensure(lines, key, copy["beats"], language, fields)
    durations = _durations([line.words for line in lines], brief.duration_s, anchor)
    moves = _moves(copy["motion"], len(beats), seed)
    must_haves = _spread(brief.must_have, len(beats))

    scenes: list[SceneDraft] = []
    for i, (line, duration, move) in enumerate(zip(lines, durations, moves, strict=True)):
        beat = copy["beats"][line.beat]
        shot = _fill(_pick(beat["shot"], seed, f"shot{i}"), fields)
        visual = _fill(copy["visual"], {**fields, "shot": shot})
        for item in must_haves[i]:
            visual += "; " + _fill(copy["must_have_visual"], {**fields, "item": item})
        captions = {
            lang: line.narration if lang == language else _caption(beat, lang, fields, seed, i)
            for lang in brief.languages
        }
        scenes.append(
            SceneDraft(
                goal=_fill(beat["goal"], fields),
                visual=visual,
                narration=line.narration,
                motion=move,
                duration_s=duration,
                on_screen_text=_on_screen(beat, fields, seed, i, last=i == len(beats) - 1),
                captions=captions,
                style_cue=_fill(_pick(copy["style_cue"], seed, "cue"), fields),
            )
        )
    return ScriptDraft(hook=scenes[0].narration, cta=brief.cta, scenes=scenes)


def offline_reply(seed_text: str) -> str:
    """Return the offline model's honest plain-text answer, varied by the conversation."""
    return _pick(load_data("offline_copy")["reply"], _seed(seed_text), "reply")


def _beats(structure: dict[str, Any], count: int) -> list[str]:
    middle: list[str] = structure["middle"][count - 2]
    return [structure["first"], *middle, structure["last"]]


def _fields(brief: Brief, anchor: StyleAnchor, copy: dict[str, Any], seed: int) -> dict[str, str]:
    offers = [m for m in brief.must_have if _OFFER_WORDS.search(m)]
    details = [m for m in brief.must_have if m not in offers[:1]]
    return {
        "subject": brief.subject,
        "audience": brief.audience,
        "key_message": _phrase(brief.key_message),
        "cta": _phrase(brief.cta),
        "goal": _phrase(brief.goal),
        "title": brief.title,
        "details": ", ".join(details) or _pick(copy["details_fallback"], seed, "details"),
        "offer": offers[0] if offers else _pick(copy["offer_fallback"], seed, "offer"),
        "anchor_subject": anchor.subject.name,
        "silhouette": anchor.subject.silhouette,
        "style_words": ", ".join(anchor.words),
        "lighting": anchor.lighting,
        "composition": anchor.composition,
        "palette": " ".join(anchor.palette),
        "camera_tone": anchor.camera_tone,
    }


def _narrate(
    beat: dict[str, Any], name: str, language: str, fields: dict[str, str], target: float, seed: int
) -> _Line:
    """Pick the variant that fits the scene's word budget, then extend short lines toward it."""
    variants = beat["narration"].get(_base(language)) or beat["narration"]["en"]
    rendered = [_sentence(_fill(v, fields)) for v in variants]
    fitting = [r for r in rendered if 0.6 * target <= _words(r) <= 1.3 * target]
    if fitting:
        text = _pick(fitting, seed, name)
    else:
        text = min(rendered, key=lambda r: abs(_words(r) - target))
    extras = beat.get("more", {}).get(_base(language), [])
    for extra in _rotate(extras, seed, name):
        addition = _sentence(_fill(extra, fields))
        if _words(text) >= 0.8 * target or _words(text) + _words(addition) > 1.25 * target:
            break
        if addition.lower() not in text.lower():
            text = f"{text} {addition}"
    return _Line(beat=name, narration=text, words=_words(text))


def _ensure(
    lines: list[_Line], key: str, beats: dict[str, Any], language: str, fields: dict[str, str]
) -> list[_Line]:
    """Make sure the brief phrase ``fields[key]`` is spoken, changing the line that grows least.

    A replacement keeps every required phrase the old line already said, so fixing one phrase
    never drops another.
    """
    phrase = fields[key].lower()
    if any(phrase in line.narration.lower() for line in lines):
        return lines
    best: tuple[int, int, str] | None = None
    for i, line in enumerate(lines):
        beat = beats[line.beat]
        said = [fields[k].lower() for k in REQUIRED if fields[k].lower() in line.narration.lower()]
        variants = beat["narration"].get(_base(language)) or beat["narration"]["en"]
        extras = beat.get("more", {}).get(_base(language), [])
        options = [_sentence(_fill(v, fields)) for v in variants]
        options += [f"{line.narration} {_sentence(_fill(e, fields))}" for e in extras]
        for option in options:
            low = option.lower()
            if phrase in low and all(p in low for p in said):
                growth = _words(option) - line.words
                if best is None or growth < best[0]:
                    best = (growth, i, option)
    if best is None:
        return lines
    _, i, text = best
    return [*lines[:i], _Line(lines[i].beat, text, _words(text)), *lines[i + 1 :]]


def _durations(words: list[int], total_s: float, anchor: StyleAnchor) -> list[float]:
    """Share the time by narration length, clamped so no scene is a flash or a drag.

    When the brief's phrases are too long for the time, the clamp is dropped: an even pace over
    every scene beats one rushed scene.
    """
    average = total_s / len(words)
    rate = max(sum(words), 1) / total_s
    raw = [w / rate for w in words]
    if rate <= anchor.voice.words_per_second:
        raw = [min(max(d, 0.6 * average), 1.6 * average) for d in raw]
    return fit_durations(raw, total_s)


def _moves(motion: dict[str, list[str]], count: int, seed: int) -> list[str]:
    """Open and close on strong moves, cycle the middle, never repeat a move back to back."""
    cycle = _rotate(motion["cycle"], seed, "cycle")
    moves = [_pick(motion["first"], seed, "first")]
    for i in range(1, count - 1):
        options = [m for m in cycle[i - 1 :] + cycle[: i - 1] if m != moves[-1]]
        moves.append(options[0])
    last = [m for m in _rotate(motion["last"], seed, "last") if m != moves[-1]]
    moves.append(last[0])
    return moves


def _on_screen(beat: dict[str, Any], fields: dict[str, str], seed: int, i: int, last: bool) -> str:
    if last:
        return fields["cta"]
    options = [_fill(t, fields) for t in beat["on_screen"]]
    short = [o for o in options if _words(o) <= 5] or [" ".join(options[0].split()[:5])]
    return _pick(short, seed, f"screen{i}")


def _caption(beat: dict[str, Any], language: str, fields: dict[str, str], seed: int, i: int) -> str:
    variants = beat["narration"].get(_base(language)) or beat["narration"]["en"]
    return _sentence(_fill(_pick(variants, seed, f"caption{i}"), fields))


def _spread(items: list[str], count: int) -> list[list[str]]:
    """Deal the must-haves over the middle scenes so each shows up in some visual."""
    slots: list[list[str]] = [[] for _ in range(count)]
    middle = max(count - 2, 1)
    for n, item in enumerate(items):
        slots[1 + n % middle].append(item)
    return slots


def _fill(template: str, fields: dict[str, str]) -> str:
    # Replace only known placeholders: brief phrases may contain braces of their own.
    return re.sub(r"\{(\w+)\}", lambda m: fields.get(m.group(1), m.group(0)), template)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    for doubled, single in (("..", "."), ("?.", "?"), ("!.", "!"), (":.", ":")):
        text = text.replace(doubled, single)
    return text[:1].upper() + text[1:]


def _phrase(text: str) -> str:
    # Templates add their own punctuation around a phrase.
    return text.strip().rstrip(".;,")


def _words(text: str) -> int:
    return len(text.split())


def _base(language: str) -> str:
    return language.split("-")[0].lower()


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def _pick(options: list[str], seed: int, salt: str) -> str:
    return options[(seed + _seed(salt)) % len(options)]


def _rotate(options: list[str], seed: int, salt: str) -> list[str]:
    if not options:
        return []
    k = (seed + _seed(salt)) % len(options)
    return options[k:] + options[:k]
