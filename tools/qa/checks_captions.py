"""On-screen text checks per cut: captions (per language, safe area, contrast, speed), end card.

Contrast is measured on decoded frames while each cue is on screen, inside the caption box, so
it is the contrast a viewer gets over the actual picture, not the plate's nominal colour. The
end card is found by drawing it again and matching it inside its panel. Both figures are
remembered by the frames' identities (tools.qa.frame_keys), so only changed segments are decoded.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from tools.common.layout import contains, safe_area
from tools.common.media import MediaInfo
from tools.common.overlays import end_card
from tools.handoffs import QACheck, frame_size
from tools.qa.checks_base import THRESHOLDS, Cut, Production, check, normalize_text
from tools.qa.decode import Memo, decode_frames, probe_file
from tools.qa.frame_keys import FrameAsk
from tools.qa.measure_image import caption_contrast, relative_luminance

MAX_CONTRAST_SAMPLES = 12
# Cuts are judged in parallel and the card's fonts are shared FreeType objects: draw one at a time.
_drawing = threading.Lock()
_SRT_TIME = re.compile(r"(\d+):(\d{2}):(\d{2})[,.](\d{3})")

Cue = tuple[float, float, str]
# The caption box's contrast in one frame; the card's (presence, change) between two frames.
_contrasts: Memo[float] = Memo(4096, "caption_contrast")
_cards: Memo[tuple[float, float]] = Memo(512, "card_presence")


def read_srt(path: str | Path) -> list[Cue]:
    """Read an SRT file into (start, end, text) cues; a missing or broken file has none."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.strip().splitlines()
        for i, line in enumerate(lines):
            stamps = _SRT_TIME.findall(line)
            if "-->" in line and len(stamps) == 2:
                a, b = (int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000
                        for h, m, s, ms in stamps)
                cues.append((a, b, " ".join(x.strip() for x in lines[i + 1 :]).strip()))
                break
    return cues


def caption_checks(p: Production, cut: Cut) -> list[QACheck]:
    """Check one cut's captions: present per language, inside the safe area, readable."""
    out: list[QACheck] = []
    cues_by_lang: dict[str, list[Cue]] = {}
    for lang in p.accept.languages:
        path = cut.captions.get(lang, "")
        cues = read_srt(path) if path else []
        cues_by_lang[lang] = cues
        out.append(
            check(
                "captions_present", len(cues) >= 1, len(cues), "≥ 1 cue", "edit",
                f"write the {lang} captions for the {cut.label} cut", detail=lang,
                variant=cut.label,
            )
        )
    box = cut.caption_box
    width, height = frame_size(cut.aspect, p.scale)
    area = safe_area(cut.aspect, width, height)
    out.append(
        check(
            "captions_safe_area", contains(area, box),
            f"{box.x},{box.y} {box.width}x{box.height}",
            f"inside {area.x},{area.y} {area.width}x{area.height}", "edit",
            f"move the {cut.label} captions inside the safe area (rows {area.y}–"
            f"{area.y + area.height}, columns {area.x}–{area.x + area.width})",
            variant=cut.label,
        )
    )
    burned = cues_by_lang.get(p.accept.languages[0], [])
    out.append(_contrast_check(p, cut, burned))
    out.append(_speed_check(p, cut, [c for cues in cues_by_lang.values() for c in cues]))
    return out


def _contrast_cues(cues: list[Cue]) -> list[Cue]:
    """Pick at most MAX_CONTRAST_SAMPLES cues spread over the cut."""
    step = -(-len(cues) // MAX_CONTRAST_SAMPLES) or 1
    return cues[::step]


def _contrast_asks(cut: Cut, cues: list[Cue]) -> list[FrameAsk[float]]:
    b = cut.caption_box
    crop = (b.x, b.y, b.width, b.height)
    return [FrameAsk(_contrasts, ("contrast", crop), ((a + e) / 2,))
            for a, e, _ in _contrast_cues(cues)]


def _card_ask(p: Production, cut: Cut, info: MediaInfo) -> FrameAsk[tuple[float, float]] | None:
    """Return the card's measurement: everything the card is drawn from, and its two frames."""
    start = p.edit.end_card_start_s
    if not 0 < start < info.duration_s:
        return None
    drawn = ("card", p.edit.cta, p.brief.title, info.width, info.height,
             tuple(p.anchor.palette), cut.aspect, cut.caption_box.y)
    return FrameAsk(_cards, drawn, (start - 0.25, (start + p.audio.duration_s) / 2))


def caption_asks(p: Production, cut: Cut) -> list[FrameAsk[Any]]:
    """Return the frame measurements this module will make of a cut, to decode them in one pass."""
    cues = read_srt(cut.captions.get(p.accept.languages[0], ""))
    asks: list[FrameAsk[Any]] = [*_contrast_asks(cut, cues)]
    try:
        card = _card_ask(p, cut, probe_file(cut.video))
    except Exception:  # an unreadable video fails its own check
        card = None
    return asks + ([card] if card is not None else [])


def _contrast_check(p: Production, cut: Cut, cues: list[Cue]) -> QACheck:
    minimum = p.accept.min_caption_contrast
    threshold = f"≥ {minimum:g}:1 over the picture"
    if not cues:
        return check("captions_contrast", False, "no cues", threshold, "edit",
                     f"burn the captions into the {cut.label} cut", variant=cut.label)
    picked = _contrast_cues(cues)
    b = cut.caption_box
    crop = (b.x, b.y, b.width, b.height)
    try:
        ratios = [ask.measured(cut.video, partial(_contrast_at, cut.video, ask.times[0], crop))
                  for ask in _contrast_asks(cut, cues)]
    except Exception as exc:  # an unreadable video already fails its own check
        return check("captions_contrast", False, str(exc), threshold, "edit",
                     f"re-render the {cut.label} cut", variant=cut.label)
    worst = min(range(len(ratios)), key=lambda i: ratios[i])
    return check(
        "captions_contrast", ratios[worst] >= minimum, ratios[worst], threshold, "edit",
        f"the caption “{picked[worst][2]}” reads at {ratios[worst]:.1f}:1 in the {cut.label} "
        "cut: darken its plate or move it off the bright area",
        detail=f"{len(ratios)} cues measured at {picked[worst][0]:.1f} s worst",
        variant=cut.label,
    )


def _contrast_at(video: str, t: float, crop: tuple[int, int, int, int]) -> float:
    return caption_contrast(decode_frames(video, [t], crop=crop)[0])


def _speed_check(p: Production, cut: Cut, cues: list[Cue]) -> QACheck:
    limit = p.accept.max_reading_cps
    threshold = f"≤ {limit:g} characters/s"
    if not cues:
        return check("captions_reading_speed", False, "no cues", threshold, "edit",
                     f"write the {cut.label} captions", variant=cut.label)
    speeds = [len(text) / max(1e-3, e - a) for a, e, text in cues]
    worst = max(range(len(cues)), key=lambda i: speeds[i])
    # SRT keeps milliseconds, so a cue timed at exactly the limit can read a hair over it.
    return check(
        "captions_reading_speed", speeds[worst] <= limit + 0.1, speeds[worst], threshold,
        "edit",
        f"the cue “{cues[worst][2]}” needs {len(cues[worst][2]) / limit:.1f} s on screen: "
        "split it or hold it longer",
        variant=cut.label,
    )


def end_card_check(p: Production, cut: Cut, info: MediaInfo) -> QACheck:
    """Check the CTA end card comes in at the end: the card is on screen once it should be.

    The card is drawn again from the production (its CTA, title, palette and the panel area
    above the captions, as the edit draws it) and laid over the frame just before it starts;
    inside the card's panel the frame while the card is up must match that picture far better
    than it matches the frame before. A change of the whole picture is no measure: the card
    dims the frame only lightly, so a dark plate over a dark palette moves the mean by a few
    percent, while the picture moving on without a card can move it as much.
    """
    start = p.edit.end_card_start_s
    limit = THRESHOLDS["end_card_min_presence"]
    threshold = f"the CTA card explains ≥ {limit:.0%} of the change in its panel"
    fix = f"put the CTA “{p.accept.cta}” on an end card at the end of the {cut.label} cut"
    ask = _card_ask(p, cut, info)
    if ask is None:
        return check("cta_end_card", False, f"card at {start:.2f} s", threshold, "edit", fix,
                     variant=cut.label)
    try:
        presence, change = ask.measured(cut.video, partial(_card_measure, p, cut, info, ask))
    except Exception as exc:  # an unreadable video already fails its own check
        return check("cta_end_card", False, str(exc), threshold, "edit", fix, variant=cut.label)
    same_cta = normalize_text(p.edit.cta) == normalize_text(p.accept.cta)
    return check(
        "cta_end_card", presence >= limit and same_cta, presence, threshold, "edit", fix,
        detail=f"card from {start:.2f} s reads “{p.edit.cta}”; its panel changes luminance "
        f"by {change:.3f} when it comes in",
        variant=cut.label,
    )


def _card_measure(p: Production, cut: Cut, info: MediaInfo, ask: FrameAsk[tuple[float, float]]
                  ) -> tuple[float, float]:
    """Draw the card again and measure how much of its panel's change it explains."""
    panel = _card_panel(p, cut, info.width, info.height)
    before, during = decode_frames(cut.video, list(ask.times),
                                   crop=panel.box if panel else (0, 0, 1, 1))
    return _card_presence(panel, before, during) if panel else (0.0, 0.0)


@dataclass(frozen=True)
class _Panel:
    """The end card's panel: its bounding box in the frame (x, y, w, h), the card drawn over
    that box (RGBA, 0-1) and where inside it the panel is opaque enough to compare."""

    box: tuple[int, int, int, int]
    rgba: np.ndarray
    opaque: np.ndarray


def _card_panel(p: Production, cut: Cut, width: int, height: int) -> _Panel | None:
    """Draw the end card as the edit does for a ``width`` x ``height`` cut; None if no panel.

    Only the panel is compared, so only its bounding box of the frames is decoded and worked on.
    """
    safe = safe_area(cut.aspect, width, height)
    area = (safe.x, safe.y, safe.width, max(1, cut.caption_box.y - safe.y))
    with _drawing:
        card = end_card(p.edit.cta, p.brief.title, width, height, p.anchor.palette, area)
    opaque = np.asarray(card.getchannel("A"), dtype=np.float64) / 255.0 >= 0.8
    if not opaque.any():
        return None
    rows, cols = np.flatnonzero(opaque.any(axis=1)), np.flatnonzero(opaque.any(axis=0))
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    rgba = np.asarray(card.crop((x0, y0, x1, y1)), dtype=np.float64) / 255.0
    return _Panel((x0, y0, x1 - x0, y1 - y0), rgba, opaque[y0:y1, x0:x1])


def _card_presence(panel: _Panel, before: np.ndarray, during: np.ndarray) -> tuple[float, float]:
    """Return (share of the panel's change the card explains, mean change in the panel).

    ``before`` and ``during`` are the frames' pixels inside the panel's box. 1.0 means the frame
    under the card is exactly the frame before with the card over it; 0 or less means the panel
    looks no more like the card than like the picture without it.
    """
    alpha = panel.rgba[..., 3:4]
    expected = before.astype(np.float64) * (1 - alpha) + panel.rgba[..., :3] * 255.0 * alpha
    lum_before, lum_during, lum_card = (
        relative_luminance(np.clip(x, 0, 255).astype(np.uint8))[panel.opaque]
        for x in (before, during, expected)
    )
    change = float(np.abs(lum_during - lum_before).mean())
    miss = float(np.abs(lum_during - lum_card).mean())
    return 1.0 - miss / max(change, 1e-6), change
