"""Find where a scene's subject is on screen at a moment of a cut, from its key frame's record.

The key visual stage records where each key frame's subject is (the box the built-in renderer
drew, or a saliency estimate for a provider's picture); the cut shows that frame reframed to
its aspect and moved by the scene's camera move. This module follows the box through both:
the reframe as a centred crop of the key frame to the cut's aspect (nothing when they match),
the move as the window its filter shows at that moment. The windows are worked out here from
the moves' own constants rather than taken from the edit's layout code, so the critic measures
the layout instead of repeating it; a test holds them to a rendered move.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tools.common.camera import PAN_ZOOM, ZOOM
from tools.handoffs import FPS, CameraMove, KeyFrame, MotionClip, SubjectBox
from tools.keyvisual.saliency import salient_box
from tools.qa.checks_base import Production
from tools.qa.decode import Memo, file_digest

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in fractions of the picture

_sizes: Memo[tuple[int, int]] = Memo(128, "still_size")
_estimates: Memo[SubjectBox] = Memo(128, "saliency")


def camera_window(move: CameraMove, progress: float) -> tuple[float, float, float]:
    """Return (zoom, left, top) of what a camera move shows at ``progress`` (0-1) of the clip.

    ``left`` and ``top`` are the window's corner in fractions of the still; the window is
    ``1 / zoom`` of the still wide and high (tools.motion.moves: zoompan and sliding crops).
    """
    t = min(1.0, max(0.0, progress))
    if move in ("push_in", "pull_out"):
        zoom = 1 + ZOOM * (t if move == "push_in" else 1 - t)
        return zoom, (1 - 1 / zoom) / 2, (1 - 1 / zoom) / 2
    if move == "parallax":
        zoom = 1.06 + 0.08 * t
        return zoom, (1 - 1 / zoom) * (0.3 + 0.4 * t), (1 - 1 / zoom) * (0.55 - 0.1 * t)
    room = 1 - 1 / PAN_ZOOM
    along = {"pan_left": 1 - t, "pan_right": t, "tilt_up": 1 - t, "tilt_down": t}[move]
    sideways = move.startswith("pan")
    return PAN_ZOOM, room * (along if sideways else 0.5), room * (0.5 if sideways else along)


def through_window(rect: Rect, move: CameraMove, progress: float) -> Rect:
    """Return ``rect`` (fractions of the still) as it sits in the moved picture, clipped to it."""
    zoom, left, top = camera_window(move, progress)
    x0, y0, x1, y1 = rect
    return _clip(((x0 - left) * zoom, (y0 - top) * zoom, (x1 - left) * zoom, (y1 - top) * zoom))


def reframed(rect: Rect, still: tuple[int, int], cut: tuple[int, int]) -> Rect:
    """Return ``rect`` of a ``still`` (w, h) once it is cropped, centred, to the cut's aspect."""
    ratio = (cut[0] / cut[1]) / (still[0] / still[1])
    x0, y0, x1, y1 = rect
    if ratio < 0.999:  # the cut is narrower: its width is a centred share of the still's
        left = (1 - ratio) / 2
        return _clip(((x0 - left) / ratio, y0, (x1 - left) / ratio, y1))
    if ratio > 1.001:  # the cut is wider: its height is a centred share
        share = 1 / ratio
        top = (1 - share) / 2
        return _clip((x0, (y0 - top) / share, x1, (y1 - top) / share))
    return rect


def _clip(rect: Rect) -> Rect:
    x0, y0, x1, y1 = (min(1.0, max(0.0, v)) for v in rect)
    return x0, y0, max(x0, x1), max(y0, y1)


def clip_progress(p: Production, clip: MotionClip, t: float) -> float:
    """Return how far into its clip (0-1) the cut is at ``t`` seconds, handles counted."""
    i = clip.scene_index
    handle = round(p.motion.handle_s * FPS) if len(p.audio.timeline) > 1 else 0
    start = 0 if i == 0 else round(p.audio.timeline[i].start_s * FPS) - handle
    frames = max(2, round(clip.duration_s * FPS))
    return (round(t * FPS) - start) / (frames - 1)


def _key_frame(p: Production, clip: MotionClip) -> KeyFrame | None:
    """Return the key frame a clip was made from: by file name, else its scene and aspect."""
    name = Path(clip.key_frame).name
    for frame in p.keyvisuals.frames:
        if name and Path(frame.path).name == name:
            return frame
    try:
        return p.keyvisuals.frame(clip.scene_index, clip.aspect)
    except KeyError:
        return None


def _size(path: str) -> tuple[int, int]:
    with Image.open(path) as image:
        width, height = image.size
        return int(width), int(height)


def _estimate(path: str) -> SubjectBox:
    with Image.open(path) as image:
        return salient_box(image)


def subject_box(frame: KeyFrame) -> SubjectBox | None:
    """Return a key frame's subject box: as recorded, else estimated from its pixels."""
    if frame.subject_box is not None:
        return frame.subject_box
    try:
        return _estimates.get(("saliency", file_digest(frame.path)), lambda: _estimate(frame.path))
    except OSError:
        return None


def subject_on_screen(p: Production, clip: MotionClip, cut_size: tuple[int, int],
                      t: float) -> Rect | None:
    """Return where the clip's subject is in the cut at ``t`` seconds, or None if unknown."""
    frame = _key_frame(p, clip)
    box = subject_box(frame) if frame is not None else None
    if frame is None or box is None:
        return None
    try:
        still = _sizes.get(("size", file_digest(frame.path)), lambda: _size(frame.path))
    except OSError:
        return None
    rect = reframed((box.x, box.y, box.x + box.width, box.y + box.height), still, cut_size)
    return through_window(rect, clip.camera_move, clip_progress(p, clip, t))
