"""The script: scenes with their goal, picture, words and camera move."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tools.handoffs.base import Contract

__all__ = [
    "CAMERA_MOVES",
    "CameraMove",
    "Scene",
    "Script",
]


CameraMove = Literal[
    "push_in", "pull_out", "pan_left", "pan_right", "tilt_up", "tilt_down", "parallax"
]
CAMERA_MOVES: tuple[CameraMove, ...] = (
    "push_in",
    "pull_out",
    "pan_left",
    "pan_right",
    "tilt_up",
    "tilt_down",
    "parallax",
)


class Scene(Contract):
    """One shot with its camera intent, not just its copy."""

    index: int = Field(ge=0)
    goal: str = Field(description="What this scene must do for the viewer")
    visual: str = Field(description="What the camera sees")
    narration: str = Field(description="Voice-over line in the narration language")
    motion: CameraMove = Field(description="Camera move made from the key frame")
    duration_s: float = Field(gt=0)
    on_screen_text: str = Field(default="", description="Short text shown on screen")
    captions: dict[str, str] = Field(
        default_factory=dict, description="Caption text per language code; narration language first"
    )
    style_cue: str = Field(default="", description="How the anchor applies to this scene")


class Script(Contract):
    version: int = Field(default=1, ge=1)
    language: str = "en"
    hook: str
    cta: str
    scenes: list[Scene] = Field(min_length=2)
    notes: list[str] = Field(
        default_factory=list,
        exclude_if=lambda notes: not notes,  # absent when empty: earlier stage keys stay valid
        description="What the person should know of how it was written (a model's fallback)",
    )

    @property
    def duration_s(self) -> float:
        return round(sum(s.duration_s for s in self.scenes), 3)

    @model_validator(mode="after")
    def _indexed(self) -> Script:
        for i, scene in enumerate(self.scenes):
            scene.index = i
        return self
