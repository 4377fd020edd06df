"""Conversation nodes of the style anchor: propose it, lock it, recall one, take a reference.

A proposal is the brief's derived anchor (or a recalled or reference look) with the named tweaks
and the stated voice applied; locking stores it as a new version in memory, so every later
prompt and render reads the same look.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal, cast

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.actions import ProposeAnchor, RecallAnchor, parse_args
from agent.chat import interview
from agent.chat.io import next_step, pending_call, reply, thread_dir, ui
from agent.chat.state import ChatState
from agent.context import Context
from agent.offline.phrasing.fields import normal_voice, vocab, voice_gender
from agent.offline.rules import tweak_names
from agent.production.nodes import project_id
from tools.anchor.derive import derive_anchor
from tools.anchor.reference import MAX_MEGAPIXELS, ReferenceRejected, read_reference
from tools.anchor.tweaks import Gender, Tweak, VoiceChoice, apply_tweaks
from tools.common.sheets import render_swatch
from tools.handoffs import Brief, StyleAnchor

Step = Literal["listen", "propose_anchor", "write_script"]


def _copy() -> dict[str, Any]:
    return interview.copy()


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
