"""The cut: the master and its reframed variants, their captions, and how the edit dresses them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tools.handoffs.base import Aspect, Contract

__all__ = [
    "Caption",
    "CaptionBox",
    "EditOptions",
    "EditResult",
    "EditVariant",
    "TextDensity",
]


class Caption(Contract):
    index: int
    start_s: float
    end_s: float
    text: str
    language: str


class CaptionBox(Contract):
    """Where the burned-in captions sit, in pixels of the variant."""

    x: int
    y: int
    width: int
    height: int


class EditVariant(Contract):
    aspect: Aspect
    width: int
    height: int
    video: str
    cover: str
    captions: dict[str, str] = Field(description="SRT path per language code")
    caption_box: CaptionBox
    duration_s: float


class EditResult(Contract):
    """One master and its reframed variants, with captions and the CTA end card."""

    variants: list[EditVariant]
    captions: list[Caption]
    cta: str
    end_card_start_s: float
    transition_s: float
    notes: list[str] = Field(default_factory=list)

    def variant(self, aspect: Aspect) -> EditVariant:
        for v in self.variants:
            if v.aspect == aspect:
                return v
        raise KeyError(f"no variant at {aspect}")


TextDensity = Literal["full", "reduced", "minimal"]


class EditOptions(Contract):
    """How the edit dresses the cut: caption size and how much on-screen text is shown."""

    caption_scale: float = Field(default=1.0, ge=0.5, le=2.0)
    text_density: TextDensity = Field(
        default="full",
        description="full: every scene title; reduced: first and last; minimal: none",
    )
