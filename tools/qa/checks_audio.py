"""Audio checks measured on each cut's soundtrack: loudness, rhythm, music feel, narration.

Loudness and true peak are measured per platform. The beat grid is measured in the audio, not
read from the plan, so music that was replaced or slipped shows up against the cut times; the
narration is found inside each scene's narration window of the mix.
"""

from __future__ import annotations

import numpy as np

from tools.handoffs import QACheck
from tools.music.mix import measure_loudness
from tools.music.score import mood_energy
from tools.qa.checks_base import THRESHOLDS, Cut, Production, check, scene_name
from tools.qa.decode import Memo, audio_digest, audio_summary, decode_audio
from tools.qa.measure_audio import (
    RATE,
    AnchoredGrid,
    BeatGrid,
    anchored_grid,
    energy,
    find_speech,
    speech_levels,
)

# The procedural score's feels by how busy their hats are (tools.music.score): calm has none,
# warm and upbeat one per beat, driving subdivides the beat.
EXPECTED_ENERGY = {"calm": "low", "warm": "medium", "upbeat": "medium", "driving": "high"}

# Measurements by the mix: every cut carries the same mix, and a revision that keeps it (a new
# look, other captions) re-judges the same sound without decoding it (tools.qa.decode.
# audio_digest). Each is a pure function of the samples.
_loudness: Memo[tuple[float, float]] = Memo(32, "loudness")
_grids: Memo[AnchoredGrid | None] = Memo(32, "beat_grid")
_energies: Memo[tuple[str, dict[str, float]]] = Memo(32, "energy")
_speech: Memo[np.ndarray] = Memo(32, "speech")


def _measured_loudness(cut: Cut) -> tuple[float, float]:
    return _loudness.get(
        audio_digest(cut.video),
        lambda: measure_loudness(decode_audio(cut.video).astype(np.float64), RATE),
    )


def _measured_grid(cut: Cut, bpm: float) -> AnchoredGrid | None:
    return _grids.get(
        (audio_digest(cut.video), bpm), lambda: anchored_grid(decode_audio(cut.video), bpm)
    )


def _measured_energy(cut: Cut, grid: BeatGrid) -> tuple[str, dict[str, float]]:
    return _energies.get(
        (audio_digest(cut.video), grid), lambda: energy(decode_audio(cut.video), grid)
    )


def _speech_levels(cut: Cut) -> np.ndarray:
    def measure() -> np.ndarray:
        levels = speech_levels(decode_audio(cut.video))
        levels.flags.writeable = False  # shared by every later judgment of this mix
        return levels

    return _speech.get(audio_digest(cut.video), measure)


def loudness_checks(p: Production, cut: Cut) -> list[QACheck]:
    """Check integrated loudness and true peak against every platform the cut serves."""
    count, _ = audio_summary(cut.video)
    if count < RATE // 2:
        return []
    lufs, peak = _measured_loudness(cut)
    targets = [p.accept.loudness_lufs.get(pl, -14.0) for pl in cut.platforms] or [-14.0]
    tol = p.accept.loudness_tolerance_lu
    worst = max(targets, key=lambda t: abs(lufs - t))
    ceiling = p.accept.true_peak_max_dbtp
    return [
        check(
            "loudness", all(abs(lufs - t) <= tol for t in targets), lufs,
            f"{worst:g} ± {tol:g} LUFS", "music",
            f"renormalize the mix by {worst - lufs:+.1f} dB to {worst:g} LUFS",
            variant=cut.label,
        ),
        check(
            "true_peak", peak <= ceiling, peak, f"≤ {ceiling:g} dBTP", "music",
            f"limit the mix {peak - ceiling + 0.5:.1f} dB lower (true-peak ceiling {ceiling:g})",
            variant=cut.label,
        ),
    ]


def rhythm_checks(p: Production, cut: Cut) -> list[QACheck]:
    """Check measured tempo, cuts on measured beats and the music's energy against the anchor.

    The grid is measured at the anchor's tempo as a prior (see ``anchored_grid``): the score is
    written at exactly that tempo, so the question is whether the audio pulses there, with a
    phase fitted from the audio, not which metrical level a blind estimate happens to pick.
    """
    count, _ = audio_summary(cut.video)
    want = p.anchor.music.tempo_bpm
    beats = count / RATE / (60.0 / want)
    if count and beats < THRESHOLDS["tempo_min_beats"]:
        return _short_clip_rhythm(p, cut, count, beats)
    measured = _measured_grid(cut, want) if count else None
    min_salience = THRESHOLDS["beat_salience_min"]
    if measured is None or measured.salience < min_salience or not measured.dominant:
        value = (
            "no steady beat" if measured is None
            else f"salience {measured.salience:.2f}" if measured.salience < min_salience
            else f"strongest pulse {measured.strongest_bpm:.1f} bpm"
        )
        return [
            check("music_tempo", False, value, f"{want:g} bpm, salience ≥ {min_salience:g}",
                  "music", f"score the music at {want:g} bpm with a clear pulse",
                  variant=cut.label)
        ]
    grid = measured.grid
    tol = THRESHOLDS["tempo_tolerance"]
    tempo_ok = abs(grid.bpm / want - 1) <= tol
    out = [
        check(
            "music_tempo", tempo_ok, grid.bpm, f"{want:g} bpm ± {tol:.0%}", "music",
            f"re-score the music at the anchor's {want:g} bpm (it plays at {grid.bpm:.1f})",
            detail=f"grid collects {measured.salience:.1f}x the onsets of chance; "
            f"strongest pulse in the range {measured.strongest_bpm:.1f} bpm",
            variant=cut.label,
        )
    ]
    out += _cuts_check(p, cut, grid, "a measured beat",
                       detail=f"beat grid {grid.bpm:.2f} bpm from {grid.phase_s:.3f} s")
    out.append(_mood_check(p, cut, count, grid))
    return out


def _cuts_check(
    p: Production, cut: Cut, grid: BeatGrid, beat: str, detail: str = ""
) -> list[QACheck]:
    """Check that every inner cut of the timeline falls within a frame of a beat of ``grid``."""
    cuts = [s.start_s for s in p.audio.timeline[1:]]
    if not cuts:
        return []
    offsets = [grid.offset(c) for c in cuts]
    worst = max(range(len(cuts)), key=lambda i: abs(offsets[i]))
    tol_s = THRESHOLDS["beat_tolerance_s"]
    return [
        check(
            "cuts_on_beats", abs(offsets[worst]) <= tol_s, abs(offsets[worst]),
            f"≤ {tol_s:.3f} s from {beat}", "music",
            f"the cut into scene {worst + 2} lands {offsets[worst] * 1000:+.0f} ms off the "
            "beat: refit the timeline and re-score so cuts fall on beats",
            detail=detail, variant=cut.label,
        )
    ]


def _short_clip_rhythm(p: Production, cut: Cut, count: int, beats: float) -> list[QACheck]:
    """Judge the rhythm of a clip too short to measure a tempo from.

    Over a dozen beats, a sparse bed with a swell, a fade and ducking under the voice fits
    several periods equally well (a 5 s clip measured 73.8 bpm for a score written at 81), so
    the tempo is not judged and the cuts are checked against the score's own grid, which the
    procedural score is written on from its first sample.
    """
    want = p.anchor.music.tempo_bpm
    need = THRESHOLDS["tempo_min_beats"]
    out = [
        check("music_tempo", True, "too short to measure", f"{want:g} bpm over ≥ {need:g} beats",
              "music", "", detail=f"{beats:.1f} beats of music; the score is written at "
              f"{want:g} bpm", variant=cut.label)
    ]
    grid = BeatGrid(period_s=60.0 / want, phase_s=0.0)
    out += _cuts_check(p, cut, grid, "a beat of the score's grid")
    out.append(_mood_check(p, cut, count, grid))
    return out


def _mood_check(p: Production, cut: Cut, count: int, grid: BeatGrid) -> QACheck:
    """Judge the music's energy from its hats, or pass with a note when there is too little.

    The share of beats with a hat is a statistic over bars; under ``mood_min_bars`` bars most
    of the bed is the swell in and the fade out, so the shares say nothing about the feel.
    """
    mood = p.anchor.music.mood
    expected = EXPECTED_ENERGY[mood_energy(mood)]
    threshold = f"{expected} energy for a {mood} mood"
    bars = count / RATE / (4 * grid.period_s)
    min_bars = THRESHOLDS["mood_min_bars"]
    if bars < min_bars:
        return check(
            "music_mood", True, "not enough music to judge", threshold, "music", "",
            detail=f"{bars:.1f} bars of music, {min_bars:g} needed to judge the feel",
            variant=cut.label,
        )
    measured, share = _measured_energy(cut, grid)
    return check(
        "music_mood", measured == expected, measured, threshold, "music",
        f"re-score with the anchor's {mood} feel ({expected} energy)",
        detail="beats with a hat: " + ", ".join(f"{k} {v:.0%}" for k, v in share.items()),
        variant=cut.label,
    )


def narration_checks(p: Production, cut: Cut) -> list[QACheck]:
    """Check each scene's voice: pace in words per second, pauses, and room before the cut."""
    levels = _speech_levels(cut)
    lo, hi, gap_max = THRESHOLDS["wps_min"], THRESHOLDS["wps_max"], THRESHOLDS["gap_max_s"]
    out: list[QACheck] = []
    for slot in p.audio.timeline:
        words = p.words(slot.index)
        if words == 0:
            continue
        name = scene_name(slot.index)
        start, end = slot.narration_start_s, slot.narration_start_s + slot.narration_s
        cut_at = slot.start_s + slot.duration_s
        speech = find_speech(levels, start, end)
        span = speech.last_s - speech.first_s
        wps = words / span if speech.found and span > 0 else float("inf")
        out.append(
            check(
                "narration_pace", speech.found and lo <= wps <= hi,
                round(wps, 2) if speech.found else "no speech found",
                f"{lo:g}–{hi:g} words/s", "voice",
                f"{name} is read at {wps:.1f} words/s: re-voice it at the persona's pace or "
                f"shorten the line to {max(1, int(hi * span))} words" if speech.found
                else f"{name} has no audible narration: re-voice it",
                variant=cut.label, scene=slot.index,
            )
        )
        if not speech.found:
            continue
        ends_at = start + speech.last_s
        fits = ends_at <= cut_at + 1e-3 and end <= cut_at + 1e-3 and not speech.runs_to_end
        out.append(
            check(
                "narration_fits", fits, round(cut_at - ends_at, 3),
                "≥ 0 s left before the cut, line not clipped", "voice",
                f"{name}'s line is clipped or runs past the cut: shorten it or give the scene "
                f"{max(0.1, ends_at - cut_at + 0.35):.1f} s more",
                variant=cut.label, scene=slot.index,
            )
        )
        out.append(
            check(
                "narration_gaps", speech.longest_gap_s <= gap_max, speech.longest_gap_s,
                f"≤ {gap_max:g} s of silence inside the line", "voice",
                f"{name}'s line has a {speech.longest_gap_s:.1f} s silence: re-voice it "
                "without the pause", variant=cut.label, scene=slot.index,
            )
        )
    return out
