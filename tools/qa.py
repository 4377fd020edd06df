"""The critic's first version: measured checks of a finished cut against the brief and the anchor.

Every check measures the files on disk (decoded frames, decoded audio, parsed captions), names
the stage that owns a failure and says what would fix it. Thresholds sit in ``THRESHOLDS`` so
they are visible in one place and quoted in the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.colour import palette_adherence
from tools.handoffs import (
    FPS,
    AudioPlan,
    Brief,
    EditResult,
    EditVariant,
    KeyVisuals,
    MotionSet,
    QACheck,
    QAReport,
    Script,
    StyleAnchor,
    frame_size,
)
from tools.layout import safe_area
from tools.media import MediaInfo, probe, read_audio, read_frames
from tools.mix import measure_loudness

THRESHOLDS = {
    "duration_tolerance_s": 0.5 + 1 / FPS,
    "lufs_target": -14.0,
    "lufs_tolerance": 1.0,
    "true_peak_max": -1.0,
    "palette_median_de": 15.0,
    "palette_share_min": 0.5,
    "palette_tolerance_de": 20.0,
    "silence_dbfs": -50.0,
    "beat_tolerance_s": 1 / FPS + 1e-3,
}


@dataclass
class Production:
    """Everything the critic reads: the contracts and the files they point to."""

    brief: Brief
    anchor: StyleAnchor
    script: Script
    keyvisuals: KeyVisuals
    motion: MotionSet
    audio: AudioPlan
    edit: EditResult
    scale: float = 1.0


def _check(
    name: str,
    passed: bool,
    value: float | str | None,
    threshold: str,
    stage: str,
    detail: str = "",
    variant: str | None = None,
    fix: str = "",
) -> QACheck:
    if isinstance(value, float):
        value = round(value, 3)
    return QACheck(
        name=name,
        passed=bool(passed),
        value=value,
        threshold=threshold,
        stage=stage,
        detail=detail,
        variant=variant,
        fix="" if passed else fix,
    )  # type: ignore[arg-type]


def _variant_checks(p: Production, v: EditVariant, info: MediaInfo) -> list[QACheck]:
    want_w, want_h = frame_size(v.aspect, p.scale)
    out = [
        _check(
            "resolution",
            (info.width, info.height) == (want_w, want_h),
            f"{info.width}x{info.height}",
            f"= {want_w}x{want_h}",
            "edit",
            variant=v.aspect,
            fix="re-render the variant at its platform size",
        ),
        _check(
            "aspect",
            info.height > 0 and abs(info.width / info.height - want_w / want_h) < 0.01,
            f"{info.width}:{info.height}",
            f"= {v.aspect}",
            "edit",
            variant=v.aspect,
            fix="reframe from the key frames at the platform aspect",
        ),
        _check(
            "video_format",
            info.video_codec == "h264" and abs(info.fps - FPS) < 0.01,
            f"{info.video_codec} {info.fps:g} fps",
            f"h264 at {FPS} fps",
            "edit",
            variant=v.aspect,
            fix="re-encode as H.264 at 30 fps",
        ),
    ]
    tol = THRESHOLDS["duration_tolerance_s"]
    off = info.duration_s - p.brief.duration_s
    owner = "music" if abs(p.audio.duration_s - p.brief.duration_s) > tol else "edit"
    out.append(
        _check(
            "duration",
            abs(off) <= tol,
            info.duration_s,
            f"{p.brief.duration_s:g} ± {tol:.2f} s",
            owner,
            variant=v.aspect,
            fix="refit the timeline to the brief's duration",
        )
    )
    return out


def _audio_checks(v: EditVariant, info: MediaInfo) -> list[QACheck]:
    if info.audio_codec is None:
        return [
            _check(
                "audio_present",
                False,
                "none",
                "an AAC stream",
                "edit",
                variant=v.aspect,
                fix="mux the mix into the video",
            )
        ]
    samples = read_audio(v.video)
    rms = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
    level = 20 * np.log10(max(rms, 1e-9))
    out = [
        _check(
            "audio_present",
            info.audio_codec == "aac" and level > THRESHOLDS["silence_dbfs"],
            f"{info.audio_codec} {level:.1f} dBFS",
            f"aac above {THRESHOLDS['silence_dbfs']:g} dBFS",
            "edit",
            variant=v.aspect,
            fix="mux the mix into the video as AAC",
        )
    ]
    if samples.shape[0] > 48000 * 0.5:
        lufs, tp = measure_loudness(samples, 48000)
        target, tol = THRESHOLDS["lufs_target"], THRESHOLDS["lufs_tolerance"]
        out.append(
            _check(
                "loudness",
                abs(lufs - target) <= tol,
                lufs,
                f"{target:g} ± {tol:g} LUFS",
                "music",
                variant=v.aspect,
                fix="renormalize the mix to -14 LUFS",
            )
        )
        out.append(
            _check(
                "true_peak",
                tp <= THRESHOLDS["true_peak_max"],
                tp,
                f"≤ {THRESHOLDS['true_peak_max']:g} dBTP",
                "music",
                variant=v.aspect,
                fix="limit the mix with more headroom",
            )
        )
    return out


_SRT_TIME = re.compile(r"(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})")


def parse_srt(path: str | Path) -> list[tuple[float, float, str]]:
    """Read an SRT file into (start, end, text) cues; an unreadable file has none."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    cues: list[tuple[float, float, str]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.strip().splitlines()
        for i, line in enumerate(lines):
            m = _SRT_TIME.search(line)
            if m:
                g = [int(x) for x in m.groups()]
                start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
                end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
                cues.append((start, end, " ".join(lines[i + 1 :]).strip()))
                break
    return cues


def _caption_checks(p: Production, v: EditVariant) -> list[QACheck]:
    out: list[QACheck] = []
    for lang in p.brief.languages:
        path = v.captions.get(lang)
        cues = parse_srt(path) if path else []
        out.append(
            _check(
                f"captions_{lang}",
                len(cues) >= 1,
                len(cues),
                "≥ 1 cue",
                "edit",
                variant=v.aspect,
                fix=f"write the {lang} captions",
            )
        )
    box, area = v.caption_box, safe_area(v.aspect, v.width, v.height)
    inside = (
        box.x >= area.x
        and box.y >= area.y
        and box.x + box.width <= area.x + area.width
        and box.y + box.height <= area.y + area.height
    )
    out.append(
        _check(
            "captions_safe_area",
            inside,
            f"{box.x},{box.y} {box.width}x{box.height}",
            f"inside {area.x},{area.y} {area.width}x{area.height}",
            "edit",
            variant=v.aspect,
            fix="move captions into the platform safe area",
        )
    )
    return out


def _palette_checks(p: Production) -> list[QACheck]:
    out: list[QACheck] = []
    med_max, share_min = THRESHOLDS["palette_median_de"], THRESHOLDS["palette_share_min"]
    tol = THRESHOLDS["palette_tolerance_de"]
    thr = f"median ΔE00 ≤ {med_max:g}, ≥ {share_min:.0%} within {tol:g}"
    from PIL import Image

    for frame in [*p.keyvisuals.frames, *p.keyvisuals.heroes]:
        with Image.open(frame.path) as im:
            rgb = np.asarray(
                im.convert("RGB").resize((90, 160) if im.height > im.width else (160, 90))
            )
        med, share = palette_adherence(rgb, p.anchor.palette, tol)
        name = "hero" if frame.scene_index < 0 else f"scene {frame.scene_index + 1}"
        out.append(
            _check(
                "palette_key_frame",
                med <= med_max and share >= share_min,
                med,
                thr,
                "keyvisual",
                detail=f"{name}: {share:.0%} of pixels within ΔE {tol:g}",
                variant=frame.aspect,
                fix=f"regenerate {name} with the anchor palette weighted up",
            )
        )
    for v in p.edit.variants:
        times = [ts.start_s + ts.duration_s * 0.45 for ts in p.audio.timeline]
        frames = read_frames(v.video, times, size=(96, int(96 * v.height / v.width) // 2 * 2))
        for ts, rgb in zip(p.audio.timeline, frames, strict=True):
            med, share = palette_adherence(rgb, p.anchor.palette, tol)
            out.append(
                _check(
                    "palette_video",
                    med <= med_max and share >= share_min,
                    med,
                    thr,
                    "motion",
                    detail=f"scene {ts.index + 1} at {ts.start_s:.1f} s",
                    variant=v.aspect,
                    fix="re-render the clip from its key frame",
                )
            )
    return out


def _story_checks(p: Production) -> list[QACheck]:
    out: list[QACheck] = []
    cta = p.brief.cta.lower()
    last = p.script.scenes[-1]
    said = cta in last.narration.lower() or cta in last.on_screen_text.lower()
    total = p.audio.duration_s
    card = p.edit.cta.lower() == cta and p.edit.end_card_start_s < total - 0.5
    out.append(
        _check(
            "cta_present",
            said and card,
            p.edit.cta,
            "CTA in the last scene and end card",
            "edit" if said else "script",
            fix="put the CTA on the end card and in the last line",
        )
    )
    words = [w.lower() for w in p.anchor.words] + [p.anchor.subject.name.lower()]
    for stage, prompts in (
        ("keyvisual", [f.prompt for f in p.keyvisuals.frames]),
        ("motion", [c.prompt for c in p.motion.clips]),
    ):
        missing = sorted({w for pr in prompts for w in words if w not in pr.lower()})
        out.append(
            _check(
                "anchor_in_prompts",
                not missing,
                len(prompts) if not missing else ", ".join(missing),
                "every anchor word and the subject in every prompt",
                stage,
                fix="carry the anchor line into every prompt",
            )
        )
    for ts in p.audio.timeline:
        room = ts.start_s + ts.duration_s - ts.narration_start_s
        out.append(
            _check(
                "narration_fits",
                ts.narration_s <= room + 1e-3,
                ts.narration_s,
                f"≤ {room:.2f} s",
                "voice",
                detail=f"scene {ts.index + 1}",
                fix="shorten the line or slow nothing: refit the timeline",
            )
        )
    beat = p.audio.beat_s
    worst = 0.0
    for ts in p.audio.timeline[1:]:
        worst = max(worst, abs(ts.start_s - round(ts.start_s / beat) * beat))
    out.append(
        _check(
            "cuts_on_beats",
            worst <= THRESHOLDS["beat_tolerance_s"],
            worst,
            f"≤ {THRESHOLDS['beat_tolerance_s']:.3f} s from a beat",
            "music",
            fix="snap the cuts to the beat grid",
        )
    )
    return out


def _cover_check(v: EditVariant) -> QACheck:
    from PIL import Image

    try:
        with Image.open(v.cover) as im:
            size = im.size
    except (OSError, ValueError):
        size = (0, 0)
    return _check(
        "cover",
        size == (v.width, v.height),
        f"{size[0]}x{size[1]}",
        f"= {v.width}x{v.height}",
        "edit",
        variant=v.aspect,
        fix="make the cover from the hero key visual",
    )


def run_checks(p: Production) -> QAReport:
    """Measure a production and return the report; it never raises for a bad file, it fails it."""
    checks: list[QACheck] = []
    for v in p.edit.variants:
        try:
            info = probe(v.video)
        except Exception as exc:  # an unreadable render is a failed check, not a crash
            checks.append(
                _check(
                    "video_readable",
                    False,
                    str(exc),
                    "a readable video",
                    "edit",
                    variant=v.aspect,
                    fix="re-render the variant",
                )
            )
            continue
        checks += _variant_checks(p, v, info)
        checks += _audio_checks(v, info)
        checks += _caption_checks(p, v)
        checks.append(_cover_check(v))
    checks += _palette_checks(p)
    checks += _story_checks(p)
    return QAReport(checks=checks)
