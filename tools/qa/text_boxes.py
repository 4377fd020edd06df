"""Find the burned-in text of a cut: where its captions and scene titles are, and when.

The edit's own plan (tools.edit.cut.variant_plan, drawn into a scratch folder) says which
stills it burns in, when, and where its layout put them; captions are taken from it as they
are (their box is the edit's record, judged by the safe-area check). Titles are looked for in
the decoded frames themselves: each title's plate, as the edit draws it, is matched against
the frame (normalised cross-correlation), so a title that moved, or that the layout placed
somewhere other than where it says, is measured where it really is. The plates are drawn once
per judgment of a cut, and a title's place is remembered by the frame's identity.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from scipy.signal import fftconvolve

from tools.edit.cut import variant_plan
from tools.edit.filtergraph import Overlay
from tools.handoffs import frame_size
from tools.qa.checks_base import Cut, Production
from tools.qa.decode import Memo, decode_frames, on_forget
from tools.qa.frame_keys import FrameAsk

# A title is found where its plate correlates with the frame at least this well; clean titles
# match at 0.99+ (white type on a plate is unlike any key art), a missing one stays under 0.5.
MIN_MATCH = 0.6
_SEARCH_SIDE = 320  # frames and plates are matched at most this wide: 40 ms a title
_LUMA = np.array([0.299, 0.587, 0.114])
_found: Memo[tuple[int, int, float] | None] = Memo(1024, "title_box")
# The edit's stills share FreeType faces with the cuts judged beside this one: draw one at a time.
_drawing = threading.Lock()
# The plates drawn for the judgment running now, by production and aspect (the production is
# kept beside them, so its id cannot be mistaken for a later one's).
_drawn: dict[tuple[int, str], tuple[Production, tuple[list[_Plate], list[_Plate]]]] = {}
on_forget(_drawn.clear)  # forgotten with the judgment's decoded frames


@dataclass(frozen=True)
class TextBox:
    """A burned-in text: what it is, its pixels in the cut (x, y, w, h) and when it shows."""

    kind: str  # "title" or "caption"
    text: str
    box: tuple[int, int, int, int]
    start_s: float
    end_s: float
    scene: int | None = None

    def shows_at(self, t: float) -> bool:
        return self.start_s <= t <= self.end_s


@dataclass(frozen=True)
class _Plate:
    """A still the edit drew: where it placed it and its luminance over black (for matching)."""

    overlay: Overlay
    luma: np.ndarray
    digest: str


def _plates(p: Production, cut: Cut) -> tuple[list[_Plate], list[_Plate]]:
    """Draw the cut's stills as the edit does (once per judgment); return titles and captions."""
    with _drawing:
        kept = _drawn.get((id(p), cut.aspect))
        if kept is not None and kept[0] is p:
            return kept[1]
        with tempfile.TemporaryDirectory(prefix="qa-text-") as folder:
            plan, _ = variant_plan(p.brief, p.script, p.audio, p.motion, p.anchor, cut.aspect,
                                   Path(folder), p.scale, p.options, keyvisuals=p.keyvisuals)
            plates = [_plate(o) for o in plan.titles], [_plate(o) for o in plan.captions]
        _drawn[(id(p), cut.aspect)] = (p, plates)
        return plates


def _plate(overlay: Overlay) -> _Plate:
    data = overlay.path.read_bytes()
    with Image.open(overlay.path) as image:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float64)
    luma = (rgba[..., :3] @ _LUMA) * rgba[..., 3] / 255.0
    return _Plate(overlay, luma, hashlib.sha1(data).hexdigest())


def _scene_of(name: str) -> int | None:
    digits = "".join(ch for ch in Path(name).stem if ch.isdigit())
    return int(digits) if digits else None


def _ncc(image: np.ndarray, template: np.ndarray) -> np.ndarray:
    """Return the normalised cross-correlation of ``template`` at every place in ``image``."""
    t = template - template.mean()
    ones = np.ones_like(template)
    n = template.size
    num = fftconvolve(image, t[::-1, ::-1], mode="valid")
    s1 = fftconvolve(image, ones, mode="valid")
    s2 = fftconvolve(image * image, ones, mode="valid")
    var = np.maximum(s2 - s1 * s1 / n, 1e-9)
    return np.asarray(num / np.sqrt(var * max(float((t * t).sum()), 1e-9)))


def _locate(frame: np.ndarray, plate: np.ndarray) -> tuple[int, int, float] | None:
    """Return (x, y, score) of the plate's best match in an RGB frame, or None if it cannot fit."""
    grey = frame.astype(np.float64) @ _LUMA
    k = max(1, -(-max(grey.shape) // _SEARCH_SIDE))
    small, tmpl = grey[::k, ::k], plate[::k, ::k]
    if tmpl.shape[0] > small.shape[0] or tmpl.shape[1] > small.shape[1] or tmpl.std() < 1e-6:
        return None
    scores = _ncc(small, tmpl)
    y, x = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return int(x) * k, int(y) * k, float(scores[y, x])


def title_time(overlay: Overlay, times: list[float]) -> float:
    """Return the moment a title is looked for: the sampled time nearest its middle."""
    inside = [t for t in times if overlay.start_s <= t <= overlay.end_s]
    middle = (overlay.start_s + overlay.end_s) / 2
    return min(inside, key=lambda t: abs(t - middle)) if inside else middle


def _title_ask(plate: _Plate, times: list[float]) -> FrameAsk[tuple[int, int, float] | None]:
    return FrameAsk(_found, ("title", plate.digest), (title_time(plate.overlay, times),))


def title_asks(p: Production, cut: Cut, times: list[float]) -> list[FrameAsk[Any]]:
    """Return the frames ``text_boxes`` looks for titles in, to decode them with the others."""
    try:
        titles, _ = _plates(p, cut)
    except Exception:  # the plan could not be drawn: text_boxes says so
        return []
    return [_title_ask(plate, times) for plate in titles]


def text_boxes(p: Production, cut: Cut, times: list[float]) -> list[TextBox]:
    """Return the cut's burned-in texts; titles where they are found in the frames at ``times``.

    A title whose plate is found nowhere (under MIN_MATCH) is not on screen and is left out.
    """
    titles, captions = _plates(p, cut)
    width, height = frame_size(cut.aspect, p.scale)
    cues = [c for c in p.edit.captions if c.language == p.accept.languages[0]]
    out = [
        TextBox("caption", cues[i].text if i < len(cues) else "",
                (c.overlay.x, c.overlay.y, c.luma.shape[1], c.luma.shape[0]),
                c.overlay.start_s, c.overlay.end_s)
        for i, c in enumerate(captions)
    ]
    scenes = {s.index: s.on_screen_text for s in p.script.scenes}
    for plate in titles:
        # Keyed by the frame's segment: a revision re-measures only the segments it changed.
        ask = _title_ask(plate, times)
        found = ask.measured(cut.video, partial(_find, cut.video, ask.times[0], plate.luma))
        if found is None or found[2] < MIN_MATCH:
            continue
        x, y, _ = found
        w, h = plate.luma.shape[1], plate.luma.shape[0]
        scene = _scene_of(plate.overlay.path.name)
        text = scenes.get(scene, "") if scene is not None else ""
        out.append(TextBox("title", text, (min(x, width - w), min(y, height - h), w, h),
                           plate.overlay.start_s, plate.overlay.end_s, scene))
    return out


def _find(video: str, t: float, plate: np.ndarray) -> tuple[int, int, float] | None:
    try:
        frame = decode_frames(video, [t])[0]
    except Exception:  # an unreadable video fails its own check
        return None
    return _locate(frame, plate)
