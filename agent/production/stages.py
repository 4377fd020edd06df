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

from pydantic import BaseModel

from agent.context import Context
from agent.production.events import StageFinished, StageReused, StageStarted, emit
from agent.production.state import StageRun
from tools.common.assets import content_key
from tools.estimate.runlog import append_run
from tools.handoffs import Stage
from tools.handoffs.stages import version_of

T = TypeVar("T", bound=BaseModel)


def run_stage(
    ctx: Context,
    stage: Stage,
    inputs: list[Any],
    model: type[T],
    render: Callable[[Path], T],
) -> tuple[T, StageRun]:
    """Return the stage's handoff for these inputs, rendering only when none is stored yet."""
    # The table's version is part of the key: a bumped stage never reuses the old tool's output.
    key = content_key(stage, version_of(stage), *inputs)
    started = time.perf_counter()
    found = ctx.store.load(stage, key, model)
    if found is not None:
        emit(StageReused(stage=stage, key=key))
        return found, StageRun(stage=stage, reused=True, seconds=0.0, key=key)
    emit(StageStarted(stage=stage, key=key))
    out_dir = ctx.store.fresh_dir(stage, key)
    handoff = render(out_dir)
    ctx.store.save(stage, key, handoff)
    seconds = round(time.perf_counter() - started, 3)
    emit(StageFinished(stage=stage, key=key, seconds=seconds))
    # The machine's own timings are what the next estimate's expected wall time is read from.
    append_run(ctx.store.root, stage, seconds, ctx.scale, ctx.providers_id)
    return handoff, StageRun(stage=stage, reused=False, seconds=seconds, key=key)
