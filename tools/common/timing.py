"""Fit scene durations to the narration and put every cut on the music's beat grid.

Each scene is given room for its narration plus a breath before and after; the time left over is
shared out like the script asked; then every inner cut is moved to a beat (rounded to a frame) so
the edit feels played to the music. The whole video keeps the brief's length, within
``TOLERANCE_S``, whenever the narration fits: first with full breaths, then with short ones.
Only narration that cannot fit even then makes the video longer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tools.common.errors import BadInput
from tools.handoffs import Narration, Script, TimedScene

LEAD_IN_S = 0.25
TAIL_S = 0.35
# The shortest breaths a tight fit may use before the video has to grow.
MIN_LEAD_IN_S = 0.12
MIN_TAIL_S = 0.15
MIN_SCENE_S = 1.0
TOLERANCE_S = 0.5
FPS = 30


def scene_need(speech_s: float, fps: int = FPS, lead_s: float = LEAD_IN_S,
               tail_s: float = TAIL_S) -> float:
    """Return the shortest scene that holds ``speech_s`` of narration and its breaths."""
    # One extra frame absorbs the rounding of cuts to frames; a wordless scene still shows.
    padded = speech_s + lead_s + tail_s if speech_s > 0 else 0.0
    return max(MIN_SCENE_S, padded) + 1.0 / fps


def shortest_total(needs: Sequence[float], beat_s: float) -> float:
    """Return the shortest total length whose inner cuts can all sit on beats.

    Taking every cut at the first beat that holds its scene is optimal: a later cut only pushes
    every following one later too.
    """
    cut = 0.0
    for need in needs[:-1]:
        cut = math.ceil((cut + need) / beat_s - 1e-9) * beat_s
    return cut + needs[-1]


def shortest_length(
    script: Script, narration: Narration, beat_s: float, fps: int = FPS, tight: bool = False
) -> float:
    """Return the shortest video, on whole frames, that holds this narration.

    With ``tight`` the breaths are the shortest a tight fit may use, else the full ones.
    """
    pads = (MIN_LEAD_IN_S, MIN_TAIL_S) if tight else (LEAD_IN_S, TAIL_S)
    needs = [scene_need(s, fps, *pads) for s in _spoken(script, narration)]
    return math.ceil(shortest_total(needs, beat_s) * fps - 1e-6) / fps


def place_cuts(
    needs: Sequence[float], weights: Sequence[float], total_s: float, beat_s: float, fps: int = FPS
) -> list[float]:
    """Return the cut times (0 first, ``total_s`` last) with every inner cut on a beat.

    Each scene gets its need plus a share of the spare time by weight, then each cut goes to
    the beat nearest that ideal which still leaves every scene its need. ``total_s`` must be at
    least ``shortest_total(needs, beat_s)``.
    """
    spare = max(0.0, total_s - sum(needs))
    weight_sum = sum(weights) or 1.0
    ideal = [need + spare * w / weight_sum for need, w in zip(needs, weights, strict=True)]
    latest = _latest_beats(needs, beat_s, total_s)
    cuts = [0.0]
    ideal_cut = 0.0
    for i in range(1, len(needs)):
        ideal_cut += ideal[i - 1]
        earliest = math.ceil((cuts[-1] + needs[i - 1]) / beat_s - 1e-9)
        beat = min(max(round(ideal_cut / beat_s), earliest), latest[i])
        cuts.append(round(beat * beat_s * fps) / fps)
    cuts.append(total_s)
    return cuts


def _spoken(script: Script, narration: Narration) -> list[float]:
    """Return each scene's narration length; a wordless line is a short silence, not speech."""
    by_scene = {ln.scene_index: ln.duration_s for ln in narration.lines if ln.words > 0}
    return [by_scene.get(i, 0.0) for i in range(len(script.scenes))]


def _latest_beats(needs: Sequence[float], beat_s: float, total_s: float) -> list[int]:
    """Return, per inner cut, the latest beat index that still leaves room for later scenes."""
    latest = [0] * len(needs)
    bound = total_s
    for i in range(len(needs) - 1, 0, -1):
        latest[i] = math.floor((bound - needs[i]) / beat_s + 1e-9)
        bound = latest[i] * beat_s
    return latest


def fit_timeline(
    script: Script, narration: Narration, target_s: float, beat_s: float, fps: int = FPS
) -> list[TimedScene]:
    """Place scenes on a timeline of ``target_s`` seconds with every inner cut on a beat.

    In order of preference: the exact target with full breaths; up to ``TOLERANCE_S`` longer
    with full breaths; the target (or up to the tolerance) with short breaths. Narration that
    fits none of these grows the video to the shortest length that holds it with short
    breaths; the caller compares the returned total with the target and notes the difference.
    """
    if beat_s <= 0 or fps <= 0:
        raise BadInput("beat length and frame rate must be positive")
    spoken = _spoken(script, narration)
    target = round(target_s * fps) / fps
    total, needs = target, [scene_need(s, fps) for s in spoken]
    shortest = math.ceil(shortest_total(needs, beat_s) * fps - 1e-6) / fps
    if shortest > target + TOLERANCE_S:
        needs = [scene_need(s, fps, MIN_LEAD_IN_S, MIN_TAIL_S) for s in spoken]
        total = max(target, math.ceil(shortest_total(needs, beat_s) * fps - 1e-6) / fps)
    elif shortest > target:
        total = shortest

    cuts = place_cuts(needs, [s.duration_s for s in script.scenes], total, beat_s, fps)
    frame = 1.0 / fps
    timeline: list[TimedScene] = []
    for i, speech in enumerate(spoken):
        length = cuts[i + 1] - cuts[i]
        # A full breath before the line whenever the scene has room for it after the line too.
        lead = min(LEAD_IN_S, max(MIN_LEAD_IN_S, length - speech - MIN_TAIL_S - frame))
        timeline.append(
            TimedScene(
                index=i,
                start_s=round(cuts[i], 4),
                duration_s=round(length, 4),
                narration_start_s=round(cuts[i] + lead, 4),
                narration_s=round(speech, 4),
            )
        )
    return timeline


def timeline_total(timeline: list[TimedScene]) -> float:
    """Return where the last scene ends."""
    last = timeline[-1]
    return round(last.start_s + last.duration_s, 4)
