"""The producer's state: the handoffs of every stage plus the bookkeeping that routes them."""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from pydantic import BaseModel

from tools.common.timing import KeptTiming
from tools.handoffs import (
    AudioPlan,
    Brief,
    EditOptions,
    EditResult,
    KeyVisuals,
    MotionSet,
    Narration,
    PublishManifest,
    QAReport,
    Script,
    Stage,
    StyleAnchor,
)


class StageRun(BaseModel):
    """One line of the run log: which stage ran, whether it was reused, and how long it took."""

    stage: Stage
    reused: bool
    seconds: float
    key: str = ""


class ProductionState(TypedDict, total=False):
    brief: Brief
    project: str
    anchor: StyleAnchor
    script: Script
    keyvisuals: KeyVisuals
    narration: Narration
    audio: AudioPlan
    motion: MotionSet
    edit: EditResult
    qa: QAReport
    qa_round: int
    fixes: dict[str, int]
    manifest: PublishManifest
    out_dir: str
    run_log: Annotated[list[StageRun], operator.add]
    # Revisions: how the edit dresses the cut, and which kept version (DIR/versions/vN) it is.
    edit_options: EditOptions
    version: int
    script_locked: bool
    """The script was approved in chat or revised: a QA fix may not write a fresh one over it."""
    kept_timing: KeptTiming
    """A revision of lines keeps its cut's scene times and voice pace where the new lines allow."""


_STAGE_MODELS = (
    "Brief",
    "StyleAnchor",
    "Script",
    "KeyVisuals",
    "Narration",
    "AudioPlan",
    "MotionSet",
    "EditResult",
    "EditOptions",
)
# Types the checkpointer may revive from msgpack; everything else comes back as plain data.
# A checkpoint names each model by its module, so the (module, name) pairs of models that have
# since moved stay listed: checkpoints written before the move still revive as models.
STATE_TYPES: list[type | tuple[str, str]] = [
    StageRun,
    KeptTiming,
    Brief,
    StyleAnchor,
    Script,
    KeyVisuals,
    Narration,
    AudioPlan,
    MotionSet,
    EditResult,
    QAReport,
    PublishManifest,
    EditOptions,
    # Before the contracts got one module per stage (tools.handoffs.contracts re-exports them),
    # and before that, when tools.handoffs was one module (the package re-exports them all).
    *(("tools.handoffs.contracts", name) for name in _STAGE_MODELS),
    *(("tools.handoffs", name) for name in (*_STAGE_MODELS, "QAReport", "PublishManifest")),
]
