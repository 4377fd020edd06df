"""Voice + Music stage entry: fit the timeline to the narration, score it, and mix.

The narration is already spoken (``tools.voice.narrate.narrate``); this stage decides where every
scene sits, writes music to that exact length on the same beat grid, and mixes the two to
platform loudness. A revision that changed lines passes the cut's timing to keep: scenes stay
where they were and only a scene whose new line needs more room grows (the rule is
``tools.common.timing.keep_timeline``); the score is composed for the length that results.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from tools.common.timing import (
    LEAD_IN_S,
    TOLERANCE_S,
    KeptTiming,
    fit_timeline,
    keep_timeline,
    timeline_total,
)
from tools.handoffs import AudioPlan, Narration, Script, StyleAnchor, TimedScene
from tools.music.mix import mix_audio
from tools.music.score_cache import SCORE_CACHE, compose_cached
from tools.voice.words import timed_words

DUCK_DB = -10.0


def _seed(anchor: StyleAnchor) -> int:
    """Derive a stable seed from the music direction, so a re-render sounds the same."""
    return zlib.crc32(anchor.music.score_json().encode()) & 0x7FFFFFFF


def _fit_notes(timeline: list[TimedScene], target_s: float) -> list[str]:
    """Say how the narration fitted: shortened breaths, or how far over and which lines."""
    total = timeline_total(timeline)
    notes: list[str] = []
    tight = [t.index + 1 for t in timeline if t.narration_start_s - t.start_s < LEAD_IN_S - 1e-3]
    if tight:
        notes.append(
            f"breaths around the narration shortened in scene(s) {', '.join(map(str, tight))} "
            f"to keep {target_s:g} s"
        )
    if abs(total - target_s) > TOLERANCE_S:
        longest = sorted(timeline, key=lambda t: t.narration_s, reverse=True)[:2]
        lines = ", ".join(f"scene {t.index + 1} speaks {t.narration_s:.1f} s" for t in longest)
        notes.append(
            f"the timeline needs {total:.1f} s, {total - target_s:.1f} s longer than the "
            f"{target_s:g} s asked for: the narration does not fit even with short breaths "
            f"({lines}); shorten those lines or allow a longer video"
        )
    return notes


def _kept_notes(kept: KeptTiming, timeline: list[TimedScene] | None) -> list[str]:
    """Say which scenes moved when a revision kept the cut's timing, or why it could not."""
    if timeline is None:
        return ["the cut's timing could not hold the new lines; the timeline was fitted afresh"]
    moved = [
        f"scene {new.index + 1} {old.duration_s:g} s → {new.duration_s:g} s"
        for old, new in zip(kept.timeline, timeline, strict=True)
        if abs(old.duration_s - new.duration_s) > 1e-3
    ]
    if not moved:
        return ["kept the cut's timing: every scene starts and ends where it did"]
    return [f"kept the cut's timing but for the new lines' room: {', '.join(moved)}"]


def plan_audio(
    script: Script, narration: Narration, anchor: StyleAnchor, target_s: float, out_dir: Path,
    fix_round: int = 0, keep: KeptTiming | None = None,
) -> AudioPlan:
    """Fit scenes to narration and beats, compose the score for that length, and write the mix.

    Each QA ``fix_round`` mixes with 1 dB more headroom under the true-peak ceiling: the same
    mix again would fail the same loudness or peak check. ``keep`` is a revised cut's timing,
    kept wherever the new lines allow.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    direction = anchor.music
    beat_s = 60.0 / direction.tempo_bpm
    kept = keep_timeline(keep, script, narration, target_s, beat_s) if keep else None
    timeline = kept or fit_timeline(script, narration, target_s, beat_s)
    timeline = timed_words(timeline, narration)  # captions follow a voice that timed its words
    total = timeline_total(timeline)
    notes = _kept_notes(keep, kept) if keep else []
    notes += _fit_notes(timeline, target_s)

    score = compose_cached(direction, total, out_dir / "music.wav", _seed(anchor),
                           out_dir.resolve().parent / SCORE_CACHE)
    mix = mix_audio(narration, timeline, Path(score.path), out_dir / "mix.wav", duck_db=DUCK_DB,
                    headroom_db=float(max(0, fix_round)), bed_db=direction.bed_db)
    notes.extend(mix.notes)
    notes.append(
        f"procedural score in {score.key}, {score.tempo_bpm:g} bpm, {score.energy} feel"
    )
    return AudioPlan(
        timeline=timeline,
        music_path=score.path,
        mix_path=mix.path,
        tempo_bpm=score.tempo_bpm,
        key=score.key,
        mood=direction.mood,
        beat_s=beat_s,
        integrated_lufs=mix.integrated_lufs,
        true_peak_dbtp=mix.true_peak_dbtp,
        duck_db=DUCK_DB,
        provider="procedural",
        notes=notes,
    )
