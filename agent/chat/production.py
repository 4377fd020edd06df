"""Conversation nodes from the script on: write and edit it, produce and publish.

Production runs the production graph as a subgraph (same checkpointer, this thread), so its
stage events stream to the front end and a crash resumes where it stopped; the stage cache
makes every unchanged stage instant on a re-run. A change request (``chat_revision``) comes
back here for a new take.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import re
import shutil
from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path
from typing import Any, Literal, cast

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.brain.script import written
from agent.chat import interview
from agent.chat.io import last_said, next_step, remember, reply, thread_dir, ui
from agent.chat.render_pool import pooled
from agent.chat.state import ChatState
from agent.chat.supersede import render_token, superseded
from agent.context import Context
from agent.offline.rules import LAST_SCENE, scene_edit
from agent.production.state import ProductionState
from tools.common.errors import ProducerError
from tools.common.sheets import render_contact_sheet
from tools.edit.cancel import CancelToken, RenderCancelled, cancellable
from tools.handoffs import PublishManifest, QAReport, Script
from tools.publish.outbox import publish as publish_files

Next = Literal[
    "listen", "propose_anchor", "write_script", "run_production", "produce", "publish",
    "skip_ahead", "confirm_cost",
]


@functools.cache
def production_subgraph() -> CompiledStateGraph[
    ProductionState, Context, ProductionState, ProductionState
]:
    """Compile the production graph once, on first use; it runs with this graph's checkpointer.

    Imported here, not at the top: the production nodes bring the key-visual, music and QA
    stacks, which a chat's first turns (the interview) never need.
    """
    from agent.production.graph import build_production_graph

    return build_production_graph()


def _copy() -> dict[str, Any]:
    return interview.copy()


def scene_rows(script: Script) -> list[dict[str, str]]:
    """Return the script as table rows a front end shows."""
    rows, start = [], 0.0
    for scene in script.scenes:
        end = start + scene.duration_s
        rows.append(
            {
                "scene": str(scene.index + 1),
                "time": f"{start:.1f}–{end:.1f} s",
                "narration": scene.narration,
                "on screen": scene.on_screen_text,
                "visual": scene.visual.split(";")[0],
                "camera": scene.motion.replace("_", " "),
            }
        )
        start = end
    return rows


def show_script(script: Script) -> list[str]:
    """Show the script as a scene table; return the line that asks for approval."""
    c = _copy()["script"]
    ui("text", text=c["intro"].format(scenes=len(script.scenes), seconds=script.duration_s))
    ui("table", rows=scene_rows(script), text="Script")
    return [c["ask"]]


def write_script(state: ChatState, runtime: Runtime[Context]) -> Command[Next]:
    """Write the script from the brief and the locked anchor, and show it as a scene table."""
    c = _copy()
    brief, anchor = state.get("brief"), state.get("anchor")
    if brief is None:
        lines = [c["anchor"]["need_brief"], next_step(state)]
        return Command(goto="listen", update={"messages": reply(lines), "auto": False})
    if anchor is None or not state.get("anchor_locked"):
        goto: Next = "listen" if anchor is not None else "propose_anchor"
        return Command(goto=goto, update={"messages": reply([c["anchor"]["need_lock"]])})
    try:
        script, note = written(brief, anchor, runtime.context.model)
    except ProducerError as exc:
        lines = [c["script"]["failed"].format(error=exc)]
        return Command(goto="listen", update={"messages": reply(lines), "auto": False})
    old = state.get("script")
    if old is not None:
        script = script.model_copy(update={"version": old.version + 1})
    if note:
        ui("text", text=note)
    lines = show_script(script)
    auto = bool(state.get("auto"))
    update = {"script": script, "phase": "script", "messages": reply([] if auto else lines)}
    return Command(goto="produce" if auto else "listen", update=update)


def edit_scene(state: ChatState) -> Command[Next]:
    """Change one line of one scene as the person wrote it; after a cut, re-cut the video."""
    c = _copy()["script"]
    script = state.get("script")
    args = scene_edit(last_said(state)) or {"scene": 0, "field": "narration", "text": ""}
    if script is None:
        return Command(goto="listen", update={"messages": reply([c["none"], next_step(state)])})
    number, field = int(args["scene"]), str(args["field"])
    number = len(script.scenes) if number == LAST_SCENE else number
    if not 1 <= number <= len(script.scenes) or not str(args["text"]).strip():
        lines = [c["bad_scene"].format(scene=number, count=len(script.scenes))]
        return Command(goto="listen", update={"messages": reply(lines)})
    scene = script.scenes[number - 1]
    text = " ".join(str(args["text"]).split())
    changes: dict[str, Any] = {field: text}
    if field == "narration":
        changes["captions"] = {**scene.captions, script.language: text}
    scenes = list(script.scenes)
    scenes[number - 1] = scene.model_copy(update=changes)
    edited = script.model_copy(update={"scenes": scenes, "version": script.version + 1})
    done = c["edited"].format(scene=number, field=field.replace("_", " "))
    update: dict[str, Any] = {"script": edited, "history": remember(state)}
    if state.get("phase") in ("cut", "published"):
        revisions = [*(state.get("revisions") or []), last_said(state)]
        lines = [done, _copy()["revision"]["rerun"]]
        update.update(revisions=revisions, messages=reply(lines))
        return Command(goto="run_production", update=update)
    ui("text", text=done)
    update.update(phase="script", messages=reply(show_script(edited)))
    return Command(goto="listen", update=update)


def produce(state: ChatState) -> Command[Next]:
    """Start production once brief, locked anchor and script are there; otherwise get them."""
    c = _copy()
    if state.get("brief") is None:
        lines = [c["anchor"]["need_brief"], next_step(state)]
        return Command(goto="listen", update={"messages": reply(lines)})
    if state.get("anchor") is None:
        return Command(goto="propose_anchor", update={"messages": []})
    if not state.get("anchor_locked"):
        lines = [c["anchor"]["need_lock"]]
        return Command(goto="listen", update={"messages": reply(lines)})
    if state.get("script") is None:
        lines = [c["produce"]["need_script"]]
        return Command(goto="write_script", update={"messages": reply(lines)})
    brief = state["brief"]
    assert brief is not None
    start = c["produce"]["start"].format(
        title=brief.title, seconds=brief.duration_s, platforms=", ".join(brief.platforms)
    )
    from agent.chat.cost import ask_line, estimate_line

    cost, why = estimate_line(brief, state["script"])  # said before anything is spent
    if why:  # above PRODUCER_MAX_COST: the person's yes first (agent.chat.cost)
        update = {"messages": reply([cost, ask_line(why)]), "history": remember(state)}
        return Command(goto="confirm_cost", update=update)
    update = {"messages": reply([start, cost]), "history": remember(state)}
    return Command(goto="run_production", update=update)


async def run_production(
    state: ChatState, runtime: Runtime[Context], config: RunnableConfig
) -> Command[Next]:
    """Run the production line; show the key frames when ready, then the cut and its QA."""
    ctx = runtime.context
    take = int(state.get("takes") or 0) + 1
    preview = thread_dir(ctx, config, "takes", f"take-{take}")
    start: Any = {
        "brief": state["brief"],
        "project": state.get("project"),
        "anchor": state["anchor"],
        "script": state["script"],
        "out_dir": str(preview),
        "qa_round": 0,
        "fixes": {},
        "run_log": [],
        # Every script here was read and approved in chat: a QA fix never writes over it.
        "script_locked": True,
        "version": take,
    }
    if state.get("edit_options") is not None:
        start["edit_options"] = state["edit_options"]
    token = render_token(config)
    try:
        with cancellable(token):  # node threads copy the context: the cut sees the token
            if token is not None:
                token.check()  # superseded before its render began
            final = await _stream_line(start, take, preview, ctx, config, token)
    except RenderCancelled:  # a newer change request: keep nothing of this take
        return Command(goto="listen", update=superseded(state, preview))
    except ProducerError as exc:
        text = _copy()["produce"]["failed"].format(error=exc)
        ui("error", text=text)
        return Command(goto="listen", update={"messages": [AIMessage(content=text)], "auto": False})
    update = _cut_update(state, final, take, preview)
    if state.get("auto"):  # a skip-ahead: the person asked for the published video
        return Command(goto="publish", update={**update, "auto": False})
    return Command(goto="listen", update=update)


async def _stream_line(
    start: Any, take: int, preview: Path, ctx: Context, config: RunnableConfig,
    token: CancelToken | None,
) -> dict[str, Any]:
    """Stream the production subgraph; show key frames and a re-cut's preview; return its state.

    Raises RenderCancelled between stages once ``token`` fires; the stream is closed then, so
    its render slot is free at once for the request that superseded it.
    """
    final: dict[str, Any] = {}
    shown: set[str] = set()
    previewed = take == 1  # only a new take's cut is previewed
    # Renders queue through the process's bounded pool: many chats, few cores.
    who = str(config.get("configurable", {}).get("thread_id", ""))
    stream = cast(AsyncGenerator[Any, None], pooled(ctx.render_workers, who,
        production_subgraph().astream(start, context=ctx, stream_mode=["updates", "values"])))
    async with aclosing(stream):
        async for mode, chunk in stream:
            if token is not None:
                token.check()
            if mode == "values" and isinstance(chunk, dict):
                final = dict(chunk)
                if "motion" in final and "edit" not in final and not previewed:
                    previewed = True  # a new take's preview plays before the full cut
                    await _show_preview(final, ctx, preview)
            elif isinstance(chunk, dict):
                for update in chunk.values():
                    if isinstance(update, dict) and update.get("keyvisuals") is not None:
                        await _show_sheet(update["keyvisuals"], ctx, config, shown)
    return final


async def _show_preview(values: dict[str, Any], ctx: Context, folder: Path) -> None:
    """Render the first platform's cut small (agent.production.rerun) and show it inline."""
    from agent.production.rerun import render_preview

    target = folder.parent / f"{folder.name}-preview.mp4"  # beside the take, never inside it
    try:
        path = await asyncio.to_thread(render_preview, values, ctx, target)
    except RenderCancelled:
        raise
    except ProducerError:  # the full cut follows anyway; a preview is only a head start
        return
    ui("video", path=str(path.resolve()), name=_copy()["produce"]["preview"])


async def _show_sheet(
    keyvisuals: Any, ctx: Context, config: RunnableConfig, shown: set[str]
) -> None:
    digest = hashlib.sha256(keyvisuals.model_dump_json().encode()).hexdigest()[:12]
    if digest in shown:  # a QA round that reuses the frames shows nothing new
        return
    shown.add(digest)
    path = thread_dir(ctx, config) / f"keyframes-{digest}.png"
    if not path.exists():
        await asyncio.to_thread(render_contact_sheet, keyvisuals, path)
    ui("image", path=str(path.resolve()), name=_copy()["produce"]["sheet"])


def _cut_update(
    state: ChatState, final: dict[str, Any], take: int, preview: Path
) -> dict[str, Any]:
    c = _copy()["produce"]
    manifest, qa = final["manifest"], final["qa"]
    video = (preview / manifest.variants[0].video).resolve()
    ui("video", path=str(video), name=f"{manifest.title} — take {take}")
    asks = [] if state.get("auto") else [c["ask"]]
    lines = [c["done"].format(take=take), qa_summary(qa), *asks]
    outputs = {**(state.get("outputs") or {}), "video": str(video), "preview_dir": str(preview)}
    return {
        "phase": "cut",
        "takes": take,
        "keyvisuals": final.get("keyvisuals"),
        "edit": final["edit"],
        "qa": qa,
        "script": final.get("script", state.get("script")),
        "outputs": outputs,
        "messages": reply(lines),
    }


def qa_summary(qa: QAReport) -> str:
    """Say the critic's verdict in plain words."""
    c = _copy()["qa"]
    failed = [x for x in qa.checks if not x.passed]
    if not failed:
        return str(c["passed"]).format(total=len(qa.checks)) + _fell_back(qa)
    items = "; ".join(
        c["item"].format(
            name=x.name.replace("_", " "),
            variant=x.variant or "all",
            value=x.value,
            threshold=x.threshold,
        )
        for x in failed[:3]
    )
    if qa.still_off:  # the critic's verdicts in a marketer's words replace its measurements
        items = " ".join(qa.still_off[:3]).rstrip(".")
    return str(c["failed"]).format(
        passed=len(qa.checks) - len(failed), total=len(qa.checks), items=items
    ) + _fell_back(qa)


def _fell_back(qa: QAReport) -> str:
    """Return the report's notes on a provider that failed and what stood in, as sentences."""
    said = [n.rstrip(".") + "." for n in qa.notes if " failed (" in n]
    return "\n" + " ".join(said) if said else ""


def publish(state: ChatState, runtime: Runtime[Context], config: RunnableConfig) -> Command[Next]:
    """Publish the cut into this thread's output folder and list the files."""
    c = _copy()["publish"]
    brief, anchor, edit, qa = (
        state.get("brief"),
        state.get("anchor"),
        state.get("edit"),
        state.get("qa"),
    )
    if brief is None or anchor is None or edit is None or qa is None:
        return Command(goto="skip_ahead")  # nothing cut yet: take the person to the end
    preview = Path(str((state.get("outputs") or {}).get("preview_dir", "")))
    # A take is published under its own number, which its manifest carries: after an undo the
    # cut on screen is an earlier take, not the newest.
    take = re.fullmatch(r"take-(\d+)", preview.name) if preview.is_dir() else None
    version = int(take.group(1)) if take else int(state.get("takes") or 1)
    out = (
        runtime.context.data_dir
        / "published"
        / thread_dir(runtime.context, config).name
        / f"v{version}"
    )
    try:
        manifest = (
            _publish_take(preview, out)
            if preview.is_dir()
            else publish_files(brief, anchor.version, edit, qa, out, version=version)
        )
    except (ProducerError, OSError, ValueError) as exc:
        lines = [c["failed"].format(error=exc)]
        return Command(goto="listen", update={"messages": reply(lines)})
    files: list[tuple[str, str]] = []
    for v in manifest.variants:
        files += [
            (f"{v.platform} video", str((out / v.video).resolve())),
            (f"{v.platform} cover", str((out / v.cover).resolve())),
            (f"{v.platform} captions", str((out / v.captions).resolve())),
        ]
    files += [
        ("manifest", str((out / "manifest.json").resolve())),
        ("QA report", str((out / manifest.qa).resolve())),
    ]
    lines = [c["done"].format(version=version, folder=out.resolve())]
    messages = reply(lines)
    ui("files", files=files, text="")
    outputs = {**(state.get("outputs") or {}), "published_dir": str(out.resolve()), "files": files}
    update = {"phase": "published", "manifest": manifest, "outputs": outputs, "messages": messages}
    return Command(goto="listen", update=update)


def _publish_take(preview: Path, out: Path) -> PublishManifest:
    """Publish a take by copying the folder the line wrote for it, reports and record included.

    The copy goes to a staging folder first and is moved in whole, so ``producer qa`` can judge
    the published folder and a failure leaves nothing half-written.
    """
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(preview, staging)
    if out.exists():
        shutil.rmtree(out)
    os.replace(staging, out)
    return PublishManifest.model_validate_json((out / "manifest.json").read_text(encoding="utf-8"))
