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
from tools.motion.moves import PAN_ZOOM, ZOOM

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


def key_frame_box(frame: KeyFrame, icon: str, width: int, height: int) -> Box | None:
    """Return the subject's box in a key frame as fractions, or None for an unknown layout."""
    composition = _composition(frame.composition)
    if composition is None:
        return None
    p = composition.placement(frame.aspect)
    short = min(width, height)
    half_h = p.size * short / 2 / height
    half_w = p.size * short * ink_ratio(icon) / 2 / width
    return (max(0.0, p.x - half_w), max(0.0, p.y - half_h),
            min(1.0, p.x + half_w), min(1.0, p.y + half_h))


def move_window(move: CameraMove, t: float) -> tuple[float, float, float]:
    """Return (zoom, left, top) of the camera's window at progress ``t`` of a move.

    ``left`` and ``top`` are fractions of the still; they mirror tools.motion.moves's filters.
    """
    if move == "push_in":
        z = 1 + ZOOM * t
        return z, (1 - 1 / z) / 2, (1 - 1 / z) / 2
    if move == "pull_out":
        z = 1 + ZOOM * (1 - t)
        return z, (1 - 1 / z) / 2, (1 - 1 / z) / 2
    room = 1 - 1 / PAN_ZOOM
    if move in ("pan_left", "pan_right", "tilt_up", "tilt_down"):
        slide = {"pan_left": 1 - t, "pan_right": t, "tilt_up": 1 - t, "tilt_down": t}[move]
        horizontal = move.startswith("pan")
        return (PAN_ZOOM, room * slide if horizontal else room / 2,
                room / 2 if horizontal else room * slide)
    z = 1.06 + 0.08 * t  # parallax: a slow push with a sideways drift
    return z, (1 - 1 / z) * (0.3 + 0.4 * t), (1 - 1 / z) * (0.55 - 0.1 * t)


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
    box = key_frame_box(frame, keyvisuals.subject.icon, width, height)
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
