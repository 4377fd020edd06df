"""Picture checks: palette adherence of key frames and clips, cross-scene consistency, the cover.

Palette adherence is the CIEDE2000 distance of each pixel to its nearest anchor colour; scenes
are compared with each other by mean colour and by detail and contrast; the cover must be the
hero frame (pixel by pixel, under its title) and sit in the video's colours.

Every figure is remembered by what it measures: a still's by its bytes and the palette, a clip
frame's thumbnail by the frame's identity (tools.qa.frame_keys), so a revision that changed the
CTA measures no key frame again, and one that changed the look no sound.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from tools.common.colour import nearest_palette_distance, palette_adherence, rgb_to_hex
from tools.handoffs import ASPECT_SIZE, KeyFrame, QACheck, frame_size
from tools.qa.checks_base import THRESHOLDS, Cut, Production, check, scene_name
from tools.qa.decode import Memo, decode_frames, file_digest
from tools.qa.frame_keys import FrameAsk
from tools.qa.measure_image import colour_distance, mean_lab, picture, pixel_difference, structure

SAMPLES_PER_SCENE = (0.2, 0.5, 0.8)

# A still against a palette: (median ΔE, share within tolerance, the colour it drifts toward).
_adherence: Memo[tuple[float, float, str]] = Memo(1024, "still_palette")
# A still's look: its mean Lab colour and its (detail, contrast).
_looks: Memo[tuple[Any, tuple[float, float]]] = Memo(1024, "still_look")
# A sampled clip frame, shrunk to the thumbnail the palette is judged on.
_thumbs: Memo[np.ndarray] = Memo(4096, "frame_thumb")


def _palette_threshold() -> str:
    t = THRESHOLDS
    return (
        f"median ΔE00 ≤ {t['palette_median_de']:g}, ≥ {t['palette_share_min']:.0%} "
        f"within {t['palette_tolerance_de']:g}"
    )


def _drift_colour(rgb: np.ndarray, palette: list[str]) -> str:
    """Return the mean colour of the pixels furthest from the palette: where the frame drifts."""
    flat = rgb.reshape(-1, 3)[:: max(1, rgb.size // 3 // 4096)]
    d = nearest_palette_distance(flat, palette)
    far = flat[d >= np.percentile(d, 75)]
    return rgb_to_hex(far.mean(axis=0)) if far.size else "#000000"


def _adheres(rgb: np.ndarray, palette: list[str]) -> tuple[bool, float, float]:
    med, share = palette_adherence(rgb, palette, THRESHOLDS["palette_tolerance_de"])
    return _passes(med, share), med, share


def _passes(med: float, share: float) -> bool:
    return med <= THRESHOLDS["palette_median_de"] and share >= THRESHOLDS["palette_share_min"]


def still_adherence(path: str | Path, palette: list[str]) -> tuple[float, float, str]:
    """Return a still's (median ΔE, share within tolerance, drift colour), once per content."""

    def measure() -> tuple[float, float, str]:
        rgb = picture(path).thumb
        _, med, share = _adheres(rgb, palette)
        return med, share, _drift_colour(rgb, palette)

    return _adherence.get((file_digest(path), tuple(palette)), measure)


def _look(path: str) -> tuple[Any, tuple[float, float]]:
    def measure() -> tuple[Any, tuple[float, float]]:
        rgb = picture(path).thumb
        return mean_lab(rgb), structure(rgb)

    return _looks.get(file_digest(path), measure)


def key_frame_checks(p: Production) -> list[QACheck]:
    """Check every key frame and hero against the palette, and scenes against each other."""
    out: list[QACheck] = []
    palette = p.anchor.palette
    readable: set[str] = set()
    for frame in [*p.keyvisuals.frames, *p.keyvisuals.heroes]:
        name = scene_name(frame.scene_index)
        try:
            med, share, drift = still_adherence(frame.path, palette)
        except (OSError, ValueError):
            out.append(
                check("palette_key_frame", False, "unreadable", _palette_threshold(),
                      "keyvisual", f"render {name} again", variant=frame.aspect,
                      scene=frame.scene_index)
            )
            continue
        readable.add(frame.path)
        out.append(
            check(
                "palette_key_frame", _passes(med, share), med, _palette_threshold(), "keyvisual",
                f"{name} ({frame.aspect}) drifts from the palette toward "
                f"{drift}: regenerate it with the anchor palette "
                f"{' '.join(palette)} weighted up",
                detail=f"{name}: {share:.0%} of pixels within ΔE "
                f"{THRESHOLDS['palette_tolerance_de']:g}",
                variant=frame.aspect, scene=frame.scene_index,
            )
        )
    for aspect in dict.fromkeys(f.aspect for f in p.keyvisuals.frames):
        scenes = [f for f in p.keyvisuals.frames if f.aspect == aspect and f.path in readable]
        out += _consistency(scenes)
    return out


def _consistency(frames: list[KeyFrame]) -> list[QACheck]:
    """Compare each scene's mean colour, detail and contrast with the median of the set."""
    if len(frames) < 3:
        return []
    measured = [_look(f.path) for f in frames]
    means = np.array([m for m, _ in measured])
    looks = np.array([look for _, look in measured])
    centre, look_centre = np.median(means, axis=0), np.median(looks, axis=0)
    limit, ratio_max = THRESHOLDS["scene_colour_de"], THRESHOLDS["scene_structure_ratio"]
    out: list[QACheck] = []
    for f, m, look in zip(frames, means, looks, strict=True):
        name = scene_name(f.scene_index)
        de = colour_distance(m, centre)
        out.append(
            check(
                "scene_colour_consistency", de <= limit, de,
                f"mean colour within ΔE00 {limit:g} of the other scenes", "keyvisual",
                f"{name} ({f.aspect}) is off in colour from the other scenes: regenerate it with "
                "the anchor palette and lighting weighted up",
                variant=f.aspect, scene=f.scene_index,
            )
        )
        ratios = np.maximum(look, 1e-3) / np.maximum(look_centre, 1e-3)
        worst = float(np.max(np.maximum(ratios, 1 / ratios)))
        out.append(
            check(
                "scene_structure_consistency", worst <= ratio_max, worst,
                f"detail and contrast within {ratio_max:g}x of the other scenes", "keyvisual",
                f"{name} ({f.aspect}) looks unlike the other scenes (detail {look[0]:.1f} vs "
                f"{look_centre[0]:.1f}, contrast {look[1]:.1f} vs {look_centre[1]:.1f}): "
                "regenerate it with the anchor's style words and the same subject reference",
                variant=f.aspect, scene=f.scene_index,
            )
        )
    return out


def sample_times(p: Production) -> list[tuple[int, float]]:
    """Return (scene, time) pairs inside each scene, clear of crossfades and the end card."""
    margin = p.edit.transition_s / 2 + 0.05
    out: list[tuple[int, float]] = []
    for slot in p.audio.timeline:
        a = slot.start_s + (margin if slot.index else 0.0)
        b = slot.start_s + slot.duration_s - margin
        if b > p.edit.end_card_start_s:  # the card dims the picture: judge the clip before it
            b = p.edit.end_card_start_s - 0.05
        if b <= a:
            a, b = slot.start_s, slot.start_s + slot.duration_s
        out += [(slot.index, a + (b - a) * k) for k in SAMPLES_PER_SCENE]
    return out


def clip_asks(p: Production, cut: Cut) -> list[FrameAsk[np.ndarray]]:
    """Return the thumbnails of sampled clip frames ``clip_checks`` measures, in its order."""
    size = _thumb_size(cut)
    return [FrameAsk(_thumbs, ("thumb", size), (t,)) for _, t in sample_times(p)]


def _thumb(video: str, t: float, size: tuple[int, int]) -> np.ndarray:
    return decode_frames(video, [t], size=size)[0]


def clip_checks(p: Production, cut: Cut) -> tuple[list[QACheck], np.ndarray | None]:
    """Check sampled frames of each scene's clip in a cut; return them and the cut's mean colour."""
    times = sample_times(p)
    size = _thumb_size(cut)
    try:
        frames = [ask.measured(cut.video, partial(_thumb, cut.video, t, size))
                  for ask, (_, t) in zip(clip_asks(p, cut), times, strict=True)]
    except Exception:  # the readable check already failed this cut
        return [], None
    height = frame_size(cut.aspect, p.scale)[1]
    out: list[QACheck] = []
    for slot in p.audio.timeline:
        picks = [f for (i, _), f in zip(times, frames, strict=True) if i == slot.index]
        rgb = np.concatenate([_above_captions(f, cut.caption_box.y, height) for f in picks])
        ok, med, share = _adheres(rgb, p.anchor.palette)
        name = scene_name(slot.index)
        out.append(
            check(
                "palette_clip", ok, med, _palette_threshold(), "motion",
                f"{name}'s clip in the {cut.label} cut drifts toward "
                f"{_drift_colour(rgb, p.anchor.palette)}: re-render it from its key frame",
                detail=f"{name}: {share:.0%} of pixels within ΔE "
                f"{THRESHOLDS['palette_tolerance_de']:g} over {len(picks)} frames",
                variant=cut.label, scene=slot.index,
            )
        )
    return out, np.mean([mean_lab(f) for f in frames], axis=0)


def _thumb_size(cut: Cut) -> tuple[int, int]:
    w, h = ASPECT_SIZE[cut.aspect]  # long side 96: 9:16 -> 54x96, 2:3 -> 64x96
    return round(w * 96 / max(w, h)), round(h * 96 / max(w, h))


def _above_captions(frame: np.ndarray, box_y: int, height: int) -> np.ndarray:
    """Return the frame's pixels above the caption box: the plates are not the clip's colours."""
    rows = max(1, min(frame.shape[0], round(box_y * frame.shape[0] / max(1, height))))
    return frame[:rows].reshape(-1, 3)


def cover_checks(p: Production, cut: Cut, video_lab: np.ndarray | None) -> list[QACheck]:
    """Check the cover is made from the hero frame and sits in the video's colours."""
    try:
        cover = picture(cut.cover)
    except (OSError, ValueError):
        return [check("cover_from_hero", False, "unreadable", "a cover image", "edit",
                      f"draw the {cut.label} cover from the hero frame", variant=cut.label)]
    out: list[QACheck] = []
    limit = THRESHOLDS["cover_hero_de"]
    try:
        diff = pixel_difference(cover.grid, picture(cut.hero).grid)
    except (OSError, ValueError):
        diff = float("inf")
    out.append(
        check(
            "cover_from_hero", diff <= limit, diff,
            f"median ΔE00 ≤ {limit:g} against the hero frame", "edit",
            f"the {cut.label} cover is not the hero frame: redraw it from the hero key visual",
            variant=cut.label,
        )
    )
    med, share, _ = still_adherence(cut.cover, p.anchor.palette)
    near = THRESHOLDS["cover_video_de"]
    gap = colour_distance(_look(cut.cover)[0], video_lab) if video_lab is not None else 0.0
    out.append(
        check(
            "cover_palette", _passes(med, share) and gap <= near, med,
            f"{_palette_threshold()}; mean colour within ΔE00 {near:g} of the video", "edit",
            f"the {cut.label} cover's colours are off the video's (ΔE00 {gap:.1f}): redraw it "
            "from the hero frame in the anchor palette",
            detail=f"{share:.0%} of pixels within the palette; ΔE00 {gap:.1f} from the video",
            variant=cut.label,
        )
    )
    return out
