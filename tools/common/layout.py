"""Safe areas and free space: where text may sit so platform UI and the subject stay visible.

A cut is rendered once per aspect and published to every platform of that aspect, so its safe
area is the one every such platform leaves clear (the strictest margins of them). Titles then
go where the subject is not: ``clear_spot`` looks above, below and beside the subject's box.
"""

from __future__ import annotations

from tools.handoffs import ASPECT_SIZE, PLATFORM_ASPECT, Aspect, CaptionBox, Platform

# Fractions of the frame each platform's chrome covers: (top, bottom, sides).
# Vertical feeds (Reels, TikTok, Shorts) put the header on top and the caption, buttons and
# handle over the bottom fifth; square and wide players only keep a thin bottom bar. Feed
# portraits carry a mute toggle and tag icons low (Instagram) or the progress bar and sound
# toggle (Facebook); Pinterest lays its close/profile row on top and title and save buttons low.
PLATFORM_RESERVED: dict[Platform, tuple[float, float, float]] = {
    "reels": (0.14, 0.20, 0.06),
    "tiktok": (0.14, 0.20, 0.06),
    "shorts": (0.14, 0.20, 0.06),
    "instagram_feed": (0.05, 0.08, 0.05),
    "linkedin": (0.05, 0.08, 0.05),
    "youtube": (0.05, 0.08, 0.05),
    "x": (0.05, 0.08, 0.05),
    "instagram_portrait": (0.06, 0.10, 0.05),
    "facebook": (0.06, 0.12, 0.05),
    "pinterest": (0.10, 0.16, 0.06),
}


# Type sizes as shares of the frame's shorter side; the edit draws captions and titles at these.
CAPTION_TYPE = 0.05
TITLE_TYPE = 0.07
TITLE_TYPE_MIN = 0.62  # the smallest a title shrinks to, as a share of TITLE_TYPE
# Plate heights in type sizes: two caption lines (line 1.35 + padding), one title line.
_CAPTION_PLATE = 3.3
_TITLE_PLATE = 1.95


def text_bands(aspect: Aspect) -> tuple[float, float]:
    """Return (top, bottom): the rows, as fractions of the height, a subject should stay between.

    Above ``top`` sits a one-line title at its smallest, below ``bottom`` a two-line caption
    band, both inside the aspect's safe area; the key visuals lay subjects out between them so
    burned-in text has free space on every aspect.
    """
    w, h = ASPECT_SIZE[aspect]
    short = min(w, h) / h
    top, bottom, _ = _strictest(aspect)
    title = _TITLE_PLATE * TITLE_TYPE * TITLE_TYPE_MIN * short
    caption = _CAPTION_PLATE * CAPTION_TYPE * short
    return top + 0.02 + title, 1 - bottom - 0.01 - caption


def _strictest(aspect: Aspect) -> tuple[float, float, float]:
    margins = [m for p, m in PLATFORM_RESERVED.items() if PLATFORM_ASPECT[p] == aspect]
    return (max(m[0] for m in margins), max(m[1] for m in margins), max(m[2] for m in margins))


def _area(reserved: tuple[float, float, float], width: int, height: int) -> CaptionBox:
    top, bottom, side = reserved
    x = round(width * side)
    y = round(height * top)
    return CaptionBox(x=x, y=y, width=width - 2 * x, height=round(height * (1 - bottom)) - y)


def platform_safe_area(platform: Platform, width: int, height: int) -> CaptionBox:
    """Return the region of a ``width`` x ``height`` frame one platform's UI leaves clear."""
    return _area(PLATFORM_RESERVED[platform], width, height)


def safe_area(aspect: Aspect, width: int, height: int) -> CaptionBox:
    """Return the region of a ``width`` x ``height`` frame where text may be drawn.

    It lies inside the safe area of every platform the aspect's cut is published to.
    """
    return _area(_strictest(aspect), width, height)


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


def overlap_area(a: CaptionBox, b: CaptionBox) -> int:
    """Return how many pixels two boxes share."""
    w = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    h = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    return max(0, w) * max(0, h)


def spots(width: int, height: int, area: CaptionBox, avoid: CaptionBox | None,
          gap: int) -> list[CaptionBox]:
    """List where a ``width`` x ``height`` box fits in ``area``, most wanted first.

    First the top of the area (where titles read first), then just above and just below
    ``avoid``, then the bottom of the area; each centred, then against the side farther from
    ``avoid``, then the nearer side. Positions that fall outside ``area`` are left out.
    """
    top = area.y + min(gap, max(0, area.height - height))
    rows = [top]
    if avoid is not None:
        rows += [avoid.y - gap - height, avoid.y + avoid.height + gap]
    rows.append(area.y + area.height - height)
    left, right = area.x, area.x + area.width - width
    centre = area.x + (area.width - width) // 2
    cols = [centre]
    if avoid is not None:
        far_left = avoid.x + avoid.width / 2 > area.x + area.width / 2
        cols += [left, right] if far_left else [right, left]
    else:
        cols += [left, right]
    out: list[CaptionBox] = []
    for y in dict.fromkeys(rows):
        for x in dict.fromkeys(cols):
            box = CaptionBox(x=x, y=y, width=width, height=height)
            if contains(area, box):
                out.append(box)
    return out


def clear_spot(width: int, height: int, area: CaptionBox, avoid: CaptionBox | None,
               gap: int) -> CaptionBox | None:
    """Return the most wanted spot in ``area`` that keeps clear of ``avoid``, or None."""
    for box in spots(width, height, area, avoid, gap):
        if avoid is None or overlap_area(box, avoid) == 0:
            return box
    return None


def least_covering(width: int, height: int, area: CaptionBox, avoid: CaptionBox,
                   gap: int) -> CaptionBox | None:
    """Return the spot in ``area`` that covers the least of ``avoid`` (ties: most wanted)."""
    found = spots(width, height, area, avoid, gap)
    return min(found, key=lambda b: overlap_area(b, avoid)) if found else None
