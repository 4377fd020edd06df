"""Run a revision's production line with a preview first, stoppable when a newer request comes.

The line pauses before the edit: the first platform's cut is rendered small (the same plan,
the same encoded mix) and announced as ``PreviewReady`` the moment its file is complete, then
the line goes on to the full-size variants, QA and publish. A ``CancelToken`` stops the run
between stages and inside the edit between segments (its ffmpeg processes killed); the run then
raises ``RenderCancelled`` before publish, so nothing of it is published, and what it finished
stays in the content-addressed caches for the next revision.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.context import Context
from agent.production.events import PreviewReady, ProductionEvent, parse_event
from tools.common.atomic import write_atomically
from tools.edit.cancel import CancelToken, RenderCancelled, cancellable
from tools.edit.segments import settle_ahead

Event = Callable[[ProductionEvent], None]
EDIT_NODE = "edit_cut"
PREVIEW_DIR = ".preview"  # hidden: never part of the published cut or of a kept version


def preview_path(out_dir: Path, version: int) -> Path:
    """Return where a revision's preview is written in the production's folder."""
    return Path(out_dir) / PREVIEW_DIR / f"v{version}.mp4"


def render_preview(values: dict[str, Any], ctx: Context, target: Path) -> Path:
    """Render the preview of the state about to be cut and copy it, complete, to ``target``."""
    from tools.edit.cut import preview_cut

    brief, options = values["brief"], values.get("edit_options")
    key = hashlib.sha256(f"{target}:{uuid.uuid4().hex}".encode()).hexdigest()[:16]
    work = ctx.store.fresh_dir("edit", f"preview-{key}")  # beside the runs: shares their cache
    try:
        video = preview_cut(brief, values["script"], values["audio"], values["motion"],
                            values["keyvisuals"], values["anchor"], work, scale=ctx.scale,
                            options=options, ahead=ctx.fanout is None)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, lambda tmp: shutil.copyfile(video, tmp))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def run_with_preview(
    graph: Any,
    payload: dict[str, Any],
    config: Any,
    ctx: Context,
    preview_to: Path | None,
    on_event: Event | None,
    cancel: CancelToken | None,
) -> dict[str, Any]:
    """Run the graph, pausing before the first edit to render the preview; return its state.

    Raises RenderCancelled when ``cancel`` fires: the run stops before anything is published.
    """
    pending: Any = payload
    previewed = preview_to is None
    with cancellable(cancel):
        while True:
            for mode, chunk in graph.stream(pending, config, context=ctx,
                                            stream_mode=["custom", "updates"],
                                            interrupt_before=[EDIT_NODE]):
                if cancel is not None:
                    cancel.check()  # between stages
                event = parse_event(chunk) if mode == "custom" else None
                if event is not None and on_event is not None:
                    on_event(event)
            snapshot = graph.get_state(config)
            if not snapshot.next:
                return dict(snapshot.values)
            if cancel is not None:
                cancel.check()
            if not previewed and preview_to is not None and EDIT_NODE in snapshot.next:
                path = render_preview(dict(snapshot.values), ctx, preview_to)
                previewed = True
                if on_event is not None:
                    platform = str(snapshot.values["brief"].platforms[0])
                    on_event(PreviewReady(path=str(path), platform=platform))
            pending = None  # resume where the line paused


@dataclass
class LineRun:
    """What a revision's run left: the graph's final state (None: superseded) and the preview."""

    values: dict[str, Any] | None
    preview: str | None = None


def run_line(
    data_dir: Path,
    thread_id: str,
    ctx: Context,
    payload: dict[str, Any],
    on_event: Event | None,
    cancel: CancelToken | None = None,
    preview_to: Path | None = None,
) -> LineRun:
    """Run the production graph on a fresh thread, passing its stage events on."""
    from agent.engines import configured_database_url, production_saver
    from agent.production.graph import build_production_graph, serializer

    saver = production_saver(data_dir, configured_database_url(), serializer())
    graph = build_production_graph(saver)
    shown: list[str] = []

    def events(ev: ProductionEvent) -> None:
        if isinstance(ev, PreviewReady):
            shown.append(ev.path)
        if on_event is not None:
            on_event(ev)

    config: Any = {"configurable": {"thread_id": thread_id}}
    try:
        values = run_with_preview(graph, payload, config, ctx, preview_to, events, cancel)
    except RenderCancelled:
        settle_ahead(cancel)
        return LineRun(None, shown[0] if shown else None)
    finally:
        saver.conn.close()  # one connection per revision run; a server's are counted
    return LineRun(values, shown[0] if shown else None)


__all__ = ["CancelToken", "LineRun", "RenderCancelled", "preview_path", "run_line"]
