"""The key visuals: one frame per scene and aspect plus the hero frames, the visual baseline."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tools.handoffs.anchor import SubjectReference
from tools.handoffs.base import Aspect, Contract

__all__ = [
    "KeyFrame",
    "KeyVisuals",
    "SubjectBox",
]


class SubjectBox(Contract):
    """Where a key frame's subject sits, in fractions of the frame, so text can keep clear of it."""

    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    width: float = Field(ge=0, le=1)
    height: float = Field(ge=0, le=1)
    source: Literal["drawn", "saliency"] = Field(
        default="drawn", description="drawn: the renderer placed it; saliency: estimated"
    )
    icon: str = Field(default="", description="The icon the built-in renderer drew, if it did")


class KeyFrame(Contract):
    scene_index: int = Field(ge=-1, description="-1 for the hero frame")
    aspect: Aspect
    path: str
    prompt: str = Field(description="The full image prompt, anchor line included")
    composition: str
    subject_box: SubjectBox | None = Field(
        default=None, description="Where the subject is; None in key visuals made before it"
    )


class KeyVisuals(Contract):
    """One key frame per scene and aspect plus a hero frame per aspect: the visual baseline."""

    frames: list[KeyFrame]
    heroes: list[KeyFrame]
    subject: SubjectReference
    provider: str
    notes: list[str] = Field(default_factory=list)

    def frame(self, scene_index: int, aspect: Aspect) -> KeyFrame:
        for f in self.frames:
            if f.scene_index == scene_index and f.aspect == aspect:
                return f
        raise KeyError(f"no key frame for scene {scene_index} at {aspect}")

    def hero(self, aspect: Aspect) -> KeyFrame:
        for f in self.heroes:
            if f.aspect == aspect:
                return f
        raise KeyError(f"no hero frame at {aspect}")
