"""Make a script carry what the brief and QA ask for, whoever wrote it.

Every must-have is said or shown: short ones on a middle scene's screen, longer ones in the line
with the most room (or instead of a line that says none of the brief's words), the closing
screen as the last resort. A QA round that sends the script back names what to fix; ``fix``
applies exactly that (must-haves said aloud, a scene's picture or copy aimed at its goal), so a
fix round changes what it was sent back for with any writer, the built-in one or a model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prompts import load_data
from tools.handoffs import Brief, QAReport, Script, StyleAnchor
from tools.script.write import (
    ON_SCREEN_MAX_WORDS,
    SceneDraft,
    ScriptDraft,
    narration_fits,
    narration_needs,
    normalize_script,
)


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
    options = [_replaced(scenes, shortest, _with_line(scenes[shortest], item, brief, copy))]
    phrases = [brief.key_message, brief.subject, brief.audience, *brief.must_have]
    for i in sorted(middle, key=lambda k: -len(scenes[k].narration.split())):
        if not any(_normal(p) in _normal(scenes[i].narration) for p in phrases):
            bare = scenes[i].model_copy(update={"narration": "", "captions": {}})
            options.append(_replaced(scenes, i, _with_line(bare, item, brief, copy)))
    return options


def _closing(scenes: list[SceneDraft], item: str) -> list[SceneDraft]:
    """Show the item on the closing screen beside the call to action (nothing else has room)."""
    last = scenes[-1]
    shown = last.model_copy(update={"on_screen_text": f"{last.on_screen_text} · {item}"})
    return _replaced(scenes, len(scenes) - 1, shown)


def _replaced(scenes: list[SceneDraft], i: int, scene: SceneDraft) -> list[SceneDraft]:
    return [*scenes[:i], scene, *scenes[i + 1 :]]


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
            return _replaced(scenes, i, scenes[i].model_copy(update={"on_screen_text": joined}))
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


@dataclass(frozen=True)
class ScriptFixes:
    """What a QA round sent the script back for: must-haves to say, scenes to aim at their goal."""

    must_have: tuple[str, ...] = ()
    pictures: tuple[int, ...] = ()
    lines: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.must_have or self.pictures or self.lines)

    def key(self) -> dict[str, list[Any]]:
        """Return the fixes as plain data, for the script stage's cache key."""
        return {"must_have": list(self.must_have), "pictures": list(self.pictures),
                "lines": list(self.lines)}


def script_fixes(report: QAReport | None) -> ScriptFixes:
    """Return what a QA report sends back to the script: missing must-haves, off-goal scenes."""
    if report is None:
        return ScriptFixes()
    failed = [c for c in report.checks if not c.passed and c.stage == "script"]
    return ScriptFixes(
        must_have=tuple(missing_must_haves(report)),
        pictures=tuple(sorted({c.scene for c in failed
                               if c.name == "picture_serves_goal" and c.scene is not None})),
        lines=tuple(sorted({c.scene for c in failed
                            if c.name == "copy_serves_goal" and c.scene is not None})),
    )


def fix(script: Script, brief: Brief, anchor: StyleAnchor, fixes: ScriptFixes) -> Script:
    """Return the script with what QA sent it back for fixed; unchanged when nothing was."""
    if not fixes:
        return script
    script = say_missing(script, brief, anchor, fixes.must_have)
    scenes = list(script.scenes)
    last = len(scenes) - 1
    for i in fixes.pictures:
        if 0 <= i <= last:
            shot, _sep, rest = scenes[i].visual.partition(";")
            aimed = f"{shot.strip()}, showing {scenes[i].goal[:1].lower()}{scenes[i].goal[1:]}"
            visual = f"{aimed};{rest}" if rest else aimed
            scenes[i] = scenes[i].model_copy(update={"visual": visual})
    for i in fixes.lines:
        if 0 <= i < last:  # the last scene's screen is the call to action's
            words = brief.subject.split()[:ON_SCREEN_MAX_WORDS]
            shown = " ".join(words)
            scenes[i] = scenes[i].model_copy(update={"on_screen_text": _capital(shown)})
    return script.model_copy(update={"scenes": scenes})
