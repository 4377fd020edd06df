"""Run a stage tool through the content-addressed store, with progress events and a run log line.

Every node goes through ``run_stage``: it hashes the stage's real inputs, returns the finished
handoff if one exists (reuse and resume), otherwise renders into a fresh directory and saves the
handoff last, so an interrupted render is never mistaken for a finished one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from langgraph.config import get_stream_writer
from pydantic import BaseModel

from agent.context import Context
from agent.production.state import StageRun
from tools.common.assets import content_key
from tools.handoffs import Stage

T = TypeVar("T", bound=BaseModel)

# Bump a stage's version when its tool changes output for the same inputs.
STAGE_VERSIONS: dict[str, int] = {
    "anchor": 1,
    "script": 2,  # word budgets per scene
    "keyvisual": 2,  # seeds from scene content, not position
    "voice": 2,  # measured pace mapping, silence trimmed
    "music": 2,  # -2 dBTP ceiling
    "motion": 3,  # camera moves left to the edit
    "edit": 3,  # renders camera moves in its own pass
}


def emit(event: str, stage: Stage, **data: Any) -> None:
    """Send a progress event to whoever streams the graph in ``custom`` mode."""
    try:
        writer = get_stream_writer()
    except RuntimeError:  # called outside a graph run (e.g. a tool test)
        return
    writer({"event": event, "stage": stage, **data})


def run_stage(
    ctx: Context,
    stage: Stage,
    inputs: list[Any],
    model: type[T],
    render: Callable[[Path], T],
) -> tuple[T, StageRun]:
    """Return the stage's handoff for these inputs, rendering only when none is stored yet."""
    key = content_key(stage, STAGE_VERSIONS.get(stage, 1), *inputs)
    started = time.perf_counter()
    found = ctx.store.load(stage, key, model)
    if found is not None:
        emit("stage_reused", stage, key=key)
        return found, StageRun(stage=stage, reused=True, seconds=0.0, key=key)
    emit("stage_started", stage, key=key)
    out_dir = ctx.store.fresh_dir(stage, key)
    handoff = render(out_dir)
    ctx.store.save(stage, key, handoff)
    seconds = round(time.perf_counter() - started, 3)
    emit("stage_finished", stage, key=key, seconds=seconds)
    return handoff, StageRun(stage=stage, reused=False, seconds=seconds, key=key)
