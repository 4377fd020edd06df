"""Write a scene script from a brief and anchor with templates, for the built-in offline model.

The copy is templated (``prompts/offline_copy.yaml``) but specific to the brief: its subject,
audience, key message and CTA are fitted into the sentences (an article where a common noun
needs one, lower case mid-sentence, no word said twice), the beats follow the use case, and the
lines are chosen to fit the time the voice really has. Short on time, template phrases go first
and the brief's phrases last; the CTA always stays. A stable hash of the brief breaks ties, so
different briefs read differently while the same brief always reads the same.

Every must-have of the brief is said or shown: a beat's line carries it where time allows,
else it goes on screen (short ones) or into a scene's narration, and a QA fix round that finds
one missing (``must_say``) gets it said. The subject's kind picks the beats: a croissant or a
cafe is never pitched as the answer to a problem ("Imagine an easier way").

This module picks the beats and assembles the scenes; ``grammar`` fits the phrases into
sentences and ``lines`` chooses which lines fit the time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from agent.offline.grammar import _PLACEHOLDER, _language, _phrase, _pick, _rotate, _seed
from agent.offline.lines import _caption, _compose, _on_screen, _options
from prompts import load_data
from tools.common.timing import scene_need
from tools.handoffs import Brief, QAReport, Script, StyleAnchor
from tools.script.write import (
    ESTIMATE_MARGIN,
    ON_SCREEN_MAX_WORDS,
    SceneDraft,
    ScriptDraft,
    narration_fits,
    narration_needs,
    normalize_script,
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


def is_carried(phrase: str, scenes: Sequence[SceneDraft]) -> bool:
    """Say whether a phrase is said or shown in the scenes (case and punctuation aside)."""
    text = " ".join([*(s.narration for s in scenes), *(s.on_screen_text for s in scenes)])
    return _normal(phrase) in _normal(text) if _normal(phrase).strip() else True


def _normal(text: str) -> str:
    return " " + " ".join(re.sub(r"[^\w%$€£]+", " ", text.lower()).split()) + " "


def carry_must_haves(
    scenes: list[SceneDraft],
    brief: Brief,
    anchor: StyleAnchor,
    copy: dict[str, Any],
    must_say: Sequence[str] = (),
) -> list[SceneDraft]:
    """Put every must-have the scenes do not carry on screen or into a line.

    Short must-haves go on a middle scene's screen; longer ones are spoken in the middle scene
    with the shortest line, or instead of a line that says none of the brief's words, while the
    narration still fits the video. Those a QA round asks for (``must_say``) are spoken first.
    The last resort is the closing screen, beside the call to action.
    """
    out = list(scenes)
    middle = list(range(1, len(out) - 1)) or [0]
    spoken = {_normal(m) for m in must_say}
    for item in dict.fromkeys([*brief.must_have, *must_say]):
        forced = _normal(item) in spoken
        if (_is_said(item, out) if forced else is_carried(item, out)):
            continue
        options = _spoken_options(out, middle, item, brief, copy)
        said = next((o for o in options if _fits(o, brief, anchor)), None)
        shown = _shown(out, middle, item, brief)
        if forced and said is not None:
            out = said
        elif shown is not None:
            out = shown
        elif said is not None:
            out = said
        else:
            out = _closing(out, item) if len(item.split()) <= ON_SCREEN_MAX_WORDS else options[0]
    return out


def _spoken_options(
    scenes: list[SceneDraft], middle: list[int], item: str, brief: Brief, copy: dict[str, Any]
) -> list[list[SceneDraft]]:
    """Return ways to say the item: added to the shortest line, or instead of a template line."""
    shortest = min(middle, key=lambda k: len(scenes[k].narration.split()))
    added = [*scenes[:shortest], _with_line(scenes[shortest], item, brief, copy), *scenes[shortest + 1 :]]
    options = [added]
    phrases = [brief.key_message, brief.subject, brief.audience, *brief.must_have]
    for i in sorted(middle, key=lambda k: -len(scenes[k].narration.split())):
        if not any(_normal(p) in _normal(scenes[i].narration) for p in phrases):
            bare = scenes[i].model_copy(update={"narration": "", "captions": {}})
            options.append([*scenes[:i], _with_line(bare, item, brief, copy), *scenes[i + 1 :]])
    return options


def _closing(scenes: list[SceneDraft], item: str) -> list[SceneDraft]:
    """Show the item on the closing screen beside the call to action (nothing else has room)."""
    last = scenes[-1]
    return [*scenes[:-1], last.model_copy(update={"on_screen_text": f"{last.on_screen_text} · {item}"})]


def _shown(
    scenes: list[SceneDraft], middle: list[int], item: str, brief: Brief
) -> list[SceneDraft] | None:
    """Return the scenes with the item on a middle scene's screen, if it fits five words."""
    musts = {_normal(m) for m in brief.must_have}
    for i in middle:
        text = scenes[i].on_screen_text
        own = _normal(text) in musts or " · " in text
        joined = f"{text} · {item}" if own else item
        if len(joined.split()) <= ON_SCREEN_MAX_WORDS:
            return [*scenes[:i], scenes[i].model_copy(update={"on_screen_text": joined}), *scenes[i + 1 :]]
    return None


def _fits(scenes: list[SceneDraft], brief: Brief, anchor: StyleAnchor) -> bool:
    needs = narration_needs(
        [s.narration for s in scenes], brief.languages[0], anchor.voice.words_per_second
    )
    return narration_fits(needs, brief.duration_s, 60.0 / anchor.music.tempo_bpm)


def _is_said(phrase: str, scenes: Sequence[SceneDraft]) -> bool:
    return _normal(phrase) in _normal(" ".join(s.narration for s in scenes))


def _with_line(scene: SceneDraft, item: str, brief: Brief, copy: dict[str, Any]) -> SceneDraft:
    """Return the scene with a line saying the must-have, in every caption language."""
    lines = copy["must_have_line"]["education" if brief.use_case == "education" else "other"]
    language = brief.languages[0]

    def said(code: str, text: str) -> str:
        template = lines.get(code.split("-")[0].lower(), lines["en"])
        line = _capital(template.replace("{item}", " ".join(item.split()).rstrip(".")))
        return f"{text.rstrip()} {line}".strip() if text.strip() else line

    codes = scene.captions or {code: "" for code in brief.languages}
    captions = {code: said(code, text) for code, text in codes.items()}
    narration = said(language, scene.narration)
    captions[language] = narration
    return scene.model_copy(update={"narration": narration, "captions": captions})


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def missing_must_haves(report: QAReport | None) -> list[str]:
    """Return the must-haves a QA report found neither said nor shown."""
    if report is None:
        return []
    found = [c.detail for c in report.checks if c.name == "must_have" and not c.passed]
    return list(dict.fromkeys(d for d in found if d))


def say_missing(
    script: Script, brief: Brief, anchor: StyleAnchor, missing: Sequence[str]
) -> Script:
    """Return the script with the must-haves a QA round found missing said in its narration.

    Whoever wrote the script (a model or the built-in writer), the fix round changes what it
    was sent back for; the timing is fitted again, as for any draft.
    """
    if not missing:
        return script
    drafts = [
        SceneDraft(
            goal=s.goal, visual=s.visual, narration=s.narration, motion=s.motion,
            duration_s=s.duration_s, on_screen_text=s.on_screen_text, captions=dict(s.captions),
            style_cue=s.style_cue,
        )
        for s in script.scenes
    ]
    scenes = carry_must_haves(drafts, brief, anchor, load_data("offline_copy"), missing)
    draft = ScriptDraft(hook=script.hook, cta=script.cta, scenes=scenes)
    fixed = normalize_script(draft, brief, anchor)
    return fixed.model_copy(update={"version": script.version})


def offline_reply(seed_text: str) -> str:
    """Return the offline model's honest plain-text answer, varied by the conversation."""
    return _pick(load_data("offline_copy")["reply"], _seed(seed_text), "reply")


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
