"""Fit scene durations to the narration and put every cut on the music's beat grid.

Each scene is given room for its narration plus a breath before and after; the time left over is
shared out like the script asked; then every inner cut is moved to a beat (rounded to a frame) so
the edit feels played to the music. The whole video keeps the brief's length when narration allows.
"""

from __future__ import annotations

import math

from tools.errors import BadInput
from tools.handoffs import Narration, Script, TimedScene

LEAD_IN_S = 0.25
TAIL_S = 0.35
MIN_SCENE_S = 1.0
TOLERANCE_S = 0.5


def _needs(script: Script, narration: Narration, fps: int) -> tuple[list[float], list[float]]:
    """Return each scene's narration length and the shortest scene that still holds it."""
    # A wordless line is a short silence file, not speech that needs room.
    by_scene = {ln.scene_index: ln.duration_s for ln in narration.lines if ln.words > 0}
    spoken = [by_scene.get(i, 0.0) for i in range(len(script.scenes))]
    # One extra frame absorbs the rounding of cuts to frames.
    frame = 1.0 / fps
    needs = [
        max(MIN_SCENE_S, s + LEAD_IN_S + TAIL_S if s > 0 else 0.0) + frame for s in spoken
    ]
    return spoken, needs


def _shortest_total(needs: list[float], beat_s: float) -> float:
    """Return the shortest total length whose inner cuts can all sit on beats."""
    cut = 0.0
    for need in needs[:-1]:
        cut = math.ceil((cut + need) / beat_s - 1e-9) * beat_s
    return cut + needs[-1]


def _latest_beats(needs: list[float], beat_s: float, total_s: float) -> list[int]:
    """Return, per inner cut, the latest beat index that still leaves room for later scenes."""
    latest = [0] * len(needs)
    bound = total_s
    for i in range(len(needs) - 1, 0, -1):
        latest[i] = math.floor((bound - needs[i]) / beat_s + 1e-9)
        bound = latest[i] * beat_s
    return latest


def fit_timeline(
    script: Script, narration: Narration, target_s: float, beat_s: float, fps: int = 30
) -> list[TimedScene]:
    """Place scenes on a timeline of ``target_s`` seconds with every inner cut on a beat.

    If the narration cannot fit, the total grows to the shortest length that holds it; the
    caller compares the returned total with the target and notes the difference.
    """
    if beat_s <= 0 or fps <= 0:
        raise BadInput("beat length and frame rate must be positive")
    spoken, needs = _needs(script, narration, fps)
    total = max(round(target_s * fps) / fps, math.ceil(_shortest_total(needs, beat_s) * fps) / fps)

    weights = [s.duration_s for s in script.scenes]
    spare = max(0.0, total - sum(needs))
    weight_sum = sum(weights)
    ideal = [need + spare * w / weight_sum for need, w in zip(needs, weights, strict=True)]

    latest = _latest_beats(needs, beat_s, total)
    cuts = [0.0]
    ideal_cut = 0.0
    for i in range(1, len(needs)):
        ideal_cut += ideal[i - 1]
        earliest = math.ceil((cuts[-1] + needs[i - 1]) / beat_s - 1e-9)
        beat = min(max(round(ideal_cut / beat_s), earliest), latest[i])
        cuts.append(round(beat * beat_s * fps) / fps)
    cuts.append(total)

    return [
        TimedScene(
            index=i,
            start_s=round(cuts[i], 4),
            duration_s=round(cuts[i + 1] - cuts[i], 4),
            narration_start_s=round(cuts[i] + LEAD_IN_S, 4),
            narration_s=round(spoken[i], 4),
        )
        for i in range(len(needs))
    ]


def timeline_total(timeline: list[TimedScene]) -> float:
    """Return where the last scene ends."""
    last = timeline[-1]
    return round(last.start_s + last.duration_s, 4)
