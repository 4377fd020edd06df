"""Conversation nodes of the style anchor: propose it, lock it, recall one, take a reference.

A proposal is the brief's derived anchor (or a recalled or reference look) with the named tweaks
and the stated voice applied; locking stores it as a new version in memory, so every later
prompt and render reads the same look.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, cast, get_args

from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.types import Command
from pydantic import TypeAdapter

from agent.brain.fill import fill
from agent.brain.forms import AnchorWords, TweakName
from agent.brain.tasks import anchor_words_task
from agent.chat import interview
from agent.chat.io import last_said, next_step, remember, reply, routed_here, thread_dir, ui
from agent.chat.state import ChatState
from agent.context import Context
from agent.offline.phrasing.fields import find_voice, normal_voice, vocab, voice_gender
from agent.offline.rules import tweak_names
from agent.production.naming import project_id
from tools.anchor.derive import derive_anchor
from tools.anchor.reference import MAX_MEGAPIXELS, ReferenceRejected, read_reference
from tools.anchor.tweaks import Gender, Tweak, VoiceChoice, apply_tweaks
from tools.common.sheets import render_swatch
from tools.handoffs import Brief, MusicOp, RevisionOp, StyleAnchor
from tools.revision.anchor_ops import anchor_after, look_ops
from tools.revision.rules import rule_plan

Step = Literal["listen", "propose_anchor", "write_script"]
# A look operation kept among the proposal's tweaks: this prefix, then the operation's JSON.
LOOK_OP = "op:"
_OP: TypeAdapter[RevisionOp] = TypeAdapter(RevisionOp)


def _copy() -> dict[str, Any]:
    return interview.copy()


def tweak_specs(names: list[str]) -> list[Tweak]:
    """Return the tweaks named (vocabulary in prompts/phrases.yaml), unknown names skipped."""
    table = vocab()["tweaks"]
    out: list[Tweak] = []
    for name in names:
        if name.startswith(LOOK_OP):
            continue  # an operation, applied by ``proposal`` after the tweaks
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


def anchor_words(text: str) -> AnchorWords:
    """Return the look change the rules read in a message (the built-in answer of the form).

    A message about the music alone ("calmer music") changes the music's mood, not the look:
    "calmer" would otherwise read as a softer look.
    """
    ops = rule_plan(text).ops
    if ops and all(op.kind in ("music", "music_level") for op in ops):
        moods = [op.mood for op in ops if isinstance(op, MusicOp) and op.mood]
        return AnchorWords(mood=moods[0] if moods else None)
    known = set(get_args(TweakName))
    voice = find_voice(text)
    return AnchorWords(
        adjust=[t for t in tweak_names(text, voice=False) if t in known][:3],
        voice=voice[0] if voice is not None else None,
    )


async def propose_anchor(
    state: ChatState, runtime: Runtime[Context], config: RunnableConfig
) -> Command[Literal["listen"]]:
    """Propose the style anchor (with the tweaks asked for) and show its palette swatch."""
    c = _copy()["anchor"]
    brief = state.get("brief")
    if brief is None:
        lines = [c["need_brief"], next_step(state)]
        return Command(goto="listen", update={"messages": reply(lines)})
    words, note = AnchorWords(), ""
    ops: list[RevisionOp] = []
    if routed_here(state, "propose_anchor"):
        text = last_said(state)
        filled = await fill(
            runtime.context.model,
            anchor_words_task(),
            [HumanMessage(content=text)],
            lambda: anchor_words(text),
        )
        words, ops = look_change(text, filled.value, filled.source != "builtin")
        note = filled.note or ""
        if not (words.adjust or words.style_words or words.voice or words.lighting or words.mood
                or ops):
            lines = [note, c["no_change"], c["ask"]]
            return Command(goto="listen", update={"messages": reply(lines)})
    update = proposal(state, brief, words, ops)
    swatch = show_swatch(update["anchor"], runtime.context, config)
    heard = update.pop("heard")
    lines = [note, heard, c["intro"], describe(update["anchor"]), c["ask"]]
    outputs = {**(state.get("outputs") or {}), "swatch": str(swatch)}
    if words != AnchorWords():
        update["history"] = remember(state)
    update.update(phase="anchor", outputs=outputs, messages=reply(lines))
    return Command(goto="listen", update=update)


def look_change(
    text: str, words: AnchorWords, from_model: bool
) -> tuple[AnchorWords, list[RevisionOp]]:
    """Return the look words to apply and the operations the rules read beside them.

    What the tweaks do not name ("make the palette greener", "faster music") is read as the
    revision planner reads it of a cut; then those words stand over a model's tweaks (the 1.5B
    model answered "greener" with "warmer").
    """
    if tweak_names(text, voice=False):
        return words, []
    ops = look_ops(text)
    if ops and from_model:
        words = words.model_copy(update={"adjust": []})
    return words, ops


def proposal(
    state: ChatState, brief: Brief, words: AnchorWords, ops: Sequence[RevisionOp] = ()
) -> dict[str, Any]:
    """Return the proposed anchor with every tweak so far and these words, as a state update.

    The stated voice wins over any voice tweak named before it: it is applied last. ``heard``
    says the new voice back when there is one. Look operations (``ops``) are kept among the
    tweaks as ``LOOK_OP`` + their JSON and applied, in order, after the named tweaks.
    """
    wanted = [t.name for t in tweak_specs([*words.adjust, *words.style_words])]
    tweaks = [*(state.get("tweaks") or []), *wanted,
              *(LOOK_OP + _OP.dump_json(op).decode() for op in ops)]
    draft = dict(state.get("draft") or {})
    said = words.voice or next(
        (t.voice.gender for t in tweak_specs(wanted) if t.voice and t.voice.gender), None
    )
    heard = ""
    if said and normal_voice(said) != draft.get("voice"):
        draft["voice"] = normal_voice(said)
        heard = interview.understood(draft, ["voice"])
    specs = tweak_specs(tweaks)
    if draft.get("voice"):
        specs.append(Tweak(name="voice", voice=voice_choice(str(draft["voice"]))))
    anchor = apply_tweaks(_base_anchor(state, brief), specs)
    for kept in tweaks:
        if kept.startswith(LOOK_OP):
            anchor = anchor_after(anchor, _OP.validate_json(kept[len(LOOK_OP):])) or anchor
    extra = [w.lower() for w in words.style_words if w.lower() not in anchor.words]
    changes: dict[str, Any] = {"words": [*extra, *anchor.words][:6]}
    if words.lighting:
        changes["lighting"] = words.lighting
    if words.mood:
        changes["music"] = anchor.music.model_copy(update={"mood": words.mood})
    anchor = anchor.model_copy(update=changes)
    return {
        "anchor": anchor,
        "anchor_locked": False,
        "tweaks": tweaks,
        "draft": draft,
        "heard": heard,
    }


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
        return Command(
            goto="listen", update={"messages": reply([c["need_brief"], next_step(state)])}
        )
    if anchor is None:
        return Command(goto="propose_anchor")
    if state.get("anchor_locked"):
        lines = [c["already_locked"].format(version=anchor.version)]
        goto: Step = "listen" if state.get("script") else "write_script"
        if goto == "listen":
            lines.append(next_step(state))
        return Command(goto=goto, update={"messages": reply(lines)})
    update = lock(state, runtime.context, brief, anchor)
    stored = update["anchor"]
    lines = [c["locked"].format(version=stored.version, title=brief.title)]
    update.update(history=remember(state), messages=reply(lines))
    return Command(goto="write_script", update=update)


def lock(state: ChatState, ctx: Context, brief: Brief, anchor: StyleAnchor) -> dict[str, Any]:
    """Save the anchor as the project's next version (or reuse an equal latest one)."""
    memory, project = ctx.memory, state.get("project") or project_id(brief.title)
    latest = memory.latest(project)
    if latest is not None and latest.model_copy(update={"version": 1}) == anchor.model_copy(
        update={"version": 1}
    ):
        stored = latest
    else:
        stored = memory.save(
            project, anchor, reason="locked in chat", diff={"tweaks": state.get("tweaks") or []}
        )
    return {"anchor": stored, "anchor_locked": True, "project": project, "script": None}


def recall_anchor(state: ChatState, runtime: Runtime[Context]) -> Command[Step]:
    """Find an earlier look by meaning and start the proposal from it."""
    c = _copy()["anchor"]
    query = last_said(state)
    own = state.get("project")
    hits = [h for h in runtime.context.memory.search(query, k=4) if h[0] != own]
    if not hits:
        lines = [c["recall_none"].format(query=query), next_step(state)]
        return Command(goto="listen", update={"messages": reply(lines)})
    project, anchor, _distance = hits[0]
    lines = [
        c["recalled"].format(project=project, version=anchor.version, words=", ".join(anchor.words))
    ]
    update: dict[str, Any] = {"anchor_base": anchor, "tweaks": [], "history": remember(state)}
    if state.get("brief") is not None and state.get("phase") in ("interview", "anchor", "script"):
        return Command(goto="propose_anchor", update={**update, "messages": reply(lines)})
    lines.append(next_step(state))
    return Command(goto="listen", update={**update, "messages": reply(lines)})


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
