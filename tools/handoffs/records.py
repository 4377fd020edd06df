"""The records that bundle every stage's contract: a revision applied, a production published."""

from __future__ import annotations

from pydantic import Field

from tools.handoffs.anchor import StyleAnchor
from tools.handoffs.audio import AudioPlan, Narration
from tools.handoffs.base import Contract
from tools.handoffs.brief import Brief
from tools.handoffs.edit import EditOptions, EditResult
from tools.handoffs.keyvisuals import KeyVisuals
from tools.handoffs.motion import MotionSet
from tools.handoffs.qa import AcceptanceCriteria
from tools.handoffs.script import Script

__all__ = [
    "ProductionRecord",
    "RevisionResult",
]


class RevisionResult(Contract):
    """A revision applied: the new brief, anchor, script and edit options, and what changed."""

    brief: Brief
    anchor: StyleAnchor
    script: Script
    options: EditOptions
    changes: list[str] = Field(default_factory=list, description="What changed, in words")
    anchor_diff: dict[str, dict[str, object]] = Field(default_factory=dict)
    anchor_changed: bool = False
    script_changed: bool = False
    brief_changed: bool = False
    undo_steps: int = 0


# --------------------------------------------------------------------------- production record


class ProductionRecord(Contract):
    """Everything `producer qa` needs to re-judge a published folder without the asset store.

    Paths inside are relative to the published folder; files that were not published (motion
    clips, stems) keep an empty path, since the checks judge the published files instead.
    """

    version: int = 1
    scale: float
    brief: Brief
    criteria: AcceptanceCriteria
    anchor: StyleAnchor
    script: Script
    keyvisuals: KeyVisuals
    motion: MotionSet
    narration: Narration
    audio: AudioPlan
    edit: EditResult
