"""Conversation nodes that steer the whole production: skip ahead to the end, undo a change.

"publish", "ship it", "just make it" at any phase accept what is proposed (defaults for the open
brief fields, the proposed look, the script as written) and carry on to a published cut, saying
in one line what was assumed. "undo" puts the production back as it was before the last change.
Both are the graph's own doing: no model is asked.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.brain.forms import AnchorWords
from agent.chat import interview
from agent.chat.anchor import lock, proposal
from agent.chat.io import last_said, next_step, remember, reply, ui
from agent.chat.router import undo_steps
from agent.chat.state import UNDOABLE, ChatState
from agent.context import Context

Onward = Literal["listen", "write_script", "produce"]


def _copy() -> dict[str, Any]:
    return interview.copy()


def skip_ahead(state: ChatState, runtime: Runtime[Context]) -> Command[Onward]:
    """Accept the current proposals and defaults and go on to produce and publish."""
    c = _copy()["skip_ahead"]
    assumed: list[str] = []
    update: dict[str, Any] = {"history": remember(state), "auto": True, "asking": None}
    draft, brief = dict(state.get("draft") or {}), state.get("brief")
    if brief is None:
        draft, filled = interview.fill_defaults(draft)
        brief = interview.to_brief(draft)
        if filled:
            names = interview.copy()["field_names"]
            assumed.append(c["defaults"].format(fields=_listed([names[f] for f in filled])))
        update.update(draft=draft, defaults=filled, brief=brief)
    if brief is None:  # defaults always make a brief; a stored draft that cannot is said plainly
        lines = [_copy()["anchor"]["need_brief"], next_step(state)]
        return Command(goto="listen", update={"messages": reply(lines), "auto": False})
    anchor = state.get("anchor")
    if not state.get("anchor_locked") or anchor is None:
        current: Any = {**state, **update}
        if anchor is None:
            proposed = proposal(current, brief, AnchorWords())
            proposed.pop("heard")
            update.update(proposed)
            anchor = proposed["anchor"]
        locking: Any = {**current, **update}
        update.update(lock(locking, runtime.context, brief, anchor))
        assumed.append(c["anchor"].format(version=update["anchor"].version))
    script_ready = state.get("script") is not None and "script" not in update
    assumed.append(c["script"] if script_ready else c["new_script"])
    update["messages"] = reply([c["line"].format(assumed=_listed(assumed, sep="; "))])
    return Command(goto="produce" if script_ready else "write_script", update=update)


def _listed(items: list[str], sep: str = ", ") -> str:
    """Join items as people write them: "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    joiner = " and " if sep == ", " else "; and "
    return sep.join(items[:-1]) + joiner + items[-1]


def undo(state: ChatState) -> Command[Literal["listen"]]:
    """Put the production back as it was before the last change, and say so."""
    c = _copy()["undo"]
    history = list(state.get("history") or [])
    if not history:
        return Command(goto="listen", update={"messages": reply([c["nothing"], next_step(state)])})
    # "Go back two versions" takes back that many changes; "the original", all of them.
    steps = undo_steps(last_said(state), len(history))
    taken = [history.pop() for _ in range(min(len(history), steps))]
    entry = taken[-1]
    restored: dict[str, Any] = {key: entry.get(key) for key in UNDOABLE}
    restored["phase"] = restored.get("phase") or "interview"
    restored["draft"] = restored.get("draft") or {}
    restored["tweaks"] = restored.get("tweaks") or []
    restored["outputs"] = restored.get("outputs") or {}
    restored["anchor_locked"] = bool(restored.get("anchor_locked"))
    after: Any = {**state, **restored}
    video = restored["outputs"].get("video")
    if restored["phase"] in ("cut", "published") and video:
        ui("video", path=str(video), name="The cut as it was")
    lines = [c["done"].format(what=entry.get("said") or "the last change"), next_step(after)]
    update = {**restored, "history": history, "auto": False, "messages": reply(lines)}
    return Command(goto="listen", update=update)
