"""Conversation nodes that hear the person and gather the brief: listen, route, brief updates.

``listen`` is the only place human words enter (through ``interrupt``); ``route`` sends the
message where the router (``chat_router``) says, from the phase and the person's intent, without
asking a model. ``update_brief`` asks the understanding step to fill the brief-update form from
the message; ``use_defaults`` and ``change_cta`` apply what the rules know for certain. The
style anchor's nodes are in ``chat_anchor``; the script, production and publishing in
``chat_production``; change requests in ``chat_revision``; free answers in ``chat_answer``;
skip-ahead and undo in ``chat_steer``.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import ValidationError

from agent.actions import UpdateBrief
from agent.brain.probe import check_server
from agent.chat import interview
from agent.chat.io import heard, last_said, next_step, remember, reply, routed_here, ui
from agent.chat.production import show_script
from agent.chat.router import Route, defers_one, new_cta, route
from agent.chat.state import ChatState
from agent.chat.understand import understand
from agent.context import Context
from agent.models import is_openai
from agent.settings import Settings
from tools.revision.script import change_cta as change_script_cta

MAX_MESSAGE_CHARS = 4000
Listen = Literal["route", "use_reference", "listen"]
Step = Literal["listen", "propose_anchor", "write_script", "request_revision", "run_production"]
"""Where a brief change goes next (a new CTA after a cut goes to ``request_revision``)."""
# Changes that alter the look: the anchor is proposed again when one of them changes.
LOOK_FIELDS = {"subject", "use_case", "tone", "style_words", "voice", "title"}


def _copy() -> dict[str, Any]:
    return interview.copy()


async def start(state: ChatState, runtime: Runtime[Context]) -> Command[Literal["listen"]]:
    """Open a conversation: say at once when the configured model server cannot be reached.

    The conversation still goes on (every turn falls back to the built-in model with a note),
    but the person learns which setting to check before typing a whole brief.
    """
    problem = await unreachable(runtime.context.model)
    if problem:
        ui("error", text=problem)
    return Command(goto="listen")


async def unreachable(model: BaseChatModel) -> str | None:
    """Return a one-line message naming PRODUCER_LLM_BASE_URL when the server does not answer."""
    if not is_openai(model):
        return None  # the built-in model needs no server
    try:
        server = Settings(
            llm_provider="openai",
            llm_base_url=model.openai_api_base,
            llm_api_key=model.openai_api_key,
        )
    except ValidationError:  # settings the front end already reported; nothing to add here
        return None
    problem = await asyncio.to_thread(check_server, server)
    if problem is None:
        return None
    return str(_copy()["problems"]["model_unreachable"]).format(problem=problem)


def listen(state: ChatState) -> Command[Listen]:
    """Wait for the person's next message; screen it before anything reads it."""
    got = interrupt({"phase": state.get("phase", "interview"), "asking": state.get("asking")})
    payload = got if isinstance(got, dict) else {"text": str(got or "")}
    text = heard(str(payload.get("text") or ""))
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
        update = {"messages": [human], "attachments": attachments, "intent": "use_reference"}
        return Command(goto="use_reference", update=update)
    if not text:
        ui("text", text=f"{problems['empty']} {next_step(state)}")
        return Command(goto="listen")
    return Command(goto="route", update={"messages": [HumanMessage(content=text)]})


def route_message(state: ChatState) -> Command[Route]:
    """Send the message to the node its phase and intent call for; the model has no say."""
    target = route(state.get("phase", "interview"), last_said(state))
    return Command(goto=target, update={"intent": target})


async def update_brief(state: ChatState, runtime: Runtime[Context]) -> Command[Step]:
    """Understand the message as brief fields (the model fills the form), then merge them."""
    said = last_said(state) if routed_here(state, "update_brief") else ""
    if not said:
        return apply_brief(state, UpdateBrief())
    draft, asking = state.get("draft") or {}, state.get("asking")
    understood = await understand(said, draft, runtime.context.model, asking)
    args = UpdateBrief.model_validate(understood.value.stated())
    return apply_brief(state, args, [understood.note or ""])


def use_defaults(state: ChatState) -> Command[Step]:
    """Fill every open brief field with its default ("go") and move on to the look.

    Said to the one question asked ("you pick", "idk", "no cta"), only that field takes its
    default, said back like an answer, and the interview goes on.
    """
    asking = state.get("asking")
    if asking and asking in interview.ASK_ORDER and defers_one(last_said(state)):
        filled, _ = interview.fill_defaults(state.get("draft") or {})
        return apply_brief(state, UpdateBrief.model_validate({asking: filled[asking]}))
    return apply_brief(state, UpdateBrief(use_defaults=True))


def change_cta(state: ChatState) -> Command[Step]:
    """Put the new call to action the person named in place, without asking a model."""
    cta = new_cta(last_said(state)) or ""
    phase = state.get("phase", "interview")
    if phase in ("cut", "published"):
        return Command(goto="request_revision")  # the certain plan re-cuts the video
    if phase == "interview" or state.get("brief") is None:
        return apply_brief(state, UpdateBrief(cta=cta))
    brief = state["brief"]
    assert brief is not None
    draft = {**(state.get("draft") or {}), "cta": cta}
    changed = brief.model_copy(update={"cta": cta})
    update: dict[str, Any] = {"draft": draft, "brief": changed, "history": remember(state)}
    line = _copy()["cta"]["changed"].format(cta=cta)
    script = state.get("script")
    if phase == "script" and script is not None:
        # Nothing is voiced yet, so the narration may say the new words too.
        changed, new_script, _lines = change_script_cta(brief, script, cta, revoice=True)
        new_script = new_script.model_copy(update={"version": script.version + 1})
        update.update(brief=changed, script=new_script, messages=reply([line]))
        update["messages"] += reply(show_script(new_script))
        return Command(goto="listen", update=update)
    update["messages"] = reply([line, next_step(state)])
    return Command(goto="listen", update=update)


def apply_brief(
    state: ChatState, args: UpdateBrief, notes: list[str] | None = None
) -> Command[Step]:
    """Merge brief fields into the draft; ask the next question or propose the look."""
    draft, changed, problems = interview.merge(state.get("draft") or {}, args)
    quiet = not changed and (args.use_defaults or problems)
    said = "" if quiet else interview.understood(draft, changed)
    lines = [*(n for n in notes or [] if n), said, *problems]
    update: dict[str, Any] = {"draft": draft}
    if changed or args.use_defaults:
        update["history"] = remember(state)
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
        update.update(asking=field, phase="interview", brief=None, messages=reply(lines))
        return Command(goto="listen", update=update)
    changed_brief = brief != state.get("brief")
    update.update(brief=brief, asking=None)
    if phase in ("cut", "published") and changed_brief and set(changed) <= {"platforms"}:
        # Another platform after the cut: the same look and script, cut for it too; the stages
        # whose inputs did not change are reused.
        revisions = [*(state.get("revisions") or []), last_said(state)]
        lines.append(_copy()["revision"]["rerun"])
        update.update(history=remember(state), revisions=revisions, messages=reply(lines))
        return Command(goto="run_production", update=update)
    look = bool(LOOK_FIELDS & set(changed)) or state.get("anchor") is None
    if phase == "interview" or (phase == "anchor" and changed_brief and look):
        lines.append(_copy()["brief_done"].format(summary=interview.summary(brief)))
        update.update(phase="anchor", messages=reply(lines))
        return Command(goto="propose_anchor", update=update)
    if "voice" in changed and phase in ("anchor", "script"):
        # The voice lives in the anchor, so a new narrator means a new proposal to lock.
        update.update(phase="anchor", messages=reply(lines))
        return Command(goto="propose_anchor", update=update)
    if changed_brief and phase == "script":
        return Command(goto="write_script", update={**update, "messages": reply(lines)})
    lines.append(next_step({**state, **update}))  # type: ignore[typeddict-item]
    return Command(goto="listen", update={**update, "messages": reply(lines)})
