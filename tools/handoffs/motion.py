"""The motion clips: one per scene and aspect, a camera move or a provider's file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tools.handoffs.base import Aspect, Contract
from tools.handoffs.script import CameraMove

__all__ = [
    "ClipSource",
    "MotionClip",
    "MotionSet",
]


# "camera_move": the edit renders the move over the key frame itself (the embedded provider);
# "file": a provider wrote the clip to ``path`` (an image-to-video API).
ClipSource = Literal["camera_move", "file"]


class MotionClip(Contract):
    scene_index: int
    aspect: Aspect
    path: str = Field(
        description="Silent H.264 clip made from the scene's key frame; empty for a camera move"
    )
    source: ClipSource = Field(
        default="file", description="camera_move: rendered by the edit from the key frame"
    )
    camera_move: CameraMove
    duration_s: float
    key_frame: str = Field(description="Path of the key frame it was made from")
    prompt: str


class MotionSet(Contract):
    clips: list[MotionClip]
    provider: str
    handle_s: float = Field(
        default=0.0, description="Extra seconds rendered at each inner cut for transitions"
    )
    notes: list[str] = Field(default_factory=list)

    def clip(self, scene_index: int, aspect: Aspect) -> MotionClip:
        for c in self.clips:
            if c.scene_index == scene_index and c.aspect == aspect:
                return c
        raise KeyError(f"no motion clip for scene {scene_index} at {aspect}")
