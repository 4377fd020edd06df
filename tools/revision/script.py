"""Change a script and brief for a revision: lengths, scene order, the CTA, stale style cues.

Each function returns new models and a line saying what changed. A change of words (the CTA, a
scene's line) changes the narration too, so voice, captions, screen and end card agree; the
voice stage re-records only the lines whose words changed.
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
    if op.scene is None and op.seconds is not None and not (
        MIN_DURATION_S <= op.seconds <= MAX_DURATION_S
    ):  # a length asked in seconds is kept or refused, never quietly clamped (a model's plan)
        raise BadInput(
            f"{op.seconds:g} s is not a length I can make; choose {MIN_DURATION_S:g} to "
            f"{MAX_DURATION_S:g} seconds"
        )
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
        others = ("the other scenes can be swapped among themselves (1 to "
                  f"{count - 1})" if count > 2 else "with two scenes there is nothing else to swap")
        raise BadInput(f"scene {count} carries the call to action and stays last; {others}")
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


def _replace_phrase(text: str, old: str, new: str, stop: bool = True) -> str | None:
    """Replace ``old`` in ``text`` ignoring case and final punctuation; None if it is absent.

    With ``stop`` the new words end their sentence (a spoken line); without, they stand bare.
    """
    core = old.strip().rstrip(".!?")
    if not core:
        return None
    pattern = re.compile(re.escape(core) + r"[.!?]?", re.I)
    if not pattern.search(text):
        return None
    ending = new if new[-1:] in ".!?" or not stop else f"{new}."
    return pattern.sub(lambda _m: ending, text, count=1)


def change_cta(
    brief: Brief, script: Script, text: str, revoice: bool = True
) -> tuple[Brief, Script, list[str]]:
    """Put a new CTA wherever the old one is said or shown: voice, captions, screen, end card.

    The script stage ends the last scene's line with the CTA, so a new CTA replaces the old
    words in every line that says them (or ends the last line when none did); the captions in
    the narration language are those lines, and the end card reads ``script.cta``. Only those
    lines are re-recorded: the voice stage keeps every other line byte for byte.
    ``revoice=False`` changes the text on screen alone (captions, title, end card) and leaves
    the spoken words as they were, for callers that test the edit in isolation; a revision
    always re-voices, since a voice that says another CTA than the screen is a broken cut.
    """
    new = " ".join(text.split()) or brief.cta
    old = brief.cta
    if not revoice:
        return _cta_on_screen(brief, script, new)
    language = script.language
    scenes, said = [], []
    for scene in script.scenes:
        last = scene is script.scenes[-1]
        line = _replace_phrase(scene.narration, old, new) if new != old else None
        if last and not _says(line or scene.narration, new):
            line = _append(line or scene.narration, new)
        update: dict[str, object] = {}
        if line is not None:
            said.append(scene.index + 1)
            update["narration"] = line
            update["captions"] = {
                lang: line if lang == language else _recaption(cap, old, new, last)
                for lang, cap in {language: line, **scene.captions}.items()
            }
        # The goal quotes the CTA too ("close with the call to action: …") and the critic judges
        # the line against it; the picture's description does not, so no frame re-renders.
        for name in ("on_screen_text", "goal"):
            replaced = _replace_phrase(getattr(scene, name), old, new, stop=False)
            if replaced is not None:
                update[name] = replaced
        scenes.append(scene.model_copy(update=update) if update else scene)
    scenes[-1] = scenes[-1].model_copy(update={"on_screen_text": new})
    hook = _replace_phrase(script.hook, old, new) or script.hook
    new_script = script.model_copy(update={"cta": new, "hook": hook, "scenes": scenes})
    lines = [f"CTA “{old}” → “{new}” (said, on screen, in the captions and on the end card)"]
    if said:
        where = ", ".join(map(str, said))
        lines.append(f"the narration now says “{new}”: scene {where} re-recorded, the rest kept")
    if new == old and not said:
        lines = []
    return brief.model_copy(update={"cta": new}), new_script, lines


def _cta_on_screen(brief: Brief, script: Script, new: str) -> tuple[Brief, Script, list[str]]:
    """Put the new CTA on screen, in the last captions and on the end card; keep the words said."""
    old, last = brief.cta, script.scenes[-1]
    captions = {
        lang: _replace_phrase(last.captions.get(lang, "") or last.narration, old, new)
        or _append(last.captions.get(lang, "") or last.narration, new)
        for lang in brief.languages
    }
    scene = last.model_copy(update={"on_screen_text": new, "captions": captions})
    new_script = script.model_copy(update={"cta": new, "scenes": [*script.scenes[:-1], scene]})
    lines = [f"CTA “{old}” → “{new}” (on screen, captions, end card)"] if new != old else []
    if new != old and _says(last.narration, old):
        lines.append(f"the voice-over still says “{old}”")
    return brief.model_copy(update={"cta": new}), new_script, lines


def change_line(script: Script, number: int, text: str, cta: str) -> tuple[Script, list[str]]:
    """Make scene ``number`` (1 = first) say ``text``; its captions follow, the CTA stays said.

    Only this scene's line changes, so only it is re-recorded. Captions in other languages have
    no translation of the new words and keep theirs; the lines say so.
    """
    count = len(script.scenes)
    if not 1 <= number <= count:
        raise BadInput(f"there is no scene {number}; the script has scenes 1 to {count}")
    new = " ".join(text.split())
    if not new:
        raise BadInput("say what the scene should say, in quotes")
    scene = script.scenes[number - 1]
    lines = [f"{_scene_label(script, number)} now says “{new}” (only its line re-recorded)"]
    if number == count and cta and _says(scene.narration, cta) and not _says(new, cta):
        new = _append(new, cta)
        lines.append(f"the call to action “{cta}” still ends the last line")
    others = sorted(lang for lang in scene.captions if lang != script.language)
    if others:
        lines.append(f"captions in {', '.join(others)} keep their words: no translation offline")
    captions = {**scene.captions, script.language: new}
    changed = scene.model_copy(update={"narration": new, "captions": captions})
    scenes = [changed if s.index == scene.index else s for s in script.scenes]
    hook = new if number == 1 else script.hook
    return script.model_copy(update={"scenes": scenes, "hook": hook}), lines


def _recaption(caption: str, old: str, new: str, last: bool) -> str:
    """Put the new CTA into a caption in another language; the last scene's always carries it."""
    return _replace_phrase(caption, old, new) or (_append(caption, new) if last else caption)


def _says(text: str, phrase: str) -> bool:
    core = phrase.strip().lower().rstrip(".!?")
    return bool(core) and core in text.lower()


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
