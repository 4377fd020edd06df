"""Conversation nodes up to the locked anchor: listen, the producer model, the brief, the style.

``listen`` is the only place human words enter (through ``interrupt``); ``producer`` asks the
chat model which tool to use; every other node carries out one tool and guards the flow itself,
so a model calling a tool too early gets a question back, not a broken production.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, cast

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from agent import interview
from agent.chat_io import next_step, pending_call, reply, thread_dir, ui
from agent.chat_state import ChatState
from agent.chat_tools import (
    TOOL_NAMES,
    ProposeAnchor,
    RecallAnchor,
    UpdateBrief,
    parse_args,
    tool_specs,
)
from agent.context import Context
from agent.models import strip_think
from agent.nodes import project_id
from agent.offline_rules import tweak_names
from agent.phrasing import normal_voice, vocab, voice_gender
from prompts import load_prompt
from tools.anchor import derive_anchor
from tools.anchor_tweaks import Gender, Tweak, VoiceChoice, apply_tweaks
from tools.handoffs import Brief, StyleAnchor
from tools.reference import MAX_MEGAPIXELS, ReferenceRejected, read_reference
from tools.sheets import render_swatch

MAX_MESSAGE_CHARS = 4000
HISTORY = 12
Listen = Literal["producer", "use_reference", "listen"]
Step = Literal["listen", "propose_anchor", "write_script"]


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


def tweak_specs(names: list[str]) -> list[Tweak]:
    """Return the tweaks named (vocabulary in prompts/phrases.yaml), unknown names skipped."""
    table = vocab()["tweaks"]
    out: list[Tweak] = []
    for name in names:
        key = name if name in table else next(iter(tweak_names(name)), "")
        if key in table:
            spec = table[key]
            shift = spec.get("shift", {})
            out.append(
                Tweak(
                    name=key,
                    words=tuple(spec.get("words", [])),
                    shift=(
                        float(shift.get("L", 0)),
                        float(shift.get("a", 0)),
                        float(shift.get("b", 0)),
                    ),
                    chroma=float(spec.get("chroma", 1.0)),
                    lighting=str(spec.get("lighting", "")),
                    voice=voice_choice(str(spec["voice"])) if spec.get("voice") else None,
                )
            )
    return out


def voice_choice(said: str) -> VoiceChoice:
    """Return the narrator a stored voice preference asks for ("female", "calm and clear").

    A bare gender keeps the derived persona and swaps its gendered words; anything longer is
    the persona's name as the person (or the settings panel) put it.
    """
    v = vocab()["voice"]
    said = normal_voice(said)
    gender = voice_gender(said)
    g = cast(Gender, gender) if gender in ("male", "female", "neutral") else None
    swaps = tuple((str(a), str(b)) for a, b in (v["swaps"].get(gender or "", {}) or {}).items())
    name = "" if said == gender else said
    return VoiceChoice(gender=g, name=name, swaps=swaps, named=str(v["named"]))


def _base_anchor(state: ChatState, brief: Brief) -> StyleAnchor:
    derived = derive_anchor(brief)
    base = state.get("anchor_base")
    if base is None:
        return derived
    # A recalled or reference look keeps this brief's subject: same style, our product.
    return base.model_copy(update={"subject": derived.subject, "version": 1})


def propose_anchor(
    state: ChatState, runtime: Runtime[Context], config: RunnableConfig
) -> Command[Literal["listen"]]:
    """Propose the style anchor (with tweaks) and show its palette swatch."""
    c = _copy()["anchor"]
    brief = state.get("brief")
    if brief is None:
        lines = [c["need_brief"], next_step(state)]
        return Command(goto="listen", update={"messages": reply(state, "propose_anchor", lines)})
    call = pending_call(state, "propose_anchor")
    args = parse_args("propose_anchor", call["args"] if call else {})
    assert isinstance(args, ProposeAnchor)
    wanted = [t.name for t in tweak_specs([*args.adjust, *args.style_words])]
    tweaks = [*(state.get("tweaks") or []), *wanted]
    draft = dict(state.get("draft") or {})
    said = args.voice or next(
        (t.voice.gender for t in tweak_specs(wanted) if t.voice and t.voice.gender), None
    )
    heard = ""
    if said and normal_voice(said) != draft.get("voice"):
        draft["voice"] = normal_voice(said)
        heard = interview.understood(draft, ["voice"])
    specs = tweak_specs(tweaks)
    if draft.get("voice"):
        # The stated voice wins over any voice tweak named before it: it is applied last.
        specs.append(Tweak(name="voice", voice=voice_choice(str(draft["voice"]))))
    anchor = apply_tweaks(_base_anchor(state, brief), specs)
    if args.style_words:
        words = [w.lower() for w in args.style_words if w.lower() not in anchor.words]
        anchor = anchor.model_copy(update={"words": [*words, *anchor.words][:6]})
    swatch = show_swatch(anchor, runtime.context, config)
    lines = [heard, c["intro"], describe(anchor), c["ask"]]
    outputs = {**(state.get("outputs") or {}), "swatch": str(swatch)}
    update = {
        "anchor": anchor,
        "anchor_locked": False,
        "tweaks": tweaks,
        "draft": draft,
        "phase": "anchor",
        "outputs": outputs,
        "messages": reply(state, "propose_anchor", lines),
    }
    return Command(goto="listen", update=update)


def show_swatch(anchor: StyleAnchor, ctx: Context, config: RunnableConfig) -> Path:
    """Render the anchor's swatch into the thread's folder and show it."""
    name = f"swatch-{hashlib.sha256(anchor.model_dump_json().encode()).hexdigest()[:12]}.png"
    path = render_swatch(anchor, thread_dir(ctx, config) / name)
    ui("image", path=str(path.resolve()), name="Style palette")
    return path


def describe(anchor: StyleAnchor) -> str:
    """Return the anchor as the few lines a person judges it by."""
    return str(_copy()["anchor"]["body"]).format(
        words=", ".join(anchor.words),
        palette=" ".join(anchor.palette),
        lighting=anchor.lighting,
        voice=anchor.voice.name,
        music=f"{anchor.music.mood}, {anchor.music.key}, {anchor.music.tempo_bpm:g} bpm",
    )


def lock_anchor(state: ChatState, runtime: Runtime[Context]) -> Command[Step]:
    """Store the proposed anchor as a new version in memory and move on to the script."""
    c = _copy()["anchor"]
    brief, anchor = state.get("brief"), state.get("anchor")
    if brief is None:
        lines = [c["need_brief"], next_step(state)]
        return Command(goto="listen", update={"messages": reply(state, "lock_anchor", lines)})
    if anchor is None:
        return Command(goto="propose_anchor", update={"messages": reply(state, "lock_anchor", [])})
    if state.get("anchor_locked"):
        lines = [c["already_locked"].format(version=anchor.version)]
        goto: Step = "listen" if state.get("script") else "write_script"
        if goto == "listen":
            lines.append(next_step(state))
        return Command(goto=goto, update={"messages": reply(state, "lock_anchor", lines)})
    memory, project = runtime.context.memory, state.get("project") or project_id(brief.title)
    latest = memory.latest(project)
    if latest is not None and latest.model_copy(update={"version": 1}) == anchor.model_copy(
        update={"version": 1}
    ):
        stored = latest
    else:
        stored = memory.save(
            project, anchor, reason="locked in chat", diff={"tweaks": state.get("tweaks") or []}
        )
    lines = [c["locked"].format(version=stored.version, title=brief.title)]
    update = {
        "anchor": stored,
        "anchor_locked": True,
        "project": project,
        "script": None,
        "messages": reply(state, "lock_anchor", lines),
    }
    return Command(goto="write_script", update=update)


def recall_anchor(state: ChatState, runtime: Runtime[Context]) -> Command[Step]:
    """Find an earlier look by meaning and start the proposal from it."""
    c = _copy()["anchor"]
    call = pending_call(state, "recall_anchor")
    args = parse_args("recall_anchor", call["args"] if call else {"query": ""})
    assert isinstance(args, RecallAnchor)
    own = state.get("project")
    hits = [h for h in runtime.context.memory.search(args.query, k=4) if h[0] != own]
    if not hits:
        lines = [c["recall_none"].format(query=args.query), next_step(state)]
        return Command(goto="listen", update={"messages": reply(state, "recall_anchor", lines)})
    project, anchor, _distance = hits[0]
    lines = [
        c["recalled"].format(project=project, version=anchor.version, words=", ".join(anchor.words))
    ]
    update: dict[str, Any] = {"anchor_base": anchor, "tweaks": []}
    if state.get("brief") is not None and state.get("phase") in ("interview", "anchor", "script"):
        return Command(
            goto="propose_anchor",
            update={**update, "messages": reply(state, "recall_anchor", lines)},
        )
    lines.append(next_step(state))
    return Command(
        goto="listen", update={**update, "messages": reply(state, "recall_anchor", lines)}
    )


def use_reference(state: ChatState, runtime: Runtime[Context]) -> Command[Step]:
    """Take palette and mood from a reference image; refuse non-images and huge ones in words."""
    problems = _copy()["problems"]
    c = _copy()["anchor"]
    for raw in state.get("attachments") or []:
        path = Path(raw)
        try:
            look = read_reference(path)
        except ReferenceRejected as exc:
            text = problems.get(exc.reason, problems["not_image"]).format(
                name=exc.name, mp=exc.megapixels, limit=f"{MAX_MEGAPIXELS:g}"
            )
            ui("error", text=text)
            return Command(
                goto="listen", update={"attachments": [], "messages": [AIMessage(content=text)]}
            )
        brief = state.get("brief")
        base = derive_anchor(brief) if brief is not None else None
        words = ", ".join(look.words)
        if base is None:
            draft = {**(state.get("draft") or {}), "style_palette": look.palette[:6]}
            words_list = list(dict.fromkeys([*draft.get("style_words", []), *look.words]))
            draft["style_words"] = words_list[:6]
            pending = c["reference_pending"].format(name=path.name, palette=" ".join(look.palette))
            text = f"{pending}\n\n{next_step(state)}"
            ui("text", text=text)
            return Command(
                goto="listen",
                update={"draft": draft, "attachments": [], "messages": [AIMessage(content=text)]},
            )
        palette = look.palette if len(look.palette) >= 3 else base.palette
        new_words = list(dict.fromkeys([*look.words, *base.words]))[:6]
        anchor = base.model_copy(update={"palette": palette[:6], "words": new_words})
        text = c["reference"].format(name=path.name, words=words)
        ui("text", text=text)
        update = {
            "anchor_base": anchor,
            "tweaks": [],
            "attachments": [],
            "messages": [AIMessage(content=text)],
        }
        return Command(goto="propose_anchor", update=update)
    return Command(goto="listen", update={"attachments": []})
