"""Format checks per cut: readable, size, aspect, codec and frame rate, length, audio, cover size.

Each reads the file as ffmpeg sees it, so a re-encoded or swapped file is judged as it now is.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from tools.common.media import MediaInfo
from tools.handoffs import FPS, PLATFORM_ASPECT, QACheck, Stage, frame_size
from tools.qa.checks_base import Cut, Production, check
from tools.qa.decode import audio_summary, probe_file

SILENCE_DBFS = -50.0


def probe_cut(cut: Cut) -> tuple[MediaInfo | None, QACheck]:
    """Probe a cut's video; an unreadable file is a failed check, never a crash."""
    try:
        info = probe_file(cut.video)
    except Exception as exc:  # a broken render must fail its check, not the critic
        return None, check(
            "video_readable", False, str(exc), "a readable video", "edit",
            f"re-render the {cut.label} video", variant=cut.label,
        )
    return info, check("video_readable", True, "ok", "a readable video", "edit", "",
                       variant=cut.label)


def format_checks(p: Production, cut: Cut, info: MediaInfo) -> list[QACheck]:
    """Check size, aspect, codec, frame rate and length of one cut against its platforms."""
    want_w, want_h = frame_size(cut.aspect, p.scale)
    ratio = info.width / info.height if info.height else 0.0
    out = [
        check(
            "resolution", (info.width, info.height) == (want_w, want_h),
            f"{info.width}x{info.height}", f"= {want_w}x{want_h}", "edit",
            f"re-render the {cut.label} cut at {want_w}x{want_h}", variant=cut.label,
        ),
        check(
            "aspect", abs(ratio - want_w / want_h) < 0.01, f"{info.width}:{info.height}",
            f"= {cut.aspect}", "edit", f"reframe the {cut.label} cut from the key frames at "
            f"{cut.aspect}", variant=cut.label,
        ),
        check(
            "video_format", info.video_codec == "h264" and abs(info.fps - FPS) < 0.01,
            f"{info.video_codec} {info.fps:g} fps", f"h264 at {FPS} fps", "edit",
            f"re-encode the {cut.label} cut as H.264 at {FPS} fps", variant=cut.label,
        ),
    ]
    out.append(_duration_check(p, cut, info))
    return out


def _duration_check(p: Production, cut: Cut, info: MediaInfo) -> QACheck:
    low, high = p.accept.duration_min_s, p.accept.duration_max_s
    planned = p.audio.duration_s
    stage: Stage
    if low <= planned <= high:
        stage, fix = "edit", f"cut the {cut.label} video to the fitted {planned:.2f} s timeline"
    else:
        # The timeline grows when the lines need more room than the brief allows.
        longest = max(p.script.scenes, key=lambda s: len(s.narration.split()))
        over = planned - p.accept.duration_s
        words = max(1, round(abs(over) * 2.5))
        stage = "script"
        fix = (
            f"the narration needs {planned:.1f} s but the brief asks for "
            f"{p.accept.duration_s:g} s: cut about {words} words (start with "
            f"scene {longest.index + 1}) or use fewer scenes"
            if over > 0
            else f"the script runs {-over:.1f} s short: add a line or a scene"
        )
    return check(
        "duration", low <= info.duration_s <= high, info.duration_s,
        f"{low:g}–{high:g} s", stage, fix, variant=cut.label,
    )


def audio_present_check(cut: Cut, info: MediaInfo) -> QACheck:
    """Check the cut carries an AAC track that is not silent."""
    rms = audio_summary(cut.video)[1] if info.audio_codec else 0.0
    level = 20 * np.log10(max(rms, 1e-9))
    return check(
        "audio_present", info.audio_codec == "aac" and level > SILENCE_DBFS,
        f"{info.audio_codec or 'none'} {level:.1f} dBFS", f"aac above {SILENCE_DBFS:g} dBFS",
        "edit", f"mux the mix into the {cut.label} video as AAC", variant=cut.label,
    )


def cover_size_check(p: Production, cut: Cut) -> QACheck:
    """Check the cover has the cut's size."""
    want = frame_size(cut.aspect, p.scale)
    try:
        with Image.open(cut.cover) as im:
            size = im.size
    except (OSError, ValueError):
        size = (0, 0)
    return check(
        "cover_size", size == want, f"{size[0]}x{size[1]}", f"= {want[0]}x{want[1]}", "edit",
        f"draw the {cut.label} cover from the hero frame at {want[0]}x{want[1]}",
        variant=cut.label,
    )


def platforms_check(p: Production) -> QACheck:
    """Check every platform of the criteria has a cut in its aspect."""
    served = {pl for c in p.cuts for pl in c.platforms}
    missing = [pl for pl in p.accept.platforms if pl not in served]
    return check(
        "platforms_covered", not missing, ", ".join(missing) or len(served),
        ", ".join(p.accept.platforms), "edit",
        "render a cut for " + ", ".join(f"{m} ({PLATFORM_ASPECT[m]})" for m in missing),
    )
