"""Find where a scene's subject is in the cut, so titles can be set in the space around it.

The key visual stage lays each frame out from a named composition (subject placement per
aspect, tools.keyvisual.job); the embedded renderer draws the icon's ink at that placement, as
tall as the placement's size. The camera move then scales and slides the still, so the box the
subject sweeps over a clip is the union of its box along the move. A provider's image follows
the same composition in its prompt, so the box is a fair guess there too; a provider's clip
moves in ways nobody told us, so its box gets a margin.
"""

from __future__ import annotations

from functools import lru_cache

from tools.handoffs import CameraMove, CaptionBox, KeyFrame, KeyVisuals, MotionClip
from tools.keyvisual.icons import glyph_mask, resolve_icon
from tools.keyvisual.job import HERO_COMPOSITION, SCENE_COMPOSITIONS, Composition
from tools.keyvisual.reframe import move_window

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the frame
_PROVIDER_MARGIN = 0.06  # a provider's clip may drift this far (fraction of the frame)
_SAMPLES = (0.0, 0.25, 0.5, 0.75, 1.0)  # points along a move whose boxes are joined


def _composition(name: str) -> Composition | None:
    for c in (*SCENE_COMPOSITIONS, HERO_COMPOSITION):
        if c.name == name:
            return c
    return None


@lru_cache(maxsize=64)
def ink_ratio(icon: str) -> float:
    """Return the drawn icon's ink width over its ink height (the renderer's glyph)."""
    try:
        mask = glyph_mask(resolve_icon(icon), 256)
    except Exception:  # an icon set without the glyph: the widest Font Awesome em box
        return 1.25
    return mask.width / max(1, mask.height)


def key_frame_box(frame: KeyFrame, icon: str, width: int, height: int,
                  move: CameraMove | None = None) -> Box | None:
    """Return the subject's box in a key frame as fractions, or None for an unknown layout.

    The box the key visual stage recorded wins (drawn by the renderer, or a saliency estimate
    for a provider's picture); older key visuals get it from their composition's placement.
    """
    if frame.subject_box is not None:
        b = frame.subject_box
        return (b.x, b.y, min(1.0, b.x + b.width), min(1.0, b.y + b.height))
    composition = _composition(frame.composition)
    if composition is None:
        return None
    p = (composition.moving(move) if move is not None else composition).placement(frame.aspect)
    short = min(width, height)
    half_h = p.size * short / 2 / height
    half_w = p.size * short * ink_ratio(icon) / 2 / width
    return (max(0.0, p.x - half_w), max(0.0, p.y - half_h),
            min(1.0, p.x + half_w), min(1.0, p.y + half_h))


def _through(box: Box, move: CameraMove, t: float) -> Box:
    z, left, top = move_window(move, t)
    x0, y0, x1, y1 = box
    return ((x0 - left) * z, (y0 - top) * z, (x1 - left) * z, (y1 - top) * z)


def swept_box(box: Box, move: CameraMove) -> Box:
    """Return the box the subject covers in the picture over a whole camera move."""
    moved = [_through(box, move, t) for t in _SAMPLES]
    return (max(0.0, min(b[0] for b in moved)), max(0.0, min(b[1] for b in moved)),
            min(1.0, max(b[2] for b in moved)), min(1.0, max(b[3] for b in moved)))


def subject_in_clip(keyvisuals: KeyVisuals, clip: MotionClip, width: int,
                    height: int) -> CaptionBox | None:
    """Return the pixels a clip's subject covers while it plays, or None if not known."""
    try:
        frame = keyvisuals.frame(clip.scene_index, clip.aspect)
    except KeyError:
        return None
    box = key_frame_box(frame, keyvisuals.subject.icon, width, height, clip.camera_move)
    if box is None:
        return None
    if clip.source == "camera_move":
        box = swept_box(box, clip.camera_move)
    else:
        m = _PROVIDER_MARGIN
        box = (max(0.0, box[0] - m), max(0.0, box[1] - m), min(1.0, box[2] + m),
               min(1.0, box[3] + m))
    x0, y0 = int(box[0] * width), int(box[1] * height)
    x1, y1 = -int(-box[2] * width), -int(-box[3] * height)
    return CaptionBox(x=x0, y=y0, width=max(1, x1 - x0), height=max(1, y1 - y0))


def hero_box(keyvisuals: KeyVisuals, frame: KeyFrame, width: int,
             height: int) -> CaptionBox | None:
    """Return the pixels the subject covers in a hero frame drawn at ``width`` x ``height``."""
    box = key_frame_box(frame, keyvisuals.subject.icon, width, height)
    if box is None:
        return None
    x0, y0 = int(box[0] * width), int(box[1] * height)
    x1, y1 = -int(-box[2] * width), -int(-box[3] * height)
    return CaptionBox(x=x0, y=y0, width=max(1, x1 - x0), height=max(1, y1 - y0))


def hero_shows_title(keyvisuals: KeyVisuals, frame: KeyFrame, title: str) -> bool:
    """Say whether the hero already sets ``title`` itself: the built-in renderer draws it.

    A provider's picture was asked for the title too, but may misspell it, so its cover
    still gets the title on a plate.
    """
    drawn = frame.subject_box.source == "drawn" if frame.subject_box is not None else (
        keyvisuals.provider == "procedural")
    return bool(title) and drawn and f"title '{title}'" in frame.prompt
