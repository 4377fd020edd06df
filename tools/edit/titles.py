"""Set each scene's on-screen text as a title in the free space of its shot.

A title sits at the top of the safe area unless the scene's subject reaches up there; then it
goes just above or below the subject, or beside it (landscape shots keep their subject on a
third), in a narrower or smaller plate if it must, always inside the safe area and clear of
the caption band. Only when no spot clears the subject does it take the one covering least.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tools.common.atomic import write_atomically
from tools.common.layout import TITLE_TYPE_MIN, clear_spot, least_covering, overlap_area
from tools.common.overlays import accent_colour, plate_colour, plate_fits, text_plate
from tools.edit.filtergraph import Overlay
from tools.handoffs import CaptionBox, Script, TextDensity, TimedScene

# Plates tried in turn: wide plates first at every type size (one calm line at the top reads
# better than a column), then narrower ones and the free columns beside the subject.
_SIZES = (1.0, 0.82, 0.7, TITLE_TYPE_MIN)  # shares of the title type size
_WIDE = ((0.9, 2), (0.62, 3))  # (share of the area's width, most lines)
_NARROW = ((0.46, 3), (0.36, 4))
_MIN_COLUMN = 0.15  # a column beside the subject narrower than this share holds no title


def _plates(area: CaptionBox, subject: CaptionBox | None, gap: int
            ) -> list[tuple[int, float, int]]:
    """List the plates to try as (most width in pixels, type size share, most lines).

    Besides the fixed widths, a plate as wide as the free column left or right of the subject,
    so a title can stand beside a subject that fills the frame's height.
    """
    wide = [(round(area.width * share), lines) for share, lines in _WIDE]
    narrow = [(round(area.width * share), lines) for share, lines in _NARROW]
    if subject is not None:
        left = subject.x - gap - area.x
        right = area.x + area.width - (subject.x + subject.width + gap)
        narrow += [(w, 4) for w in (left, right) if w >= area.width * _MIN_COLUMN]
    narrow = sorted(dict.fromkeys(narrow), key=lambda wl: -wl[0])
    return [(w, size, lines) for group in (wide, narrow) for w, lines in group
            for size in _SIZES]


def title_area(safe: CaptionBox, caption_top: int, gap: int) -> CaptionBox:
    """Return where titles may go: the safe area above the caption band."""
    bottom = max(safe.y + 1, min(safe.y + safe.height, caption_top - gap))
    return CaptionBox(x=safe.x, y=safe.y, width=safe.width, height=bottom - safe.y)


def place_title(text: str, area: CaptionBox, subject: CaptionBox | None, font_px: int,
                palette: list[str], gap: int) -> tuple[Image.Image, CaptionBox]:
    """Draw the title plate that fits the free space best; return it and where it goes."""
    plate, accent = plate_colour(palette), accent_colour(palette)
    best: tuple[int, Image.Image, CaptionBox] | None = None
    for width, size_share, lines in _plates(area, subject, gap):
        size = max(8, round(font_px * size_share))
        if not plate_fits(text, max(16, width), size, "black", lines):
            continue  # a word would be cut at the plate's edge
        img = text_plate(text, max(16, width), size, plate, weight="black", max_lines=lines,
                         accent=accent)
        spot = clear_spot(img.width, img.height, area, subject, gap)
        if spot is not None:
            return img, spot
        if subject is None:
            continue
        worst = least_covering(img.width, img.height, area, subject, gap)
        if worst is not None:
            covered = overlap_area(worst, subject)
            if best is None or covered < best[0]:
                best = (covered, img, worst)
    if best is not None:
        return best[1], best[2]
    # Not even the smallest plate fits the area: the first plate at the top, as before.
    img = text_plate(text, max(16, int(area.width * 0.9)), font_px, plate, weight="black",
                     accent=accent)
    x = area.x + (area.width - img.width) // 2
    return img, CaptionBox(x=x, y=area.y + gap, width=img.width, height=img.height)


def title_overlays(script: Script, timeline: list[TimedScene], area: CaptionBox,
                   subjects: dict[int, CaptionBox | None], font_px: int, palette: list[str],
                   card_start_s: float, folder: Path, density: TextDensity = "full"
                   ) -> list[Overlay]:
    """Draw each scene's on-screen text as a title in the free space of ``area``.

    ``subjects`` maps a scene to the box its subject covers while it plays. ``density`` thins
    the titles out: "reduced" keeps the first and last scene's, "minimal" none.
    """
    gap = max(2, round(area.height * 0.02))
    overlays: list[Overlay] = []
    last = len(script.scenes) - 1
    for scene, slot in zip(script.scenes, timeline, strict=True):
        text = scene.on_screen_text.strip()
        shown = density == "full" or (density == "reduced" and scene.index in (0, last))
        if not text or not shown:
            continue
        start = slot.start_s + min(0.3, slot.duration_s * 0.1)
        end = min(slot.start_s + slot.duration_s - 0.2, card_start_s)
        if end - start < 0.3:
            continue
        img, spot = place_title(text, area, subjects.get(scene.index), font_px, palette, gap)
        path = folder / f"title{scene.index:02d}.png"
        write_atomically(path, img.save)  # never seen half-drawn by a render reading it
        overlays.append(Overlay(path, spot.x, spot.y, start, end))
    return overlays
