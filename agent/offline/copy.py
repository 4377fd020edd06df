"""Write a scene script from a brief and anchor with templates, for the built-in offline model.

The copy is templated (``prompts/offline_copy.yaml``) but specific to the brief: its subject,
audience, key message and CTA are fitted into the sentences (an article where a common noun
needs one, lower case mid-sentence, no word said twice), the beats follow the use case, and the
lines are chosen to fit the time the voice really has. Short on time, template phrases go first
and the brief's phrases last; the CTA always stays. A stable hash of the brief breaks ties, so
different briefs read differently while the same brief always reads the same.

Every must-have of the brief is said or shown: a beat's line carries it where time allows,
else ``musts`` puts it on screen or into a scene's narration. The subject's kind picks the
beats: a croissant or a cafe is never pitched as the answer to a problem ("Imagine an easier
way").

This module picks the beats and assembles the scenes; ``grammar`` fits the phrases into
sentences and ``lines`` chooses which lines fit the time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from agent.offline.grammar import _PLACEHOLDER, _language, _phrase, _pick, _rotate, _seed
from agent.offline.lines import _caption, _compose, _on_screen, _options
from agent.offline.musts import carry_must_haves
from prompts import load_data
from tools.common.timing import scene_need
from tools.handoffs import Brief, StyleAnchor
from tools.script.write import (
    ESTIMATE_MARGIN,
    SceneDraft,
    ScriptDraft,
    paced_durations,
    scene_count,
)

# The brief's phrases, most important first: the order in which they claim speaking time.
PHRASES = ("cta", "key_message", "subject", "audience", "details", "offer")


def draft_script(
    brief: Brief, anchor: StyleAnchor, must_say: Sequence[str] = ()
) -> ScriptDraft:
    """Return a deterministic, brief-specific script draft (durations sum to the brief's).

    ``must_say`` names must-haves a QA round found missing: they are spoken, not only shown.
    """
    copy = load_data("offline_copy")
    seed = _seed(brief.model_dump_json())
    names = _beats(copy["structures"][brief.use_case], scene_count(brief.duration_s))
    swaps = copy["kind_swaps"].get(subject_kind(brief, copy), {})
    if brief.use_case in ("campaign", "ecommerce"):
        names = [swaps.get(name, name) for name in names]
    beats = [copy["beats"][name] for name in names]
    language = brief.languages[0]
    langs = {code: _language(brief, copy, seed, code) for code in brief.languages}
    wps = anchor.voice.words_per_second
    beat_s = 60.0 / anchor.music.tempo_bpm

    options = [_options(beat, langs[language], wps) for beat in beats]
    wanted = [p for p in PHRASES if p in langs[language].from_brief]
    chosen = _compose(options, wanted, brief.duration_s, beat_s, seed)
    needs = [scene_need(o.seconds * (1 + ESTIMATE_MARGIN)) for o in chosen]
    durations = paced_durations(needs, needs, brief.duration_s, beat_s)
    moves = _moves(copy["motion"], len(beats), seed)
    must_haves = _spread(brief.must_have, len(beats))
    english = langs.get("en") or _language(brief, copy, seed, "en")
    details = english.fields["details"] or _pick(copy["details_fallback"]["en"], seed, "details")
    meta = _meta_fields(brief, anchor, details, english.fields["offer"])

    scenes: list[SceneDraft] = []
    for i, (beat, option, duration, move) in enumerate(
        zip(beats, chosen, durations, moves, strict=True)
    ):
        shot = _meta(_pick(beat["shot"], seed, f"shot{i}"), meta)
        visual = _meta(copy["visual"], {**meta, "shot": shot})
        for item in must_haves[i]:
            visual += "; " + _meta(copy["must_have_visual"], {**meta, "item": item})
        captions = {
            code: option.text if code == language else _caption(beat, option, langs[code], wps)
            for code in brief.languages
        }
        last = i == len(beats) - 1
        scenes.append(
            SceneDraft(
                goal=_meta(beat["goal"], meta),
                visual=visual,
                narration=option.text,
                motion=move,
                duration_s=duration,
                on_screen_text=brief.cta if last else _on_screen(beat, langs[language], seed, i),
                captions=captions,
                style_cue=_meta(_pick(copy["style_cue"], seed, "cue"), meta),
            )
        )
    scenes = carry_must_haves(scenes, brief, anchor, copy, must_say)
    return ScriptDraft(hook=scenes[0].narration, cta=brief.cta, scenes=scenes)


def subject_kind(brief: Brief, copy: dict[str, Any]) -> str:
    """Return the kind of subject ("food", "place") whose beats suit it, or "" for the default."""
    said = " ".join([brief.subject, brief.title]).lower()
    for kind, words in copy["kinds"].items():
        if any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", said) for w in words):
            return str(kind)
    return ""


def offline_reply(seed_text: str) -> str:
    """Return the offline model's honest plain-text answer, varied by the conversation."""
    return str(_pick(load_data("offline_copy")["reply"], _seed(seed_text), "reply"))


def _beats(structure: dict[str, Any], count: int) -> list[str]:
    if count == 2:
        return list(structure.get("pair", [structure["first"], structure["last"]]))
    middle: list[str] = structure["middle"][count - 2]
    return [structure["first"], *middle, structure["last"]]


def _meta_fields(
    brief: Brief, anchor: StyleAnchor, details: str, offer: str
) -> dict[str, str]:
    """Return the raw brief and anchor phrases that goals and image prompts carry."""
    return {
        "subject": brief.subject,
        "audience": brief.audience,
        "key_message": _phrase(brief.key_message),
        "cta": _phrase(brief.cta),
        "title": brief.title,
        "details": details,
        "offer": offer,
        "anchor_subject": anchor.subject.name,
        "silhouette": anchor.subject.silhouette,
        "style_words": ", ".join(anchor.words),
        "lighting": anchor.lighting,
        "composition": anchor.composition,
        "palette": " ".join(anchor.palette),
        "camera_tone": anchor.camera_tone,
    }


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


def _spread(items: list[str], count: int) -> list[list[str]]:
    """Deal the must-haves over the middle scenes so each shows up in some visual."""
    slots: list[list[str]] = [[] for _ in range(count)]
    middle = max(count - 2, 1)
    for n, item in enumerate(items):
        slots[1 + n % middle].append(item)
    return slots


def _meta(template: str, fields: dict[str, str]) -> str:
    # Replace only known placeholders: brief phrases may contain braces of their own.
    return _PLACEHOLDER.sub(lambda m: fields.get(m.group(1), m.group(0)), template)
