"""Conversation nodes from the script on: write and edit it, produce and publish.

Production runs the production graph as a subgraph (same checkpointer, this thread), so its
stage events stream to the front end and a crash resumes where it stopped; the stage cache
makes every unchanged stage instant on a re-run. A change request (``chat_revision``) comes
back here for a new take.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any, Literal

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.actions import EditScene, parse_args
from agent.chat import interview
from agent.chat.io import next_step, pending_call, reply, thread_dir, ui
from agent.chat.state import ChatState
from agent.context import Context
from agent.models import structured
from agent.production.graph import build_production_graph
from tools.common.errors import ProducerError
from tools.common.sheets import render_contact_sheet
from tools.handoffs import PublishManifest, QAReport, Script
from tools.publish.outbox import publish as publish_files
from tools.script.write import write_script as write_script_tool

Next = Literal["listen", "propose_anchor", "write_script", "run_production", "produce"]
PRODUCTION = build_production_graph()  # compiled once; runs as a subgraph with our checkpointer


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


def _show_script(script: Script) -> list[str]:
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
        return Command(goto="listen", update={"messages": reply(state, "write_script", lines)})
    if anchor is None or not state.get("anchor_locked"):
        lines = [c["anchor"]["need_lock"]]
        goto: Next = "listen" if anchor is not None else "propose_anchor"
        return Command(goto=goto, update={"messages": reply(state, "write_script", lines)})
    try:
        script = write_script_tool(brief, anchor, runtime.context.model, structured=structured)
    except ProducerError as exc:
        lines = [c["script"]["failed"].format(error=exc)]
        return Command(goto="listen", update={"messages": reply(state, "write_script", lines)})
    old = state.get("script")
    if old is not None:
        script = script.model_copy(update={"version": old.version + 1})
    lines = _show_script(script)
    update = {"script": script, "phase": "script", "messages": reply(state, "write_script", lines)}
    return Command(goto="listen", update=update)


def edit_scene(state: ChatState) -> Command[Next]:
    """Change one line of one scene and show the script again."""
    c = _copy()["script"]
    script = state.get("script")
    call = pending_call(state, "edit_scene")
    args = parse_args("edit_scene", call["args"] if call else {"scene": 0, "text": ""})
    assert isinstance(args, EditScene)
    if script is None:
        lines = [c["none"], next_step(state)]
        return Command(goto="listen", update={"messages": reply(state, "edit_scene", lines)})
    if not 1 <= args.scene <= len(script.scenes) or not args.text.strip():
        lines = [c["bad_scene"].format(scene=args.scene, count=len(script.scenes))]
        return Command(goto="listen", update={"messages": reply(state, "edit_scene", lines)})
    scene = script.scenes[args.scene - 1]
    text = " ".join(args.text.split())
    changes: dict[str, Any] = {args.field: text}
    if args.field == "narration":
        changes["captions"] = {**scene.captions, script.language: text}
    scenes = list(script.scenes)
    scenes[args.scene - 1] = scene.model_copy(update=changes)
    edited = script.model_copy(update={"scenes": scenes, "version": script.version + 1})
    ui("text", text=c["edited"].format(scene=args.scene, field=args.field.replace("_", " ")))
    lines = _show_script(edited)
    phase = "script" if state.get("phase") in ("script", None) else state.get("phase")
    update = {"script": edited, "phase": phase, "messages": reply(state, "edit_scene", lines)}
    return Command(goto="listen", update=update)


def produce(state: ChatState) -> Command[Next]:
    """Start production once brief, locked anchor and script are there; otherwise get them."""
    c = _copy()
    if state.get("brief") is None:
        lines = [c["anchor"]["need_brief"], next_step(state)]
        return Command(goto="listen", update={"messages": reply(state, "produce", lines)})
    if state.get("anchor") is None:
        return Command(goto="propose_anchor", update={"messages": reply(state, "produce", [])})
    if not state.get("anchor_locked"):
        lines = [c["anchor"]["need_lock"]]
        return Command(goto="listen", update={"messages": reply(state, "produce", lines)})
    if state.get("script") is None:
        lines = [c["produce"]["need_script"]]
        return Command(goto="write_script", update={"messages": reply(state, "produce", lines)})
    brief = state["brief"]
    assert brief is not None
    start = c["produce"]["start"].format(
        title=brief.title, seconds=brief.duration_s, platforms=", ".join(brief.platforms)
    )
    return Command(goto="run_production", update={"messages": reply(state, "produce", [start])})


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
    final: dict[str, Any] = {}
    shown: set[str] = set()
    try:
        async for mode, chunk in PRODUCTION.astream(
            start, context=ctx, stream_mode=["updates", "values"]
        ):
            if mode == "values" and isinstance(chunk, dict):
                final = dict(chunk)
            elif isinstance(chunk, dict):
                for update in chunk.values():
                    if isinstance(update, dict) and update.get("keyvisuals") is not None:
                        await _show_sheet(update["keyvisuals"], ctx, config, shown)
    except ProducerError as exc:
        text = _copy()["produce"]["failed"].format(error=exc)
        ui("error", text=text)
        return Command(goto="listen", update={"messages": reply(state, "run_production", [text])})
    return Command(goto="listen", update=_cut_update(state, final, take, preview))


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
    lines = [c["done"].format(take=take), qa_summary(qa), c["ask"]]
    outputs = {**(state.get("outputs") or {}), "video": str(video), "preview_dir": str(preview)}
    return {
        "phase": "cut",
        "takes": take,
        "keyvisuals": final.get("keyvisuals"),
        "edit": final["edit"],
        "qa": qa,
        "script": final.get("script", state.get("script")),
        "outputs": outputs,
        "messages": reply(state, "run_production", lines),
    }


def qa_summary(qa: QAReport) -> str:
    """Say the critic's verdict in plain words."""
    c = _copy()["qa"]
    failed = [x for x in qa.checks if not x.passed]
    if not failed:
        return str(c["passed"]).format(total=len(qa.checks))
    items = "; ".join(
        c["item"].format(
            name=x.name.replace("_", " "),
            variant=x.variant or "all",
            value=x.value,
            threshold=x.threshold,
        )
        for x in failed[:3]
    )
    summary = str(c["failed"]).format(
        passed=len(qa.checks) - len(failed), total=len(qa.checks), items=items
    )
    if qa.still_off:  # the critic's own plain words, after its fix rounds
        summary += "\n" + str(c["still_off"]).format(items="; ".join(qa.still_off[:3]))
    return summary


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
        lines = [c["none"].format(next=next_step(state))]
        return Command(goto="listen", update={"messages": reply(state, "publish", lines)})
    version = int(state.get("takes") or 1)
    out = (
        runtime.context.data_dir
        / "published"
        / thread_dir(runtime.context, config).name
        / f"v{version}"
    )
    preview = Path(str((state.get("outputs") or {}).get("preview_dir", "")))
    try:
        manifest = _publish_take(preview, out) if preview.is_dir() else publish_files(
            brief, anchor.version, edit, qa, out, version=version
        )
    except (ProducerError, OSError, ValueError) as exc:
        lines = [c["failed"].format(error=exc)]
        return Command(goto="listen", update={"messages": reply(state, "publish", lines)})
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
    messages = reply(state, "publish", lines)
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
