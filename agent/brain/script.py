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

from agent.brain import calls
from agent.brain.fill import Filled, fill_sync
from agent.brain.forms import HOOK_CHARS, NARRATION_CHARS, ScriptForm, ScriptLines
from agent.brain.tasks import SCRIPT_TOKENS_BASE, script_lines_task, script_task
from agent.offline.copy import draft_script
from prompts import load_data
from tools.handoffs import Brief, Script, StyleAnchor
from tools.script.write import (
    ON_SCREEN_MAX_WORDS,
    SceneDraft,
    ScriptDraft,
    narration_needs,
    normalize_script,
    word_budget,
)
from tools.script.write import write_script as write_with

_LOG = logging.getLogger(__name__)
TURN_BUDGET_S = 20.0  # what a chat turn may take with a model (the brain bench's p95 target)
FULL_TOKENS_PER_SCENE = 70
STEP_S = 0.05
CHARS_PER_WORD = 7
MIN_LINE_CHARS = 40
_ENDS = (".", "!", "?", "…", '"', "'", "”")


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


def draft_of(
    form: ScriptForm, plan: ScriptDraft, must_have: list[str] | None = None
) -> ScriptDraft:
    """Return the model's words in the built-in plan's frame: its goals, lengths and style cues.

    A must-have the plan shows in a scene's picture stays in that picture, whatever the model
    wrote for it, so the video shows every must-have of the brief.
    """
    scenes = [
        SceneDraft(
            goal=frame.goal,
            visual=_with_musts(written.visual.strip() or frame.visual, frame.visual, must_have),
            narration=written.narration,
            motion=written.motion,
            duration_s=frame.duration_s,
            on_screen_text=_on_screen(written.on_screen_text, frame.on_screen_text),
            style_cue=frame.style_cue,
        )
        for written, frame in zip(form.scenes, plan.scenes, strict=True)
    ]
    hook = form.hook.strip()
    if not hook or (len(hook) >= HOOK_CHARS - 2 and not hook.endswith(_ENDS)):
        hook = scenes[0].narration  # a hook cut off by its cap reads worse than the first line
    return ScriptDraft(hook=hook, cta=plan.cta, scenes=scenes)


def lines_of(form: ScriptLines, plan: ScriptDraft) -> ScriptDraft:
    """Return the model's lines in the built-in plan: its pictures, moves and screen words."""
    scenes = [frame.model_copy(update={"narration": line.narration.strip()})
              for line, frame in zip(form.scenes, plan.scenes, strict=True)]
    return ScriptDraft(hook=scenes[0].narration, cta=plan.cta, scenes=scenes)


def _on_screen(text: str, planned: str) -> str:
    """Return the model's on-screen words when they fit the screen whole, else the plan's.

    Small models write a sentence there ("fix their bikes in just 15 minutes"), cut to the
    screen's few words mid-phrase, or carry on a sentence from another field ("bikes.",
    "ready to help them."): the plan's words for the scene stand instead.
    """
    words = text.split()
    whole = 0 < len(words) <= ON_SCREEN_MAX_WORDS and not words[0][:1].islower()
    return text if whole else planned


def _with_musts(visual: str, planned: str, must_have: list[str] | None) -> str:
    musts = [m.lower() for m in must_have or []]
    shown = [
        part
        for part in planned.split("; ")[1:]
        if any(m in part.lower() for m in musts) and part.lower() not in visual.lower()
    ]
    return "; ".join([visual, *shown])


def fitted(draft: ScriptDraft, plan: ScriptDraft, brief: Brief, anchor: StyleAnchor) -> Script:
    """Normalize the draft; a scene whose line overruns its time gets the built-in line instead.

    A line is measured first against the time the built-in plan gave its scene (so one long line
    cannot squeeze the others), then once more in the normalized script.
    """
    if len(plan.scenes) != len(draft.scenes):
        return normalize_script(draft, brief, anchor)
    lines = [s.narration for s in draft.scenes]
    if brief.cta.lower().rstrip(".!") not in lines[-1].lower():
        lines[-1] = f"{lines[-1]} {brief.cta}"  # normalizing adds the CTA: measure it too
    draft = _builtin_lines(
        draft, plan, _overruns(lines, [s.duration_s for s in plan.scenes], brief, anchor)
    )
    script = normalize_script(draft, brief, anchor)
    over = _overruns(
        [s.narration for s in script.scenes], [s.duration_s for s in script.scenes], brief, anchor
    )
    if not over:
        return script
    return normalize_script(_builtin_lines(draft, plan, over), brief, anchor)


def _cut_short(line: str, plan: ScriptDraft, anchor: StyleAnchor) -> bool:
    """Say whether a line stopped at the form's cap mid-sentence (a grammar ends it there)."""
    text = line.strip()
    return len(text) >= line_chars(plan, anchor) - 2 and not text.endswith(_ENDS)


def _overruns(
    lines: list[str], durations: list[float], brief: Brief, anchor: StyleAnchor
) -> list[int]:
    needs = narration_needs(lines, brief.languages[0], anchor.voice.words_per_second)
    return [i for i, (n, d) in enumerate(zip(needs, durations, strict=True)) if n > d + STEP_S]


def _builtin_lines(draft: ScriptDraft, plan: ScriptDraft, scenes: list[int]) -> ScriptDraft:
    if not scenes:
        return draft
    drafts = list(draft.scenes)
    for i in scenes:
        frame = plan.scenes[i]
        drafts[i] = drafts[i].model_copy(
            update={"narration": frame.narration, "captions": frame.captions}
        )
    return draft.model_copy(update={"scenes": drafts})


def line_chars(plan: ScriptDraft, anchor: StyleAnchor) -> int:
    """Return the longest line the plan's longest scene holds, in characters, as the form's cap."""
    words = max(word_budget(s.duration_s, anchor.voice.words_per_second) for s in plan.scenes)
    return max(MIN_LINE_CHARS, min(NARRATION_CHARS, CHARS_PER_WORD * words))


def wants_lean(model: BaseChatModel, scenes: int) -> bool:
    """Say whether to ask for the words only: the full form would keep a person waiting.

    The full form's answer ran about ``FULL_TOKENS_PER_SCENE`` tokens a scene (331-385 for five
    scenes on the local 1.5B model): at the speed the server last gave, a script it would take
    longer than ``TURN_BUDGET_S`` to write is asked for as its spoken lines only, over the
    built-in plan's pictures, camera moves and screen words. A server not yet measured gets the
    full form.
    """
    rate = calls.tokens_per_second(model)
    return rate is not None and (SCRIPT_TOKENS_BASE + FULL_TOKENS_PER_SCENE * scenes) / rate > (
        TURN_BUDGET_S
    )


def draft_with(
    model: BaseChatModel, brief: Brief, anchor: StyleAnchor, plan: ScriptDraft | None = None
) -> Filled[ScriptDraft]:
    """Return the model's draft in the built-in plan's frame, or the built-in draft with a note."""
    plan = plan or draft_script(brief, anchor)
    scenes, chars = len(plan.scenes), line_chars(plan, anchor)
    messages = script_messages(brief, anchor, plan)
    if wants_lean(model, scenes):
        said = fill_sync(model, script_lines_task(scenes, narration_chars=chars), messages,
                         lambda: plan)
        draft = said.value if isinstance(said.value, ScriptDraft) else lines_of(said.value, plan)
        return Filled(value=draft, source=said.source, note=said.note, tokens=said.tokens)
    filled = fill_sync(model, script_task(scenes, narration_chars=chars), messages, lambda: plan)
    value = filled.value
    draft = value if isinstance(value, ScriptDraft) else draft_of(value, plan, brief.must_have)
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
    """Return the production line's script writer: brief and anchor in, fitted script out.

    A fallback's note rides on the script (``Script.notes``), so the QA report and the front
    ends tell the person that the built-in writer stood in, not only a log line.
    """

    def write(brief: Brief, anchor: StyleAnchor) -> Script:
        script, note = written(brief, anchor, model)
        return script.model_copy(update={"notes": [note]}) if note else script

    return write


def _note(kind: str, role: str) -> str:
    return str(load_data("brain")["notes"][kind]).format(role=role)
