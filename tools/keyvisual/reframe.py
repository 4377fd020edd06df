"""Re-lay a scene's subject for an aspect so burned-in text has free space through the whole shot.

Every cut carries a title band at the top of its safe area and a caption band at the bottom
(tools.common.layout.text_bands). A subject drawn into the caption band is covered by captions,
so the key frame lifts it out, and shrinks it only when the room between the bands is smaller
than the subject. The camera move scales and slides the still afterwards, so the rows the
subject may use are worked out through the move's whole window (mirroring tools.motion.moves).
"""

from __future__ import annotations

from tools.common.camera import PAN_ZOOM, ZOOM
from tools.common.layout import text_bands
from tools.handoffs import CameraMove
from tools.handoffs.base import Aspect

_SAMPLES = (0.0, 0.25, 0.5, 0.75, 1.0)  # points along a move whose windows are checked
# Share of its own height a subject may reach into a band: the critic tolerates a tenth of the
# subject's box covered, and the glyph's ink rarely fills its box's corners.
ALLOWANCE = 0.04


def move_window(move: CameraMove, t: float) -> tuple[float, float, float]:
    """Return (zoom, left, top) of the camera's window at progress ``t`` of a move.

    ``left`` and ``top`` are fractions of the still; the window is ``1 / zoom`` of it.
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


def row_limits(aspect: Aspect, move: CameraMove) -> tuple[float, float]:
    """Return the (highest top, lowest bottom) rows of the still a subject may span.

    Through every window of ``move``, rows inside these limits stay between the text bands.
    """
    top, bottom = text_bands(aspect)
    windows = [move_window(move, t) for t in _SAMPLES]
    highest = max(top / z + corner for z, _, corner in windows)
    lowest = min(bottom / z + corner for z, _, corner in windows)
    return highest, lowest


def fit_rows(y: float, half: float, aspect: Aspect, move: CameraMove) -> tuple[float, float]:
    """Return the subject's centre row and half height, lifted clear of the caption band.

    A subject already above the band keeps its place (titles find room beside or below it);
    one that reaches into it is lifted, and shrunk only as far as the room between the bands.
    """
    highest, lowest = row_limits(aspect, move)
    if y + half * (1 - 2 * ALLOWANCE) <= lowest:
        return y, half
    half = min(half, max(0.05, (lowest - highest) / 2))
    return lowest - half * (1 - 2 * ALLOWANCE), half
