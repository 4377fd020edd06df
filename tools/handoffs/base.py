"""The words every handoff module shares: platforms, aspects, stages and the strict base model.

The contracts are split over a few modules (core stages, QA and publish, revisions); this one sits
beneath them all so none has to import another in a circle.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Platform = Literal["reels", "tiktok", "shorts", "instagram_feed", "youtube"]
PLATFORMS: tuple[Platform, ...] = ("reels", "tiktok", "shorts", "instagram_feed", "youtube")
Aspect = Literal["9:16", "1:1", "16:9"]
Stage = Literal[
    "brief", "anchor", "script", "keyvisual", "motion", "voice", "music", "edit", "qa", "publish"
]

PLATFORM_ASPECT: dict[Platform, Aspect] = {
    "reels": "9:16",
    "tiktok": "9:16",
    "shorts": "9:16",
    "instagram_feed": "1:1",
    "youtube": "16:9",
}
ASPECT_SIZE: dict[Aspect, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
    "16:9": (1920, 1080),
}
MASTER_ASPECT: Aspect = "9:16"
FPS = 30


class Contract(BaseModel):
    """Base of every handoff: strict about unknown keys so typos surface as errors."""

    model_config = ConfigDict(extra="forbid", frozen=False)


def frame_size(aspect: Aspect, scale: float = 1.0) -> tuple[int, int]:
    """Return the pixel size of an aspect at a render scale, both sides even (yuv420p needs it)."""
    w, h = ASPECT_SIZE[aspect]
    sw = max(2, round(w * scale / 2) * 2)
    sh = max(2, round(h * scale / 2) * 2)
    return sw, sh
