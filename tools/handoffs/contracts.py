"""Where the stage contracts lived before each got a module of its own; kept for checkpoints.

A checkpoint names every model by the module that defined it when it was written, so runs saved
before the split name this one (``agent.production.state.STATE_TYPES`` lists those names). New
code imports from ``tools.handoffs``, which re-exports every contract from its own module.
"""

from __future__ import annotations

from tools.handoffs.anchor import StyleAnchor
from tools.handoffs.audio import AudioPlan, Narration
from tools.handoffs.brief import Brief
from tools.handoffs.edit import EditOptions, EditResult
from tools.handoffs.keyvisuals import KeyVisuals
from tools.handoffs.motion import MotionSet
from tools.handoffs.script import Script

# The models a production or chat state holds, as they were named here.
__all__ = [
    "AudioPlan",
    "Brief",
    "EditOptions",
    "EditResult",
    "KeyVisuals",
    "MotionSet",
    "Narration",
    "Script",
    "StyleAnchor",
]
