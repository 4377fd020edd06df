"""Safe areas: where text may sit so platform UI (buttons, handles, bars) never hides it."""

from __future__ import annotations

from tools.handoffs import Aspect, CaptionBox

# Fractions of the frame reserved for platform chrome: (top, bottom, sides).
# Vertical feeds (Reels, TikTok, Shorts) put the header on top and the caption, buttons and
# handle over the bottom fifth; square and wide players only keep a thin bottom bar.
_RESERVED: dict[Aspect, tuple[float, float, float]] = {
    "9:16": (0.14, 0.20, 0.06),
    "1:1": (0.05, 0.08, 0.05),
    "16:9": (0.05, 0.08, 0.05),
}


def safe_area(aspect: Aspect, width: int, height: int) -> CaptionBox:
    """Return the region of a ``width`` x ``height`` frame where text may be drawn."""
    top, bottom, side = _RESERVED[aspect]
    x = round(width * side)
    y = round(height * top)
    return CaptionBox(x=x, y=y, width=width - 2 * x, height=round(height * (1 - bottom)) - y)


def contains(outer: CaptionBox, inner: CaptionBox) -> bool:
    """Say whether ``inner`` lies fully inside ``outer`` (QA's caption-placement check)."""
    return (
        inner.x >= outer.x
        and inner.y >= outer.y
        and inner.x + inner.width <= outer.x + outer.width
        and inner.y + inner.height <= outer.y + outer.height
    )


def union(boxes: list[CaptionBox]) -> CaptionBox:
    """Return the smallest box that holds every box in ``boxes`` (at least one)."""
    if not boxes:
        raise ValueError("union of no boxes")
    x0 = min(b.x for b in boxes)
    y0 = min(b.y for b in boxes)
    x1 = max(b.x + b.width for b in boxes)
    y1 = max(b.y + b.height for b in boxes)
    return CaptionBox(x=x0, y=y0, width=x1 - x0, height=y1 - y0)
