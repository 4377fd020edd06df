"""The words every handoff module shares: platforms, aspects, stages and the strict base model.

The contracts are split over a few modules (core stages, QA and publish, revisions); this one sits
beneath them all so none has to import another in a circle.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Platform = Literal[
    "reels", "tiktok", "shorts", "instagram_feed", "youtube",
    "instagram_portrait", "facebook", "linkedin", "x", "pinterest",
]
PLATFORMS: tuple[Platform, ...] = (
    "reels", "tiktok", "shorts", "instagram_feed", "youtube",
    "instagram_portrait", "facebook", "linkedin", "x", "pinterest",
)
Aspect = Literal["9:16", "4:5", "2:3", "1:1", "16:9"]
# Every aspect a cut can have, tallest first: the order aspects are rendered and listed in.
ASPECTS: tuple[Aspect, ...] = ("9:16", "2:3", "4:5", "1:1", "16:9")
# Every stage name a contract may carry; their order, graph nodes and labels are in the stage
# table (tools/handoffs/stages.py). "brief" is the line's input, not one of its stages.
Stage = Literal[
    "brief", "anchor", "script", "keyvisual", "motion", "voice", "music", "edit", "qa", "publish"
]

PLATFORM_ASPECT: dict[Platform, Aspect] = {
    "reels": "9:16",
    "tiktok": "9:16",
    "shorts": "9:16",
    "instagram_feed": "1:1",
    "youtube": "16:9",
    "instagram_portrait": "4:5",
    "facebook": "4:5",  # the feed's tallest video
    "linkedin": "1:1",
    "x": "16:9",
    "pinterest": "2:3",
}
# Full-scale frame of each aspect; a platform's cover has its cut's size. Pinterest's 1000x1500
# is the one 2:3 size, so the 2:3 cut is 1000 wide where the others are 1080.
ASPECT_SIZE: dict[Aspect, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "2:3": (1000, 1500),
    "4:5": (1080, 1350),
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


def aspect_ratio(aspect: Aspect) -> float:
    """Return an aspect's width over its height (9:16 is 0.5625)."""
    w, h = ASPECT_SIZE[aspect]
    return w / h
