"""The critic: measure a finished cut against the brief's acceptance criteria and the style anchor.

Every check measures the files on disk (decoded frames, decoded audio, parsed captions), carries
its measured value and threshold, names the stage that owns a failure and says what would fix
it. An optional chat model may add notes afterwards; it never changes a measured verdict.

The critic is incremental: every measurement is remembered by what it measures (a segment's
frame, the mix, a key frame's bytes, a line of copy), on disk when given a folder, so judging a
revision decodes and measures only what the revision changed; the verdicts are the ones a full
re-check gives (tests/integration/tools_qa/test_incremental_critic.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tools.common.media import MediaInfo
from tools.handoffs import QACheck, QAReport
from tools.qa import memo_disk
from tools.qa.checks_audio import loudness_checks, narration_checks, rhythm_checks
from tools.qa.checks_base import THRESHOLDS, Cut, Production, cuts_from_edit
from tools.qa.checks_captions import caption_asks, caption_checks, end_card_check, read_srt
from tools.qa.checks_format import (
    audio_present_check,
    cover_size_check,
    format_checks,
    platforms_check,
    probe_cut,
)
from tools.qa.checks_layout import text_clear_checks
from tools.qa.checks_story import copy_checks, prompt_checks, relevance_checks
from tools.qa.checks_subject import subject_checks
from tools.qa.checks_visual import (
    clip_asks,
    clip_checks,
    cover_checks,
    key_frame_checks,
    sample_times,
)
from tools.qa.checks_words import caption_line_checks, phrase_checks
from tools.qa.decode import file_digest, forget, prefetch, probe_file
from tools.qa.frame_keys import FrameAsk, unmeasured_times
from tools.qa.report import still_off
from tools.qa.text_boxes import title_asks
from tools.qa.verdicts import Words

__all__ = ["THRESHOLDS", "Cut", "Judge", "Production", "cuts_from_edit", "run_checks"]

# A judge reads the production and the measured report and returns notes in words.
Judge = Callable[[Production, QAReport], list[str]]


def _frame_asks(p: Production, cut: Cut) -> list[FrameAsk[Any]]:
    """Return every measurement of frames this cut's checks will make, to decode in one pass."""
    times = [t for _, t in sample_times(p)]
    return [*clip_asks(p, cut), *caption_asks(p, cut), *title_asks(p, cut, times)]


def _sound_and_format_checks(
    p: Production, cut: Cut, narrate: bool
) -> tuple[list[QACheck], MediaInfo | None]:
    """Run the per-cut checks that need no frames; return them and the probe (None: unreadable).

    The narration checks run only when ``narrate`` and the cut has sound.
    """
    info, readable = probe_cut(cut)
    out = [readable]
    if info is None:
        return out, None
    out += format_checks(p, cut, info)
    out.append(audio_present_check(cut, info))
    if info.audio_codec:
        out += loudness_checks(p, cut)
        out += rhythm_checks(p, cut)
        if narrate:
            out += narration_checks(p, cut)
    return out, info


def _picture_checks(p: Production, cut: Cut, info: MediaInfo) -> list[QACheck]:
    """Run the per-cut checks that look at decoded frames, captions and the cover."""
    out = caption_checks(p, cut)
    out += caption_line_checks(p, cut)
    out.append(end_card_check(p, cut, info))
    out += text_clear_checks(p, cut)
    clips, video_lab = clip_checks(p, cut)
    out += clips
    out += cover_checks(p, cut, video_lab)
    out.append(cover_size_check(p, cut))
    return out


def _pictures_of_file(p: Production, cuts: list[Cut]) -> list[list[QACheck] | None]:
    """Decode in one pass the frames of one file no measurement remembers, then run the picture
    checks of its cuts.

    ``cuts`` share the file's content (published copies of one cut). A cut whose file cannot
    be probed gets None: it only fails its readable check. A decoding failure is reported by
    each check that needed the frames.
    """
    with contextlib.suppress(Exception):
        asks = [ask for cut in cuts for ask in _frame_asks(p, cut)]
        prefetch(cuts[0].video, unmeasured_times(cuts[0].video, asks))
    out: list[list[QACheck] | None] = []
    for cut in cuts:
        try:
            info = probe_file(cut.video)
        except Exception:  # the readable check fails this cut
            out.append(None)
            continue
        out.append(_picture_checks(p, cut, info))
    return out


def _measure(p: Production) -> list[QACheck]:
    """Run every measured check, in report order, on two cores.

    Decoding frames is the critic's longest wait and runs in ffmpeg, so each distinct file's
    decode and picture checks start at once in a worker, and so does the embedding of the
    copy and of the drawn subject; this thread measures the stills and the sound meanwhile.
    """
    files: dict[str, list[Cut]] = {}
    for cut in p.cuts:
        files.setdefault(file_digest(cut.video), []).append(cut)
    place = {id(cut): (d, i) for d, cuts in files.items() for i, cut in enumerate(cuts)}
    with ThreadPoolExecutor(len(files) + 1, thread_name_prefix="qa") as pool:
        pictures = {d: pool.submit(_pictures_of_file, p, cuts) for d, cuts in files.items()}
        relevance = pool.submit(lambda: [*relevance_checks(p), *subject_checks(p)])
        whole = [platforms_check(p), *key_frame_checks(p), *prompt_checks(p), *phrase_checks(p)]
        sound: list[tuple[list[QACheck], MediaInfo | None]] = []
        narrated = False
        for cut in p.cuts:
            found, info = _sound_and_format_checks(p, cut, narrate=not narrated)
            narrated = narrated or bool(info and info.audio_codec)
            sound.append((found, info))
        out: list[QACheck] = []
        for cut, (found, info) in zip(p.cuts, sound, strict=True):
            out += found
            if info is None:
                continue
            digest, i = place[id(cut)]
            seen = pictures[digest].result()[i]
            out += seen if seen is not None else _picture_checks(p, cut, info)
        return out + whole + relevance.result()


def blame_upstream(checks: list[QACheck], camera_moves: set[int] | None = None
                   ) -> list[QACheck]:
    """Send a clip's palette failure to the key visuals when the clip cannot change its colours.

    A clip is made from its key frame: when that frame fails too, or when the clip is a camera
    move (which only reframes the frame's pixels), re-rendering the motion would repeat the
    drift. The key visuals' fix round pulls the frame's colours toward the palette instead.
    ``camera_moves`` holds the scenes whose clips are camera moves.
    """
    drifted = {c.scene for c in checks if c.name == "palette_key_frame" and not c.passed}
    moves = camera_moves or set()
    out: list[QACheck] = []
    for c in checks:
        if c.name == "palette_clip" and not c.passed and (c.scene in drifted or c.scene in moves):
            n = (c.scene or 0) + 1
            fix = (f"regenerate the key frame of scene {n} first; its clip is made from it"
                   if c.scene in drifted else
                   f"pull the key frame of scene {n} closer to the palette; its clip is a "
                   "camera move over it")
            c = c.model_copy(update={"stage": "keyvisual", "fix": fix})
        out.append(c)
    return out


def run_checks(p: Production, judge: Judge | None = None, memo_dir: Path | None = None
               ) -> QAReport:
    """Measure a production and return the report; a bad file fails its check, never the critic.

    With ``memo_dir`` the content-keyed measurements are kept there too, so a later process
    (``producer revise``) re-measures only what its change touched (tools.qa.memo_disk).
    """
    memo_disk.use_folder(memo_dir)
    try:
        checks = _measure(p)
    finally:
        forget()
        memo_disk.use_folder(None)
    cues = [(a, text) for cut in p.cuts for path in cut.captions.values()
            for a, _, text in read_srt(path)]
    checks += copy_checks(p, cues)
    moves = {c.scene_index for c in p.motion.clips if c.source == "camera_move"}
    report = QAReport(checks=blame_upstream(checks, moves))
    report.still_off = still_off(report, Words(subject=p.brief.subject, cta=p.accept.cta))
    if judge is not None:
        report.judgment = judge(p, report)
    return report
