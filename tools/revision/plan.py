"""Revisions in words: understand a request as typed operations, then apply them to the production.

``plan_revision`` reads a request with a planner (a real model's reading, made and validated in
``agent.brain.revision``; this module never talks to a model) or by the rules in
``tools.revision.rules``, which also stand in when a planner returns nothing usable.
``apply_revision`` turns the plan into a new brief, anchor, script and edit options plus a list
of changes in words; an anchor change is saved as the project's next anchor version (with its
diff and the words that caused it) when a memory is given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pydantic import Field

from tools.handoffs import (
    Brief,
    Contract,
    DurationOp,
    EditOptions,
    LineOp,
    RevisionPlan,
    RevisionResult,
    Script,
    StyleAnchor,
    SwapScenesOp,
    TextDensity,
)
from tools.revision.apply import Draft, apply_op
from tools.revision.rules import rule_plan
from tools.revision.script import refresh_style_cues


class AnchorStore(Protocol):
    """The part of the anchor memory a revision uses: save a version, recall by meaning."""

    def save(
        self,
        project: str,
        anchor: StyleAnchor,
        reason: str = "",
        diff: dict[str, Any] | None = None,
    ) -> StyleAnchor: ...

    def search(self, text: str, k: int = 3) -> list[tuple[str, StyleAnchor, float]]: ...


class RevisionContext(Contract):
    """What the planner may know about the production it revises."""

    scene_count: int = Field(default=5, ge=1)
    duration_s: float = 20.0
    cta: str = ""
    scenes: list[str] = Field(default_factory=list)
    style_words: list[str] = Field(default_factory=list)
    palette: list[str] = Field(default_factory=list)
    voice: str = ""
    music: str = ""
    caption_scale: float = 1.0
    text_density: TextDensity = "full"
    versions: list[int] = Field(default_factory=list)

    @classmethod
    def of(
        cls,
        brief: Brief,
        anchor: StyleAnchor,
        script: Script,
        options: EditOptions | None = None,
        versions: list[int] | None = None,
    ) -> RevisionContext:
        """Describe a production for the planner."""
        opts = options or EditOptions()
        return cls(
            scene_count=len(script.scenes),
            duration_s=brief.duration_s,
            cta=brief.cta,
            scenes=[
                f"{s.index + 1}: {s.on_screen_text or s.goal} ({s.duration_s:g} s)"
                for s in script.scenes
            ],
            style_words=list(anchor.words),
            palette=list(anchor.palette),
            voice=f"{anchor.voice.name} ({anchor.voice.gender})",
            music=f"{anchor.music.mood}, {anchor.music.tempo_bpm:g} bpm, {anchor.music.key}",
            caption_scale=opts.caption_scale,
            text_density=opts.text_density,
            versions=list(versions or []),
        )


Planner = Callable[[str, RevisionContext], RevisionPlan | None]
"""Reads a request in the production's context; None when it has nothing to say."""


# --------------------------------------------------------------------------- understand


def check_plan(plan: RevisionPlan, context: RevisionContext) -> RevisionPlan:
    """Turn a plan that names scenes the script does not have into a question."""
    count = context.scene_count
    for op in plan.ops:
        numbers: list[int] = []
        if isinstance(op, SwapScenesOp):
            numbers = [op.first, op.second]
        elif isinstance(op, (DurationOp, LineOp)) and op.scene is not None:
            numbers = [op.scene]
        bad = [n for n in numbers if n > count]
        if bad:
            return RevisionPlan(
                clarify=f"There are {count} scenes; which scene did you mean instead of {bad[0]}?",
                options=[f"scene {n}" for n in range(1, count + 1)],
            )
    return plan


def plan_revision(
    request: str, planner: Planner | None = None, context: RevisionContext | None = None
) -> RevisionPlan:
    """Understand a revision request as typed operations, or as a question when it is unclear.

    ``planner`` reads the request (a model's reading made elsewhere, ``agent.brain.revision``);
    this module never talks to a model. A failed or empty answer, or no planner, falls back to
    the rule planner, which knows the common directions.
    """
    ctx = context or RevisionContext()
    plan: RevisionPlan | None = None
    try:
        plan = planner(request, ctx) if planner is not None else None
    except Exception:  # a planner failure must not lose the request: the rules still read it
        plan = None
    if plan is None or not (plan.ops or plan.clarify):
        plan = rule_plan(request, ctx.scene_count, ctx.duration_s)
    return check_plan(plan, ctx)


# --------------------------------------------------------------------------- apply


def anchor_diff(old: StyleAnchor, new: StyleAnchor) -> dict[str, dict[str, object]]:
    """Return the changed anchor fields (nested ones as ``voice.gender``) with from/to values."""
    a = old.model_dump(mode="json", exclude={"version"})
    b = new.model_dump(mode="json", exclude={"version"})
    diff: dict[str, dict[str, object]] = {}
    for key in a:
        if isinstance(a[key], dict):
            for sub in a[key]:
                if a[key][sub] != b[key][sub]:
                    diff[f"{key}.{sub}"] = {"from": a[key][sub], "to": b[key][sub]}
        elif a[key] != b[key]:
            diff[key] = {"from": a[key], "to": b[key]}
    return diff


def _same(a: Any, b: Any) -> bool:
    return bool(
        a.model_dump(mode="json", exclude={"version"})
        == b.model_dump(mode="json", exclude={"version"})
    )


def _diff_lines(diff: dict[str, dict[str, object]]) -> list[str]:
    lines = []
    for key, change in diff.items():
        old, new = change["from"], change["to"]
        if isinstance(old, list) and isinstance(new, list):
            old, new = " ".join(map(str, old)), " ".join(map(str, new))
        lines.append(f"anchor {key}: {old} → {new}")
    return lines


def apply_revision(
    plan: RevisionPlan,
    brief: Brief,
    anchor: StyleAnchor,
    script: Script,
    options: EditOptions | None = None,
    *,
    memory: AnchorStore | None = None,
    project: str = "",
    reason: str = "",
    min_length_s: float | None = None,
) -> RevisionResult:
    """Apply a plan; return the new brief, anchor, script and edit options and what changed.

    Raise BadInput when an operation cannot apply (an unknown scene, look or colour). With a
    ``memory`` and a ``project``, a changed anchor is saved as the project's next version.
    ``min_length_s`` (the shortest cut the current narration fits in) floors length changes.
    """
    draft = Draft(
        brief=brief,
        anchor=anchor,
        script=script,
        options=options or EditOptions(),
        project=project,
        recall=memory,
        min_length_s=min_length_s,
    )
    for op in plan.ops:
        apply_op(draft, op)
    new_anchor, new_script = draft.anchor, refresh_style_cues(draft.script, anchor, draft.anchor)
    diff = anchor_diff(anchor, new_anchor)
    anchor_changed = bool(diff)
    if anchor_changed:
        why = reason or "; ".join(draft.changes)
        if memory is not None and project:
            new_anchor = memory.save(project, new_anchor, reason=why, diff=diff)
        else:
            new_anchor = new_anchor.model_copy(update={"version": anchor.version + 1})
    script_changed = not _same(script, new_script)
    if script_changed:
        new_script = new_script.model_copy(update={"version": script.version + 1})
    changes = list(draft.changes)
    if anchor_changed:
        changes.append(f"style anchor v{anchor.version} → v{new_anchor.version}")
        changes += _diff_lines(diff)
    if script_changed:
        changes.append(f"script v{script.version} → v{new_script.version}")
    return RevisionResult(
        brief=draft.brief,
        anchor=new_anchor if anchor_changed else anchor,
        script=new_script if script_changed else script,
        options=draft.options,
        changes=changes,
        anchor_diff=diff,
        anchor_changed=anchor_changed,
        script_changed=script_changed,
        brief_changed=not _same(brief, draft.brief),
        undo_steps=draft.undo_steps,
    )
