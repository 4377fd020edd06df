"""The conversation node that turns a change request in words into a new take.

The revision planner (``tools.revision.plan``) plans and applies the change when it is installed;
otherwise the built-in tweaks re-version the anchor and a new length rewrites the script.
Either way the production line runs again, and its stage cache keeps what did not change.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.actions import RequestRevision, parse_args
from agent.chat import interview
from agent.chat.anchor import tweak_specs
from agent.chat.io import next_step, pending_call, reply
from agent.chat.production import Next
from agent.chat.state import ChatState
from agent.context import Context
from agent.models import structured
from agent.offline.phrasing.fields import find_duration, vocab
from agent.offline.rules import tweak_names
from tools.anchor.tweaks import apply_tweaks
from tools.common.errors import BadInput, ProducerError
from tools.handoffs import MAX_DURATION_S, MIN_DURATION_S
from tools.script.write import write_script as write_script_tool

MAX_CHANGES_SHOWN = 3


def _copy() -> dict[str, Any]:
    return interview.copy()


def request_revision(state: ChatState, runtime: Runtime[Context]) -> Command[Next]:
    """Route a change request: the revision planner if present, else tweak anchor or brief."""
    c = _copy()["revision"]
    call = pending_call(state, "request_revision")
    args = parse_args("request_revision", call["args"] if call else {"change": ""})
    assert isinstance(args, RequestRevision)
    if state.get("phase") not in ("cut", "published"):
        wanted = tweak_names(args.change)
        if wanted and state.get("brief") is not None:
            tweaks = [*(state.get("tweaks") or []), *wanted]
            retweak = {"tweaks": tweaks, "messages": reply(state, "request_revision", [])}
            return Command(goto="propose_anchor", update=retweak)
        lines = [c["needs_cut"].format(next=next_step(state))]
        return Command(goto="listen", update={"messages": reply(state, "request_revision", lines)})
    try:
        planned = _external_revision(state, args.change, runtime.context)
        update = (
            planned if planned is not None else _own_revision(state, args.change, runtime.context)
        )
    except ProducerError as exc:  # e.g. the model could not rewrite the script: nothing changed
        lines = [c["failed"].format(error=exc)]
        return Command(goto="listen", update={"messages": reply(state, "request_revision", lines)})
    if update is None:
        lines = [c["unknown"]]
        return Command(goto="listen", update={"messages": reply(state, "request_revision", lines)})
    if "_clarify" in update:
        options = update.get("_options") or []
        lines = [update["_clarify"] + (f" ({' / '.join(options)})" if options else "")]
        return Command(goto="listen", update={"messages": reply(state, "request_revision", lines)})
    note = update.pop("_note")
    lines = [c["plan"].format(change=note), c["rerun"]]
    if "brief" in update:
        update["draft"] = interview.draft_of(update["brief"], state.get("draft") or {})
    revisions = [*(state.get("revisions") or []), args.change]
    update.update(revisions=revisions, messages=reply(state, "request_revision", lines))
    return Command(goto="run_production", update=update)


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
        script = write_script_tool(new_brief, new_anchor, ctx.model, structured=structured)
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


def _external_revision(state: ChatState, change: str, ctx: Context) -> dict[str, Any] | None:
    """Plan and apply the change with ``tools.revision.plan`` when that module is installed.

    Return the state update (with a ``_note`` in words, or a ``_clarify`` question), or None
    when the module is missing or understood nothing, so the built-in tweaks get their turn.
    """
    try:
        revision = importlib.import_module("tools.revision.plan")
    except ImportError:
        return None
    with contextlib.suppress(ImportError):  # registers the offline model's revision skill
        importlib.import_module("agent.production.revise")
    brief, anchor, script = state.get("brief"), state.get("anchor"), state.get("script")
    if brief is None or anchor is None or script is None:
        return None
    project = state.get("project") or "untitled"
    options = state.get("edit_options")
    context = revision.RevisionContext.of(
        brief, anchor, script, options=options, versions=ctx.memory.versions(project)
    )
    plan = revision.plan_revision(change, ctx.model, context)
    if plan.clarify:
        return {"_clarify": plan.clarify, "_options": list(plan.options)}
    if not plan.ops:
        return None
    try:
        result = revision.apply_revision(
            plan, brief, anchor, script, options, memory=ctx.memory, project=project, reason=change
        )
    except BadInput as exc:
        return {"_clarify": str(exc), "_options": []}
    return {
        "brief": result.brief,
        "anchor": result.anchor,
        "script": result.script,
        "edit_options": result.options,
        "_note": "; ".join(result.changes[:MAX_CHANGES_SHOWN]) or change,
    }
