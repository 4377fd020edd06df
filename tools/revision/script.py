"""Change a script and brief for a revision: lengths, scene order, the CTA, stale style cues.

Each function returns new models and a line saying what changed; none touches narration unless
asked, so a CTA or text change leaves the voice-over (and everything timed to it) as it was.
"""

from __future__ import annotations

import math
import re

from tools.common.errors import BadInput
from tools.handoffs import (
    MAX_DURATION_S,
    MIN_DURATION_S,
    Brief,
    DurationOp,
    Scene,
    Script,
    StyleAnchor,
)
from tools.script.write import fit_durations


def _clamp_total(seconds: float) -> float:
    return round(min(MAX_DURATION_S, max(MIN_DURATION_S, seconds)), 2)


def _scene_label(script: Script, number: int) -> str:
    if number == 1:
        return "scene 1 (intro)"
    if number == len(script.scenes):
        return f"scene {number} (ending)"
    return f"scene {number}"


def change_duration(
    brief: Brief, script: Script, op: DurationOp, floor_s: float | None = None
) -> tuple[Brief, Script, str]:
    """Lengthen or shorten the video, or one scene (the others keep their lengths).

    ``floor_s`` is the shortest length the current narration fits in; a shorter target would
    only make the timeline overrun it, so the length stops there and the line says why.
    """
    old_total = brief.duration_s
    durations = [s.duration_s for s in script.scenes]
    if op.scene is None:
        target = op.seconds if op.seconds is not None else old_total * (op.factor or 1.0)
        asked = total = _clamp_total(target)
    else:
        number = op.scene
        if number > len(script.scenes):
            raise BadInput(f"there is no scene {number}; the script has {len(script.scenes)}")
        old = durations[number - 1]
        new = round(max(1.0, op.seconds if op.seconds is not None else old * (op.factor or 1.0)), 2)
        asked = total = _clamp_total(old_total + new - old)
    if floor_s is not None and total < floor_s - 0.05:
        total = _clamp_total(math.ceil(floor_s * 10) / 10)
    if op.scene is None:
        durations = fit_durations(durations, total)
        line = f"length {old_total:g} s → {total:g} s (every scene in proportion)"
    else:
        number = op.scene
        old = durations[number - 1]
        durations[number - 1] = round(old + total - old_total, 2)
        line = (
            f"{_scene_label(script, number)} {old:g} s → {durations[number - 1]:g} s; "
            f"length {old_total:g} s → {total:g} s"
        )
    if total > asked:
        line += (
            f" (the narration needs {total:g} s, so not {asked:g} s; ask for shorter narration "
            "or a faster voice to go further)"
        )
    scenes = [
        s.model_copy(update={"duration_s": d})
        for s, d in zip(script.scenes, durations, strict=True)
    ]
    new_brief = brief.model_copy(update={"duration_s": total})
    return new_brief, script.model_copy(update={"scenes": scenes}), line


def swap_scenes(script: Script, first: int, second: int) -> tuple[Script, str]:
    """Swap two scenes; the last scene carries the CTA, so it stays where it is."""
    count = len(script.scenes)
    for n in (first, second):
        if not 1 <= n <= count:
            raise BadInput(f"there is no scene {n}; the script has scenes 1 to {count}")
    if count in (first, second):
        raise BadInput(
            f"scene {count} carries the call to action and stays last; swap scenes 1 to {count - 1}"
        )
    scenes = list(script.scenes)
    a, b = first - 1, second - 1
    scenes[a], scenes[b] = scenes[b], scenes[a]
    renumbered = [s.model_copy(update={"index": i}) for i, s in enumerate(scenes)]
    hook = renumbered[0].narration if 0 in (a, b) else script.hook
    out = Script.model_validate(
        {**script.model_dump(), "hook": hook, "scenes": [s.model_dump() for s in renumbered]}
    )
    return out, f"scenes {first} and {second} swapped ({_goal(scenes[a])} ↔ {_goal(scenes[b])})"


def _goal(scene: Scene) -> str:
    return scene.on_screen_text or scene.goal


def _replace_phrase(text: str, old: str, new: str) -> str | None:
    """Replace ``old`` in ``text`` ignoring case and final punctuation; None if it is absent."""
    core = old.strip().rstrip(".!?")
    if not core:
        return None
    pattern = re.compile(re.escape(core) + r"[.!?]?", re.I)
    if not pattern.search(text):
        return None
    ending = new if new[-1:] in ".!?" else f"{new}."
    return pattern.sub(lambda _m: ending, text, count=1)


def change_cta(
    brief: Brief, script: Script, text: str, revoice: bool
) -> tuple[Brief, Script, list[str]]:
    """Put a new CTA on the last scene's on-screen text, its captions and the end card.

    The narration keeps its words unless ``revoice`` is set, so the voice-over, the music timed
    to it and the motion clips are all reused; the captions carry the new CTA as their last cue.
    """
    new = " ".join(text.split()) or brief.cta
    old = brief.cta
    last = script.scenes[-1]
    narration = last.narration
    lines = [f"CTA “{old}” → “{new}” (on screen, captions, end card)"] if new != old else []
    if revoice:
        narration = _replace_phrase(narration, old, new) or _append(narration, new)
        lines.append("the narration now says the new CTA (voice re-recorded)")
    captions: dict[str, str] = {}
    for language in brief.languages:
        base = last.captions.get(language, "") or last.narration
        captions[language] = (
            narration if revoice else _replace_phrase(base, old, new) or _append(base, new)
        )
    if not revoice and new != old and old.lower().rstrip(".!?") in last.narration.lower():
        lines.append(f"the voice-over still says “{old}”; ask to re-record the CTA to change it")
    scene = last.model_copy(
        update={"narration": narration, "on_screen_text": new, "captions": captions}
    )
    scenes = [*script.scenes[:-1], scene]
    new_script = script.model_copy(update={"cta": new, "scenes": scenes})
    return brief.model_copy(update={"cta": new}), new_script, lines


def _append(text: str, cta: str) -> str:
    ending = cta if cta[-1:] in ".!?" else f"{cta}."
    if not text:
        return ending
    return f"{text} {ending}" if text[-1] in ".!?" else f"{text}. {ending}"


def refresh_style_cues(script: Script, old: StyleAnchor, new: StyleAnchor) -> Script:
    """Rewrite scene style cues that quote the old anchor words so prompts carry the new ones."""
    if old.words == new.words:
        return script
    old_prefix = f"style: {', '.join(old.words)}"
    new_prefix = f"style: {', '.join(new.words)}"
    scenes = [
        s.model_copy(update={"style_cue": s.style_cue.replace(old_prefix, new_prefix, 1)})
        if s.style_cue.startswith(old_prefix)
        else s
        for s in script.scenes
    ]
    return script.model_copy(update={"scenes": scenes})
