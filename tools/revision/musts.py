"""Add or replace a must-have: in the brief, and in every line, caption and text that carries it.

A must-have is said, not only listed: replacing one swaps its words wherever the script says or
shows them (and in the key message and CTA, so the description follows); adding one puts a short
sentence at the end of the middle scene with the most room. Either way only the lines whose words
changed are re-recorded by the voice stage.
"""

from __future__ import annotations

import re

from tools.common.errors import BadInput
from tools.handoffs import Brief, Scene, Script, StyleAnchor
from tools.voice.pace import speech_seconds

_FIELDS = ("narration", "on_screen_text", "goal", "visual")


def _core(phrase: str) -> str:
    return " ".join(phrase.split()).strip().rstrip(".!?")


def swap_words(text: str, old: str, new: str) -> str | None:
    """Replace every ``old`` in ``text`` (any case), keeping a capital and the punctuation after.

    Return None when ``old`` is not in ``text``.
    """
    pattern = re.compile(re.escape(_core(old)), re.I)
    if not _core(old) or not pattern.search(text):
        return None

    def put(match: re.Match[str]) -> str:
        words = _core(new)
        return words[:1].upper() + words[1:] if match.group(0)[:1].isupper() else words

    return pattern.sub(put, text)


def _swap_scene(scene: Scene, old: str, new: str) -> Scene | None:
    update: dict[str, object] = {}
    for name in _FIELDS:
        swapped = swap_words(getattr(scene, name), old, new)
        if swapped is not None:
            update[name] = swapped
    captions = {lang: swap_words(text, old, new) or text for lang, text in scene.captions.items()}
    if captions != scene.captions:
        update["captions"] = captions
    return scene.model_copy(update=update) if update else None


def _replace(brief: Brief, script: Script, old: str, new: str) -> tuple[Brief, Script, list[str]]:
    known = {_core(m).lower(): m for m in brief.must_have}
    if _core(old).lower() not in known:
        listed = "; ".join(f"“{m}”" for m in brief.must_have) or "none"
        raise BadInput(f"“{old}” is not one of the brief's must-haves ({listed})")
    musts = [new if m == known[_core(old).lower()] else m for m in brief.must_have]
    changes: dict[str, object] = {"must_have": musts}
    for name in ("key_message", "cta"):
        swapped = swap_words(getattr(brief, name), old, new)
        if swapped is not None:
            changes[name] = swapped
    scenes, said = [], []
    for scene in script.scenes:
        swapped_scene = _swap_scene(scene, old, new)
        if swapped_scene is not None and swapped_scene.narration != scene.narration:
            said.append(scene.index + 1)
        scenes.append(swapped_scene or scene)
    new_brief = brief.model_copy(update=changes)
    hook = swap_words(script.hook, old, new) or script.hook
    new_script = script.model_copy(update={"scenes": scenes, "hook": hook, "cta": new_brief.cta})
    lines = [f"must-have “{old}” → “{new}” (brief, lines, captions and text on screen)"]
    if said:
        lines.append(f"re-recorded the line(s) that say it: scene {', '.join(map(str, said))}")
    return new_brief, new_script, lines


def _roomiest(script: Script, anchor: StyleAnchor) -> int:
    """Return the middle scene (or the first, in a two-scene video) with the most time to spare."""
    middle = list(range(1, len(script.scenes) - 1)) or [0]
    wps = anchor.voice.words_per_second

    def room(i: int) -> float:
        scene = script.scenes[i]
        return scene.duration_s - speech_seconds(scene.narration, script.language, wps)

    return max(middle, key=room)


def _add(
    brief: Brief, script: Script, anchor: StyleAnchor, text: str
) -> tuple[Brief, Script, list[str]]:
    words = _core(text)
    if words.lower() in {_core(m).lower() for m in brief.must_have}:
        return brief, script, []
    new_brief = brief.model_copy(update={"must_have": [*brief.must_have, words]})
    if any(words.lower() in s.narration.lower() for s in script.scenes):
        return new_brief, script, [f"must-have “{words}” added (the narration says it already)"]
    at = _roomiest(script, anchor)
    scene = script.scenes[at]
    sentence = words[:1].upper() + words[1:] + "."
    line = f"{scene.narration.rstrip()} {sentence}".strip()
    if scene.narration.rstrip()[-1:] not in ".!?" and scene.narration.strip():
        line = f"{scene.narration.rstrip()}. {sentence}"
    captions = {**scene.captions, script.language: line}
    changed = scene.model_copy(update={"narration": line, "captions": captions})
    scenes = [changed if s.index == at else s for s in script.scenes]
    new_script = script.model_copy(
        update={"scenes": scenes, "hook": line if at == 0 else script.hook}
    )
    return new_brief, new_script, [
        f"must-have “{words}” added: scene {at + 1} now says it (only its line re-recorded)"
    ]


def change_must_have(
    brief: Brief, script: Script, anchor: StyleAnchor, text: str, replaces: str = ""
) -> tuple[Brief, Script, list[str]]:
    """Replace the must-have ``replaces`` with ``text``, or add ``text`` when none is named."""
    if not _core(text):
        raise BadInput("say the must-have in quotes")
    if replaces:
        return _replace(brief, script, replaces, text)
    return _add(brief, script, anchor, text)
