"""Production nodes: each reads its inputs from state, calls one stage tool, writes its handoff.

Nodes are thin on purpose; the work is in ``tools/``. A node's cache key lists exactly the
inputs its tool reads, so a change upstream re-renders only what it touches.
"""

from __future__ import annotations

from typing import Any, Protocol

from langgraph.runtime import Runtime

from agent.brain.script import script_writer
from agent.context import Context
from agent.offline.musts import fix, script_fixes
from agent.production.events import StageFinished, StageReused, StageStarted, emit
from agent.production.naming import project_id
from agent.production.qa import check_quality, publish_outputs
from agent.production.stages import run_stage
from agent.production.state import ProductionState, StageRun
from tools.anchor.derive import derive_anchor
from tools.common.timing import KeptTiming
from tools.edit.cut import edit_cut
from tools.handoffs import (
    AudioPlan,
    EditOptions,
    EditResult,
    KeyVisuals,
    MotionSet,
    Narration,
    Script,
    StyleAnchor,
)
from tools.keyvisual.render import fix_pull, render_key_visuals
from tools.motion.moves import render_motion
from tools.voice.lines import LINE_DIR
from tools.voice.narrate import narrate

Update = dict[str, Any]


class Node(Protocol):
    """What LangGraph calls a production node with: the state and the run's context."""

    def __call__(self, state: ProductionState, runtime: Runtime[Context]) -> Any: ...


def visual_anchor(anchor: StyleAnchor) -> dict[str, Any]:
    """Return the part of the anchor pictures depend on: voice and music changes leave them be."""
    return anchor.model_dump(mode="json", exclude={"version", "voice", "music"})


def _fix(state: ProductionState, stage: str) -> int:
    return (state.get("fixes") or {}).get(stage, 0)


def _kept(state: ProductionState) -> KeptTiming | None:
    """Return the timing a revision keeps (a checkpoint may hand it back as plain data)."""
    kept = state.get("kept_timing")
    return KeptTiming.model_validate(kept) if kept is not None else None


def lock_anchor(state: ProductionState, runtime: Runtime[Context]) -> Update:
    """Derive the style anchor from the brief and store it, reusing the stored version if equal."""
    ctx, brief = runtime.context, state["brief"]
    project = state.get("project") or project_id(brief.title)
    given = state.get("anchor")
    if given is not None:  # locked in chat or by a revision: never re-derive over it
        emit(StageReused(stage="anchor", version=given.version))
        run = StageRun(stage="anchor", reused=True, seconds=0.0, key=f"{project}:v{given.version}")
        return {"project": project, "run_log": [run]}
    emit(StageStarted(stage="anchor"))
    derived = derive_anchor(brief)
    latest = ctx.memory.latest(project)
    if latest is not None and latest.model_copy(update={"version": 1}) == derived:
        anchor, reused = latest, True
    else:
        anchor, reused = ctx.memory.save(project, derived, reason="derived from the brief"), False
    emit(StageFinished(stage="anchor", version=anchor.version))
    run = StageRun(stage="anchor", reused=reused, seconds=0.0, key=f"{project}:v{anchor.version}")
    return {"anchor": anchor, "project": project, "run_log": [run]}


def write_script_node(state: ProductionState, runtime: Runtime[Context]) -> Update:
    """Write the script with camera intent from the brief and the anchor."""
    ctx, brief, anchor = runtime.context, state["brief"], state["anchor"]
    given = state.get("script")
    # An approved or revised script is the person's: a QA fix may not write a fresh one over it,
    # only fix what QA sent it back for. The fixes are inputs, so a fix round changes the script.
    locked = bool(state.get("script_locked"))
    fixes = script_fixes(state.get("qa")) if _fix(state, "script") else script_fixes(None)
    if given is not None and (locked or not _fix(state, "script")) and not fixes:
        emit(StageReused(stage="script", version=given.version))
        return {"run_log": [StageRun(stage="script", reused=True, seconds=0.0)]}
    keep = given if given is not None and locked else None
    script, run = run_stage(
        ctx,
        "script",
        [brief, anchor, ctx.model_id, _fix(state, "script"), *([fixes.key(), keep] * bool(fixes))],
        Script,
        lambda _d: fix(keep or script_writer(ctx.model)(brief, anchor), brief, anchor, fixes),
    )
    return {"script": script, "run_log": [run]}


def render_key_visuals_node(state: ProductionState, runtime: Runtime[Context]) -> Update:
    """Render one key frame per scene and aspect, plus the hero frames."""
    ctx, brief, anchor, script = runtime.context, state["brief"], state["anchor"], state["script"]
    aspects = brief.aspects
    inputs = [
        [(s.index, s.visual, s.style_cue, s.motion) for s in script.scenes],
        visual_anchor(anchor),
        aspects,
        brief.title,
        ctx.scale,
        ctx.providers_id.get("image", ""),
        _fix(state, "keyvisual"),
    ]
    kv, run = run_stage(
        ctx,
        "keyvisual",
        inputs,
        KeyVisuals,
        lambda d: render_key_visuals(
            script,
            anchor,
            aspects,
            d,
            scale=ctx.scale,
            provider=ctx.image_provider,
            title=brief.title,
            palette_pull=fix_pull(_fix(state, "keyvisual")),
            fanout=ctx.fanout,
        ),
    )
    return {"keyvisuals": kv, "run_log": [run]}


def narrate_node(state: ProductionState, runtime: Runtime[Context]) -> Update:
    """Voice every scene's narration with the anchor's voice persona, one cached line at a time."""
    ctx, anchor, script = runtime.context, state["anchor"], state["script"]
    pace = kept.words_per_second if (kept := _kept(state)) is not None else None
    inputs = [
        [s.narration for s in script.scenes],
        script.language,
        anchor.voice,
        ctx.providers_id.get("voice", ""),
        _fix(state, "voice"),
    ]
    if pace is not None:  # a revision's kept pace; fresh runs keep the keys they had
        inputs.append({"kept_pace": pace})
    narration, run = run_stage(
        ctx,
        "voice",
        inputs,
        Narration,
        lambda d: narrate(
            script, anchor, d, provider=ctx.voice_provider, line_cache=d.parent / LINE_DIR,
            pace_wps=pace, take=_fix(state, "voice"),
        ),
    )
    return {"narration": narration, "run_log": [run]}


def plan_audio_node(state: ProductionState, runtime: Runtime[Context]) -> Update:
    """Fit the timeline to the narration and the beat, score it and mix it."""
    ctx, brief, anchor = runtime.context, state["brief"], state["anchor"]
    script, narration = state["script"], state["narration"]
    inputs = [
        narration,
        [s.duration_s for s in script.scenes],
        anchor.music,
        brief.duration_s,
        _fix(state, "music"),
    ]
    from tools.music.plan import plan_audio  # scipy: loaded alongside the first stages (warm)

    kept = _kept(state)
    if kept is not None:  # a revision keeps the cut's timing where the new lines allow
        inputs.append(kept)
    audio, run = run_stage(
        ctx,
        "music",
        inputs,
        AudioPlan,
        lambda d: plan_audio(script, narration, anchor, brief.duration_s, d,
                             fix_round=_fix(state, "music"), keep=kept),
    )
    return {"audio": audio, "run_log": [run]}


def render_motion_node(state: ProductionState, runtime: Runtime[Context]) -> Update:
    """Make each scene's clip from its key frame with the scene's camera move."""
    ctx, brief, anchor = runtime.context, state["brief"], state["anchor"]
    script, kv, audio = state["script"], state["keyvisuals"], state["audio"]
    aspects = brief.aspects
    inputs = [
        [(s.index, s.visual, s.motion) for s in script.scenes],
        audio.timeline,
        kv,
        visual_anchor(anchor),
        aspects,
        ctx.scale,
        _fix(state, "motion"),
    ]
    provider_id = ctx.providers_id.get("motion", "")
    if provider_id:  # the embedded camera moves keep the keys their clips were stored under
        inputs.append(provider_id)
    motion, run = run_stage(
        ctx,
        "motion",
        inputs,
        MotionSet,
        lambda d: render_motion(
            script, audio.timeline, kv, anchor, aspects, d, scale=ctx.scale,
            provider=ctx.motion_provider,
        ),
    )
    return {"motion": motion, "run_log": [run]}


def edit_cut_node(state: ProductionState, runtime: Runtime[Context]) -> Update:
    """Cut the master and its reframed variants with captions, end card and covers."""
    ctx, brief, anchor = runtime.context, state["brief"], state["anchor"]
    script, kv, audio, motion = (
        state["script"],
        state["keyvisuals"],
        state["audio"],
        state["motion"],
    )
    options = state.get("edit_options") or EditOptions()
    # Version numbers are bookkeeping, not inputs: going back and forth must hit the cache.
    inputs = [
        brief,
        script.model_dump(mode="json", exclude={"version"}),
        audio,
        motion,
        kv,
        anchor.model_dump(mode="json", exclude={"version"}),
        ctx.scale,
        _fix(state, "edit"),
    ]
    if options != EditOptions():  # default options keep the keys cuts were made under
        inputs.append(options)
    edit, run = run_stage(
        ctx,
        "edit",
        inputs,
        EditResult,
        lambda d: edit_cut(
            brief, script, audio, motion, kv, anchor, d, scale=ctx.scale, options=options,
            fanout=ctx.fanout,
        ),
    )
    return {"edit": edit, "run_log": [run]}


def node_functions() -> dict[str, Node]:
    """Return each graph node's function under the node name the stage table gives it."""
    return {
        "lock_anchor": lock_anchor,
        "write_script": write_script_node,
        "render_key_visuals": render_key_visuals_node,
        "narrate": narrate_node,
        "plan_audio": plan_audio_node,
        "render_motion": render_motion_node,
        "edit_cut": edit_cut_node,
        "check_quality": check_quality,
        "publish_outputs": publish_outputs,
    }
