"""Layout check per cut: burned-in text (titles, captions) keeps clear of the scene's subject.

At each sampled moment of each scene the subject's box on screen (its key frame's record moved
by the camera, tools.qa.subject_place) is compared with the texts showing then (titles found in
the frame, captions where the edit put them, tools.qa.text_boxes): the share of the subject's
box that text covers must stay under a threshold.
"""

from __future__ import annotations

import numpy as np

from tools.handoffs import QACheck, frame_size
from tools.qa.checks_base import THRESHOLDS, Cut, Production, check, scene_name
from tools.qa.checks_visual import sample_times
from tools.qa.subject_place import Rect, subject_on_screen
from tools.qa.text_boxes import TextBox, text_boxes

_GRID = 200  # the subject's box is measured on a grid this fine


def covered_share(subject: Rect, boxes: list[tuple[int, int, int, int]],
                  size: tuple[int, int]) -> float:
    """Return the share of ``subject`` (fractions) that the pixel ``boxes`` (x, y, w, h) cover."""
    width, height = size
    x0, y0, x1, y1 = subject
    if x1 <= x0 or y1 <= y0 or not boxes:
        return 0.0
    xs = x0 + (np.arange(_GRID) + 0.5) / _GRID * (x1 - x0)
    ys = y0 + (np.arange(_GRID) + 0.5) / _GRID * (y1 - y0)
    covered = np.zeros((_GRID, _GRID), dtype=bool)
    for bx, by, bw, bh in boxes:
        inside_x = (xs * width >= bx) & (xs * width < bx + bw)
        inside_y = (ys * height >= by) & (ys * height < by + bh)
        covered |= inside_y[:, None] & inside_x[None, :]
    return float(covered.mean())


def _worst(p: Production, cut: Cut, scene: int, times: list[float], texts: list[TextBox]
           ) -> tuple[float, float, list[TextBox]]:
    """Return the scene's worst (share covered, time, texts over the subject then)."""
    size = frame_size(cut.aspect, p.scale)
    try:
        clip = p.motion.clip(scene, cut.aspect)
    except KeyError:
        return 0.0, times[0] if times else 0.0, []
    worst: tuple[float, float, list[TextBox]] = (0.0, times[0] if times else 0.0, [])
    for t in times:
        rect = subject_on_screen(p, clip, size, t)
        shown = [x for x in texts if x.shows_at(t)]
        if rect is None or not shown:
            continue
        share = covered_share(rect, [x.box for x in shown], size)
        if share > worst[0]:
            over = [x for x in shown if covered_share(rect, [x.box], size) > 0]
            worst = (share, t, over)
    return worst


def text_clear_checks(p: Production, cut: Cut) -> list[QACheck]:
    """Check, scene by scene, that no burned-in text covers much of the subject in this cut."""
    limit = THRESHOLDS["text_subject_overlap_max"]
    samples = sample_times(p)
    try:
        texts = text_boxes(p, cut, [t for _, t in samples])
    except Exception as exc:  # the edit's plan could not be drawn: say so once
        return [check("text_clear_of_subject", False, str(exc), f"< {limit:.0%} covered",
                      "edit", f"re-render the {cut.label} cut", variant=cut.label)]
    out: list[QACheck] = []
    for slot in p.audio.timeline:
        times = [t for i, t in samples if i == slot.index]
        share, when, over = _worst(p, cut, slot.index, times, texts)
        kinds = sorted({x.kind for x in over})
        words = "; ".join(f"{x.kind} “{x.text}”" for x in over[:2])
        out.append(check(
            "text_clear_of_subject", share < limit, share,
            f"< {limit:.0%} of the subject's box covered by text", "edit",
            f"move the {' and '.join(kinds) or 'text'} of {scene_name(slot.index)} in the "
            f"{cut.label} cut into free space, off the subject ({words})",
            detail=f"worst at {when:.2f} s" + (f": {words}" if words else ""),
            variant=cut.label, scene=slot.index,
        ))
    return out


def layout_frame_times(p: Production) -> list[float]:
    """Return the moments this check looks at frames, to decode them with the others."""
    return [t for _, t in sample_times(p)]
