"""The critic: measure a finished cut against the brief's acceptance criteria and the style anchor.

Every check measures the files on disk (decoded frames, decoded audio, parsed captions), carries
its measured value and threshold, names the stage that owns a failure and says what would fix
it. An optional chat model may add notes afterwards; it never changes a measured verdict.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from tools.checks_audio import loudness_checks, narration_checks, rhythm_checks
from tools.checks_base import THRESHOLDS, Cut, Production, cuts_from_edit
from tools.checks_captions import caption_checks, end_card_check, frame_times, read_srt
from tools.checks_format import (
    audio_present_check,
    cover_size_check,
    format_checks,
    platforms_check,
    probe_cut,
)
from tools.checks_story import copy_checks, prompt_checks, relevance_checks
from tools.checks_visual import clip_checks, cover_checks, key_frame_checks, sample_times
from tools.handoffs import QACheck, QAReport
from tools.qa_media import forget, prefetch
from tools.qa_report import still_off

__all__ = ["THRESHOLDS", "Cut", "Judge", "Production", "cuts_from_edit", "run_checks"]

# A judge reads the production and the measured report and returns notes in words.
Judge = Callable[[Production, QAReport], list[str]]


def _cut_checks(p: Production, cut: Cut, narrate: bool) -> tuple[list[QACheck], bool]:
    """Run every per-cut check; return them and whether the narration checks ran on this cut."""
    info, readable = probe_cut(cut)
    out = [readable]
    if info is None:
        return out, False
    # One decoding pass for every frame this cut's checks will look at; a decoding failure is
    # reported by each check that needed the frames.
    with contextlib.suppress(Exception):
        prefetch(cut.video, [t for _, t in sample_times(p)] + frame_times(p, cut))
    out += format_checks(p, cut, info)
    out.append(audio_present_check(cut, info))
    if info.audio_codec:
        out += loudness_checks(p, cut)
        out += rhythm_checks(p, cut)
        if narrate:
            out += narration_checks(p, cut)
    out += caption_checks(p, cut)
    out.append(end_card_check(p, cut, info.duration_s))
    clips, video_lab = clip_checks(p, cut)
    out += clips
    out += cover_checks(p, cut, video_lab)
    out.append(cover_size_check(p, cut))
    return out, narrate and bool(info.audio_codec)


def blame_upstream(checks: list[QACheck]) -> list[QACheck]:
    """Send a clip's palette failure to the key visuals when its scene's key frame fails too.

    A clip is made from its key frame, so re-rendering the motion alone would only repeat the
    drift; the key frame is the root cause and the clip follows once it is fixed.
    """
    drifted = {c.scene for c in checks if c.name == "palette_key_frame" and not c.passed}
    out: list[QACheck] = []
    for c in checks:
        if c.name == "palette_clip" and not c.passed and c.scene in drifted:
            c = c.model_copy(update={
                "stage": "keyvisual",
                "fix": f"regenerate the key frame of scene {(c.scene or 0) + 1} first; "
                       "its clip is made from it",
            })
        out.append(c)
    return out


def run_checks(p: Production, judge: Judge | None = None) -> QAReport:
    """Measure a production and return the report; a bad file fails its check, never the critic."""
    checks: list[QACheck] = []
    narrated = False
    try:
        for cut in p.cuts:
            found, ran = _cut_checks(p, cut, narrate=not narrated)
            checks += found
            narrated = narrated or ran
    finally:
        forget()
    checks.append(platforms_check(p))
    checks += key_frame_checks(p)
    checks += prompt_checks(p)
    checks += relevance_checks(p)
    cues = [(a, text) for cut in p.cuts for path in cut.captions.values()
            for a, _, text in read_srt(path)]
    checks += copy_checks(p, cues)
    report = QAReport(checks=blame_upstream(checks))
    report.still_off = still_off(report)
    if judge is not None:
        report.judgment = judge(p, report)
    return report
