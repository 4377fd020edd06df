"""Write the script with the configured model through the brain, fitted to each scene's time.

The built-in writer plans first (instant, deterministic): its scene goals, lengths and visuals
frame the model's request, so the model only writes the words, a fixed number of scenes with a
word limit each. The model's draft is then normalized by ``tools.script.write`` like any other;
a line still too long for its scene after that is replaced by the built-in writer's line for the
same scene, so 7 s of speech never goes into a 3 s scene. With the built-in model, or when the
model fails, the built-in draft is the script, exactly as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import ValidationError

from agent.brain.fill import Filled, fill_sync
from agent.brain.forms import ScriptForm
from agent.brain.tasks import script_task
from agent.offline.copy import draft_script
from prompts import load_data
from tools.handoffs import Brief, Script, StyleAnchor
from tools.script.write import (
    SceneDraft,
    ScriptDraft,
    narration_needs,
    normalize_script,
    word_budget,
)
from tools.script.write import write_script as write_with

_LOG = logging.getLogger(__name__)
STEP_S = 0.05


def script_messages(brief: Brief, anchor: StyleAnchor, plan: ScriptDraft) -> list[BaseMessage]:
    """Return the script request: the brief's essentials and one goal and word limit per scene."""
    wps = anchor.voice.words_per_second
    lines = [
        f"Subject: {brief.subject}",
        f"Audience: {brief.audience}",
        f"Key message: {brief.key_message}",
        f"Tone: {brief.tone}",
    ]
    if brief.must_have:
        lines.append(f"Must say or show: {'; '.join(brief.must_have)}")
    lines += [
        f"Style: {', '.join(anchor.words)}; lighting: {anchor.lighting}",
        f"Call to action, said in the last scene: {brief.cta}",
        f"Write {len(plan.scenes)} scenes:",
    ]
    for i, scene in enumerate(plan.scenes):
        words = max(3, word_budget(scene.duration_s, wps))
        lines.append(f"{i + 1}. {scene.goal} (at most {words} words)")
    return [HumanMessage(content="\n".join(lines))]


def draft_of(form: ScriptForm, plan: ScriptDraft) -> ScriptDraft:
    """Return the model's words in the built-in plan's frame: its goals, lengths and style cues."""
    scenes = [
        SceneDraft(
            goal=frame.goal,
            visual=written.visual.strip() or frame.visual,
            narration=written.narration,
            motion=written.motion,
            duration_s=frame.duration_s,
            on_screen_text=written.on_screen_text,
            style_cue=frame.style_cue,
        )
        for written, frame in zip(form.scenes, plan.scenes, strict=True)
    ]
    return ScriptDraft(hook=form.hook or scenes[0].narration, cta=plan.cta, scenes=scenes)


def fitted(draft: ScriptDraft, plan: ScriptDraft, brief: Brief, anchor: StyleAnchor) -> Script:
    """Normalize the draft; a scene whose line still overruns gets the built-in line instead."""
    script = normalize_script(draft, brief, anchor)
    needs = narration_needs(
        [s.narration for s in script.scenes], script.language, anchor.voice.words_per_second
    )
    over = [
        i
        for i, (need, scene) in enumerate(zip(needs, script.scenes, strict=True))
        if need > scene.duration_s + STEP_S
    ]
    if not over or len(plan.scenes) != len(draft.scenes):
        return script
    scenes = list(draft.scenes)
    for i in over:
        scenes[i] = scenes[i].model_copy(
            update={"narration": plan.scenes[i].narration, "captions": plan.scenes[i].captions}
        )
    return normalize_script(draft.model_copy(update={"scenes": scenes}), brief, anchor)


def draft_with(
    model: BaseChatModel, brief: Brief, anchor: StyleAnchor, plan: ScriptDraft | None = None
) -> Filled[ScriptDraft]:
    """Return the model's draft in the built-in plan's frame, or the built-in draft with a note."""
    plan = plan or draft_script(brief, anchor)
    task = script_task(len(plan.scenes))
    filled = fill_sync(model, task, script_messages(brief, anchor, plan), lambda: plan)
    value = filled.value
    draft = value if isinstance(value, ScriptDraft) else draft_of(value, plan)
    return Filled(value=draft, source=filled.source, note=filled.note, tokens=filled.tokens)


def written(brief: Brief, anchor: StyleAnchor, model: BaseChatModel) -> tuple[Script, str]:
    """Write and fit the script; return it and the note to show ("" when the model wrote it).

    Raise ``ProviderError`` only when even the built-in draft cannot be normalized.
    """
    plan = draft_script(brief, anchor)
    filled = draft_with(model, brief, anchor, plan)
    if filled.source != "builtin":
        try:
            return fitted(filled.value, plan, brief, anchor), ""
        except (ValueError, ValidationError) as exc:
            _LOG.warning("brain: the model's script could not be fitted (%s)", exc)
            filled = Filled(value=plan, source="builtin", note=_note("unfit", "writer"))
    return write_with(brief, anchor, lambda _b, _a: filled.value), filled.note or ""


def script_writer(model: BaseChatModel) -> Callable[[Brief, StyleAnchor], Script]:
    """Return the production line's script writer: brief and anchor in, fitted script out."""

    def write(brief: Brief, anchor: StyleAnchor) -> Script:
        return written(brief, anchor, model)[0]

    return write


def _note(kind: str, role: str) -> str:
    return str(load_data("brain")["notes"][kind]).format(role=role)
