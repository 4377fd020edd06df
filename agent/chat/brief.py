"""Conversation nodes that hear the person and gather the brief: listen, the producer, answers.

``listen`` is the only place human words enter (through ``interrupt``); ``producer`` asks the
chat model which tool to use; every other node carries out one tool and guards the flow itself,
so a model calling a tool too early gets a question back, not a broken production. The style
anchor's nodes are in ``chat_anchor``; the script, production and publishing in
``chat_production``; change requests in ``chat_revision``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from agent.actions import TOOL_NAMES, UpdateBrief, parse_args, tool_specs
from agent.chat import interview
from agent.chat.anchor import Step
from agent.chat.io import next_step, pending_call, reply, ui
from agent.chat.state import ChatState
from agent.context import Context
from agent.models import strip_think
from prompts import load_prompt

MAX_MESSAGE_CHARS = 4000
HISTORY = 12
Listen = Literal["producer", "use_reference", "listen"]


def _copy() -> dict[str, Any]:
    return interview.copy()


def listen(state: ChatState) -> Command[Listen]:
    """Wait for the person's next message; screen it before any model sees it."""
    got = interrupt({"phase": state.get("phase", "interview"), "asking": state.get("asking")})
    payload = got if isinstance(got, dict) else {"text": str(got or "")}
    text = str(payload.get("text") or "").strip()
    attachments = [str(a) for a in payload.get("attachments") or []]
    problems = _copy()["problems"]
    if len(text) > MAX_MESSAGE_CHARS:
        ui(
            "text",
            text=problems["truncated"].format(
                size=f"{len(text):,}", limit=f"{MAX_MESSAGE_CHARS:,}"
            ),
        )
        text = text[:MAX_MESSAGE_CHARS]
    if attachments:
        human = HumanMessage(content=text or "(sent a reference image)")
        return Command(
            goto="use_reference", update={"messages": [human], "attachments": attachments}
        )
    if not text:
        ui("text", text=f"{problems['empty']} {next_step(state)}")
        return Command(goto="listen")
    return Command(goto="producer", update={"messages": [HumanMessage(content=text)]})


def state_block(state: ChatState) -> dict[str, Any]:
    """Return the production so far as plain JSON: what the model (and offline rules) read."""
    draft = {k: v for k, v in (state.get("draft") or {}).items() if k != "title_given"}
    anchor = state.get("anchor")
    script = state.get("script")
    return {
        "phase": state.get("phase", "interview"),
        "asking": state.get("asking"),
        "draft": draft,
        "missing": interview.missing(draft),
        "anchor": {"words": anchor.words, "palette": anchor.palette} if anchor else None,
        "anchor_locked": bool(state.get("anchor_locked")),
        "script_scenes": len(script.scenes) if script else 0,
        "takes": state.get("takes", 0),
    }


def _history(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """Return the recent conversation, starting at a person's message (never mid tool call)."""
    recent = list(messages[-HISTORY:])
    while recent and not isinstance(recent[0], HumanMessage):
        recent = recent[1:]
    return recent or list(messages[-1:])


async def producer(state: ChatState, runtime: Runtime[Context]) -> Command[str]:
    """Ask the chat model what to do with the message; route on its tool call."""
    ctx = runtime.context
    prompt = load_prompt("producer").replace(
        "{state_json}", json.dumps(state_block(state), indent=1)
    )
    model = ctx.model.bind_tools(list(tool_specs()))
    try:
        answer = await model.ainvoke([SystemMessage(content=prompt), *_history(state["messages"])])
    except Exception as exc:  # a remote model failed after its retries: say so, change nothing
        text = _copy()["problems"]["model_failed"].format(error=type(exc).__name__)
        ui("error", text=text)
        return Command(goto="listen", update={"messages": [AIMessage(content=text)]})
    calls = [c for c in getattr(answer, "tool_calls", []) or [] if c["name"] in TOOL_NAMES][:1]
    content = strip_think(answer.text) if isinstance(answer, AIMessage) else str(answer)
    message = AIMessage(content=content, tool_calls=calls)
    return Command(goto=calls[0]["name"] if calls else "answer", update={"messages": [message]})


def answer(state: ChatState, runtime: Runtime[Context]) -> Command[Literal["listen"]]:
    """Answer a question beside the production, then say where we are."""
    c = _copy()
    said = state["messages"][-1].text if state.get("messages") else ""
    question = next(
        (m.text for m in reversed(state["messages"]) if isinstance(m, HumanMessage)), ""
    )
    if runtime.context.model_id == "offline":
        low = question.lower()
        said = next(
            (f["answer"] for f in c["faq"] if any(k in low for k in f["keys"])),
            c["offline_fallback"],
        )
    text = f"{said}\n\n{c['back_to_it'].format(next=next_step(state))}"
    ui("text", text=text)
    return Command(goto="listen", update={"messages": [AIMessage(content=text)]})


def update_brief(state: ChatState) -> Command[Step]:
    """Merge what the person said into the draft; ask the next question or propose the look."""
    call = pending_call(state, "update_brief")
    args = parse_args("update_brief", call["args"] if call else {})
    assert isinstance(args, UpdateBrief)
    draft, changed, problems = interview.merge(state.get("draft") or {}, args)
    quiet = not changed and (args.use_defaults or problems)
    said = "" if quiet else interview.understood(draft, changed)
    lines = [said, *problems]
    update: dict[str, Any] = {"draft": draft}
    filled: list[str] = []
    if args.use_defaults:
        draft, filled = interview.fill_defaults(draft)
        update.update(draft=draft, defaults=filled)
        if filled:
            names = ", ".join(_copy()["field_names"][f] for f in filled)
            lines.append(_copy()["defaults_used"].format(fields=names))
    brief = interview.to_brief(draft)
    phase = state.get("phase", "interview")
    if brief is None:
        field = interview.missing(draft)[0]
        lines.append(interview.question(field))
        update.update(asking=field, phase="interview", brief=None)
        return Command(
            goto="listen", update={**update, "messages": reply(state, "update_brief", lines)}
        )
    changed_brief = brief != state.get("brief")
    update.update(brief=brief, asking=None)
    if phase == "interview" or (phase == "anchor" and changed_brief):
        lines.append(_copy()["brief_done"].format(summary=interview.summary(brief)))
        update["phase"] = "anchor"
        return Command(
            goto="propose_anchor",
            update={**update, "messages": reply(state, "update_brief", lines)},
        )
    if "voice" in changed and phase in ("anchor", "script"):
        # The voice lives in the anchor, so a new narrator means a new proposal to lock.
        update["phase"] = "anchor"
        return Command(
            goto="propose_anchor",
            update={**update, "messages": reply(state, "update_brief", lines)},
        )
    if changed_brief and phase in ("script", "cut", "published"):
        return Command(
            goto="write_script", update={**update, "messages": reply(state, "update_brief", lines)}
        )
    lines.append(next_step(state))
    return Command(
        goto="listen", update={**update, "messages": reply(state, "update_brief", lines)}
    )
