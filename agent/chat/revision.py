"""The conversation node that turns a change request in words into a changed script or take.

A request the rules know for certain (a new call to action) is planned by the rules alone; any
other request is a revision form the model fills (``agent.brain``; the rule planner is its
built-in answer). The plan is applied by ``tools.revision.plan``: on the script it changes the
script the person is reading, after a cut the production line runs again and its stage cache
keeps what did not change. A plan that only says "undo" goes to the undo node.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.brain.revision import planned
from agent.brain.script import written
from agent.chat import interview
from agent.chat.anchor import tweak_specs
from agent.chat.io import last_said, next_step, remember, reply, routed_here
from agent.chat.production import show_script
from agent.chat.router import music_level_only
from agent.chat.state import ChatState
from agent.context import Context
from agent.offline.phrasing.fields import find_duration, vocab
from agent.offline.rules import tweak_names
from tools.anchor.tweaks import apply_tweaks
from tools.common.errors import BadInput, ProducerError
from tools.handoffs import MAX_DURATION_S, MIN_DURATION_S, RevisionPlan, UndoOp
from tools.revision.plan import RevisionContext, apply_revision, check_plan
from tools.revision.rules import rule_plan

MAX_CHANGES_SHOWN = 3
Revised = Literal["listen", "run_production", "propose_anchor", "undo"]


def _copy() -> dict[str, Any]:
    return interview.copy()


async def request_revision(state: ChatState, runtime: Runtime[Context]) -> Command[Revised]:
    """Plan the change in the person's words and apply it: to the script, or as a new take."""
    c = _copy()["revision"]
    change = last_said(state)
    brief, anchor, script = state.get("brief"), state.get("anchor"), state.get("script")
    if brief is None or anchor is None or script is None:
        if brief is not None and music_level_only(change):  # set with the locked style
            lines = [c["music_after_lock"].format(change=change.strip())]
            return Command(goto="listen", update={"messages": reply(lines)})
        if tweak_names(change) and brief is not None:  # a look change before the script
            return Command(goto="propose_anchor", update={"intent": "propose_anchor"})
        return Command(
            goto="listen",
            update={"messages": reply([c["needs_cut"].format(next=next_step(state))])},
        )
    ctx = runtime.context
    project = state.get("project") or "untitled"
    context = RevisionContext.of(
        brief,
        anchor,
        script,
        options=state.get("edit_options"),
        versions=ctx.memory.versions(project),
    )
    certain = routed_here(state, "change_cta")
    plan, note = await _plan(change, context, ctx.model, certain=certain)
    if plan.clarify:
        options = f" ({' / '.join(plan.options)})" if plan.options else ""
        return Command(goto="listen", update={"messages": reply([note, plan.clarify + options])})
    if plan.ops and all(isinstance(op, UndoOp) for op in plan.ops):
        return Command(goto="undo")  # it reads how far back from the message

    def revise() -> dict[str, Any] | None:  # a model may rewrite the script: off the event loop
        update = _applied(state, plan, change, ctx) if plan.ops else None
        return update or _own_revision(state, change, ctx)

    try:
        update = await asyncio.to_thread(revise)
    except BadInput as exc:
        return Command(goto="listen", update={"messages": reply([note, str(exc)])})
    except ProducerError as exc:  # e.g. the script could not be rewritten: nothing changed
        return Command(goto="listen", update={"messages": reply([c["failed"].format(error=exc)])})
    if update is None:
        lines = [note, c["unknown"] if state.get("phase") != "script" else c["unknown_script"]]
        return Command(goto="listen", update={"messages": reply(lines)})
    return _onward(state, update, change, note)


def _onward(state: ChatState, update: dict[str, Any], change: str, note: str) -> Command[Revised]:
    """Show the changed script (before production) or re-cut the video (after it)."""
    c = _copy()["revision"]
    said = c["plan"].format(change=update.pop("_note"))
    if "brief" in update:
        update["draft"] = interview.draft_of(update["brief"], state.get("draft") or {})
    update["history"] = remember(state)
    if state.get("phase") not in ("cut", "published"):
        update["messages"] = reply([note, said])
        script = update.get("script") or state.get("script")
        assert script is not None  # request_revision checked it
        update["messages"] += reply(show_script(script))
        return Command(goto="listen", update={**update, "phase": "script"})
    revisions = [*(state.get("revisions") or []), change]
    update.update(revisions=revisions, messages=reply([note, said, c["rerun"]]))
    return Command(goto="run_production", update=update)


async def _plan(
    change: str, context: RevisionContext, model: BaseChatModel, *, certain: bool
) -> tuple[RevisionPlan, str]:
    """Return the plan for a change and the note to show when the built-in planned it.

    A request the router found certain (a new CTA) is planned by the rules alone; otherwise the
    brain's planner asks the model for the revision form, the rule planner standing by.
    """
    if certain:
        plan = rule_plan(change, context.scene_count, context.duration_s)
        return check_plan(plan, context), ""
    filled = await asyncio.to_thread(planned, change, model, context)
    return filled.value, filled.note or ""


def _applied(
    state: ChatState, plan: RevisionPlan, change: str, ctx: Context
) -> dict[str, Any] | None:
    """Apply a plan to the brief, anchor, script and edit options; None when it changed nothing."""
    brief, anchor, script = state["brief"], state["anchor"], state["script"]
    assert brief is not None and anchor is not None and script is not None
    project = state.get("project") or "untitled"
    result = apply_revision(
        plan,
        brief,
        anchor,
        script,
        state.get("edit_options"),
        memory=ctx.memory,
        project=project,
        reason=change,
    )
    if not result.changes:
        return None
    return {
        "brief": result.brief,
        "anchor": result.anchor,
        "script": result.script,
        "edit_options": result.options,
        "_note": "; ".join(result.changes[:MAX_CHANGES_SHOWN]) or change,
    }


def _own_revision(state: ChatState, change: str, ctx: Context) -> dict[str, Any] | None:
    """Apply a change in words: style tweaks re-version the anchor; lengths rewrite the script."""
    brief, anchor = state.get("brief"), state.get("anchor")
    if brief is None or anchor is None:
        return None
    update: dict[str, Any] = {}
    notes: list[str] = []
    tweaks = tweak_specs(tweak_names(change))
    if tweaks:
        project = state.get("project") or "untitled"
        update["anchor"] = ctx.memory.save(
            project,
            apply_tweaks(anchor, tweaks),
            reason=f"revision: {change}",
            diff={"tweaks": [t.name for t in tweaks]},
        )
        update["tweaks"] = [*(state.get("tweaks") or []), *(t.name for t in tweaks)]
        notes.append("style " + ", ".join(t.name for t in tweaks))
    seconds = _revised_length(change, brief.duration_s)
    if seconds is not None and seconds != brief.duration_s:
        update["brief"] = brief.model_copy(update={"duration_s": seconds})
        notes.append(f"length {brief.duration_s:g} s → {seconds:g} s")
    if not update:
        return None
    new_brief = update.get("brief", brief)
    new_anchor = update.get("anchor", anchor)
    script = state.get("script")
    if "brief" in update or script is None:
        script, written_note = written(new_brief, new_anchor, ctx.model)
        notes += [written_note] if written_note else []
    update["script"] = script
    update["_note"] = "; ".join(notes)
    return update


def _revised_length(change: str, current: float) -> float | None:
    seconds = find_duration(change)
    if seconds is None:
        for phrase, factor in sorted(
            vocab()["revision_duration"].items(), key=lambda kv: -len(kv[0])
        ):
            if re.search(rf"\b{re.escape(phrase)}\b", change, re.I):
                seconds = round(current * float(factor))
                break
    if seconds is None:
        return None
    return float(min(MAX_DURATION_S, max(MIN_DURATION_S, seconds)))
